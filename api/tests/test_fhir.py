"""FHIR R4 read API: CapabilityStatement, read/search per type with the UI's scoping and access log, every listed
search parameter, paging through Bundle.link[next], Patient/$everything, R4B model validation and a terminology
check of every emitted code against its required value set."""

import datetime

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from appointments.tests.factories import AppointmentFactory
from patients.models import AccessLogEntry
from prescriptions.services import prescription_correct, prescription_issue

# Required bindings in R4 (the model library checks shapes, not these codes).
VALUE_SETS = {
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("Appointment", "status"): {"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
                                "entered-in-error", "checked-in", "waitlist"},
    ("Appointment", "participant.status"): {"accepted", "declined", "tentative", "needs-action"},
    ("Encounter", "status"): {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                              "entered-in-error", "unknown"},
    ("Condition", "clinicalStatus"): {"active", "recurrence", "relapse", "inactive", "remission", "resolved"},
    ("Condition", "verificationStatus"): {"unconfirmed", "provisional", "differential", "confirmed", "refuted",
                                          "entered-in-error"},
    ("MedicationRequest", "status"): {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped",
                                      "draft", "unknown"},
    ("MedicationRequest", "intent"): {"proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
                                      "instance-order", "option"},
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("ImagingStudy", "status"): {"registered", "available", "cancelled", "entered-in-error", "unknown"},
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                         "history", "searchset", "collection"},
    ("CapabilityStatement", "status"): {"draft", "active", "retired", "unknown"},
}  # fmt: skip
TYPES = ["Patient", "Practitioner", "PractitionerRole", "Organization", "Appointment", "Encounter", "Condition",
         "MedicationRequest", "DocumentReference", "ImagingStudy"]  # fmt: skip


def validate(resource: dict) -> None:
    """R4B model validation plus the terminology check."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    check_codes(resource)


def _codes(resource: dict, path: str):
    values = [resource]
    for part in path.split("."):
        values = [item for value in values for item in (value.get(part) if isinstance(value.get(part), list)
                                                        else [value.get(part)]) if item is not None]  # fmt: skip
    for value in values:
        yield value["coding"][0]["code"] if isinstance(value, dict) else value


def check_codes(resource: dict) -> None:
    for (kind, path), allowed in VALUE_SETS.items():
        if resource["resourceType"] == kind:
            for code in _codes(resource, path):
                assert code in allowed, (kind, path, code)
    if resource["resourceType"] == "Condition":
        for coding in resource["code"].get("coding", []):
            assert coding["system"] == "http://hl7.org/fhir/sid/icd-10"
    if resource["resourceType"] == "Encounter":
        assert resource["class"]["code"] in {"AMB", "VR"}
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            check_codes(entry["resource"])


@pytest.fixture
def world(records, doctor, patient):
    return records


def _get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, response.content[:500]
    return response.json()


def test_capability_statement_is_public_and_valid(api_for, db):
    response = api_for().get("/fhir/R4/metadata")
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = response.json()
    validate(statement)
    assert {r["type"] for r in statement["rest"][0]["resource"]} == set(TYPES)


@pytest.mark.parametrize("kind", TYPES)
def test_read_and_search_each_type(api_for, world, doctor, other_doctor, kind):
    client = api_for(doctor.user)
    bundle = _get(client, f"/fhir/R4/{kind}")
    validate(bundle)
    assert bundle["entry"], kind
    resource = bundle["entry"][0]["resource"]
    before = AccessLogEntry.objects.count()
    read = _get(client, f"/fhir/R4/{kind}/{resource['id']}")
    validate(read)
    assert read == resource
    clinical = kind in ("Encounter", "Condition", "MedicationRequest", "DocumentReference", "ImagingStudy")
    assert AccessLogEntry.objects.count() == before + (1 if clinical else 0)
    if clinical:
        entry = AccessLogEntry.objects.order_by("-pk").first()
        assert (entry.accessor, entry.object_id) == (doctor.user, int(resource["id"]))
        # No care relationship: not found, and nothing logged.
        _get(api_for(other_doctor.user), f"/fhir/R4/{kind}/{resource['id']}", status=404)
        assert _get(api_for(other_doctor.user), f"/fhir/R4/{kind}").get("entry", []) == []


def test_every_listed_search_parameter_works(api_for, world, doctor, patient):
    client = api_for(doctor.user)
    statement = _get(client, "/fhir/R4/metadata")
    today = timezone.localdate().isoformat()
    samples = {"patient": f"Patient/{patient.pk}", "date": f"ge{today}", "birthdate": "1990-01-01",
               "authoredon": f"le{today}", "started": "2000-01-01", "recorded-date": f"ge{today}",
               "gender": "unknown", "status": "booked,active,finished,stopped,checked-in", "name": "a",
               "identifier": "P", "code": "http://hl7.org/fhir/sid/icd-10|I20.9", "intent": "order",
               "practitioner": f"Practitioner/{doctor.pk}", "organization": "1", "encounter": "1",
               "address-city": "Ben", "_id": "1", "_count": "5"}  # fmt: skip
    for resource in statement["rest"][0]["resource"]:
        for param in resource["searchParam"]:
            bundle = _get(client, f"/fhir/R4/{resource['type']}?{param['name']}={samples[param['name']]}")
            validate(bundle)
    assert _get(client, f"/fhir/R4/Condition?code=I20.9&patient={patient.pk}")["entry"]
    assert _get(client, "/fhir/R4/Condition?code=J45")["entry"] == []
    assert _get(client, "/fhir/R4/Appointment?nonsense=1", status=400)
    assert _get(client, "/fhir/R4/Appointment?date=yesterday", status=400)
    assert _get(client, "/fhir/R4/Nonsense", status=404)


def test_paging_visits_every_row_exactly_once(api_for, patient, doctor, hospital):
    start = datetime.datetime(2030, 1, 1, 8, tzinfo=datetime.UTC)
    for index in range(250):
        at = start + datetime.timedelta(hours=index)
        AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital, start_at=at,
                           end_at=at + datetime.timedelta(minutes=30))  # fmt: skip
    client = api_for(patient.user)
    seen, url, pages = [], f"/fhir/R4/Appointment?patient={patient.pk}&_count=20", 0
    while url:
        bundle = _get(client, url)
        pages += 1
        assert len(bundle["entry"]) <= 20
        seen += [entry["resource"]["id"] for entry in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == 250
    assert pages == 13


def test_corrected_prescription_points_to_the_earlier_one(api_for, world, doctor, patient):
    old = world["prescription"]
    draft = prescription_correct(actor=doctor.user, prescription=old, reason="Dose")
    prescription_issue(actor=doctor.user, prescription=draft)
    client = api_for(patient.user)
    old_item, new_item = old.items.get(), draft.items.get()
    earlier = _get(client, f"/fhir/R4/MedicationRequest/{old_item.pk}")
    later = _get(client, f"/fhir/R4/MedicationRequest/{new_item.pk}")
    validate(earlier)
    validate(later)
    assert earlier["status"] == "stopped"
    assert later["status"] == "active"
    assert later["priorPrescription"] == {"reference": f"MedicationRequest/{old_item.pk}"}
    active = _get(client, f"/fhir/R4/MedicationRequest?patient={patient.pk}&status=active")
    assert [entry["resource"]["id"] for entry in active["entry"]] == [str(new_item.pk)]


def test_entered_in_error_condition(api_for, world, doctor):
    from prescriptions.services import diagnosis_mark_entered_in_error

    diagnosis = world["note"].diagnoses.get()
    diagnosis_mark_entered_in_error(actor=doctor.user, diagnosis=diagnosis, reason="Wrong patient")
    condition = _get(api_for(doctor.user), f"/fhir/R4/Condition/{diagnosis.pk}")
    validate(condition)
    assert condition["verificationStatus"]["coding"][0]["code"] == "entered-in-error"


def test_everything_is_for_the_patient_themself(api_for, world, patient, doctor, other_patient):
    bundle = _get(api_for(patient.user), f"/fhir/R4/Patient/{patient.pk}/$everything")
    validate(bundle)
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "Appointment", "Encounter", "Condition", "MedicationRequest", "DocumentReference",
            "ImagingStudy", "Practitioner"} <= kinds  # fmt: skip
    assert AccessLogEntry.objects.filter(patient=patient, kind=AccessLogEntry.Kind.HISTORY).exists()
    _get(api_for(doctor.user), f"/fhir/R4/Patient/{patient.pk}/$everything", status=404)
    _get(api_for(other_patient.user), f"/fhir/R4/Patient/{patient.pk}/$everything", status=404)
    _get(api_for(), f"/fhir/R4/Patient/{patient.pk}/$everything", status=401)


def test_download_my_record_from_the_history_page(client_for, world, patient, other_patient):
    client = client_for(patient.user)
    history = client.get(f"/patients/{patient.pk}/history/")
    assert b"Download my record (FHIR)" in history.content
    response = client.get("/patients/me/record.fhir.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    validate(response.json())
    assert client_for(None).get("/patients/me/record.fhir.json").status_code == 302


def test_junk_ids_and_types(api_for, world, doctor):
    client = api_for(doctor.user)
    _get(client, "/fhir/R4/Patient/abc", status=404)
    _get(client, f"/fhir/R4/Patient/{2**70}", status=404)
    _get(client, "/fhir/R4/Appointment?_count=abc", status=400)
    _get(client, "/fhir/R4/Appointment?_count=100000")
