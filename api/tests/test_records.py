"""Medical records through the API: every clinical read writes the same access-log row as the web page, and a
"deleted" diagnosis stays on the record, marked entered in error with the reason."""

import pytest

from patients.models import AccessLogEntry
from prescriptions.models import Diagnosis, VisitNoteVersion

KIND = AccessLogEntry.Kind


def _endpoints(records, patient):
    note, diagnosis = records["note"], records["note"].diagnoses.get()
    return [
        (f"/api/v1/patients/{patient.pk}/record/visits/", KIND.HISTORY, patient.pk),
        (f"/api/v1/patients/{patient.pk}/record/diagnoses/", KIND.HISTORY, patient.pk),
        (f"/api/v1/patients/{patient.pk}/record/prescriptions/", KIND.HISTORY, patient.pk),
        (f"/api/v1/patients/{patient.pk}/record/documents/", KIND.HISTORY, patient.pk),
        (f"/api/v1/visits/{note.pk}/", KIND.VISIT, note.pk),
        (f"/api/v1/diagnoses/{diagnosis.pk}/", KIND.VISIT, note.pk),
        (f"/api/v1/prescriptions/{records['prescription'].pk}/", KIND.PRESCRIPTION, records["prescription"].pk),
        (f"/api/v1/documents/{records['image'].pk}/", KIND.DOCUMENT, records["image"].pk),
        (f"/api/v1/documents/{records['dicom'].pk}/download/", KIND.DOCUMENT_FILE, records["dicom"].pk),
    ]


ENDPOINT_NAMES = ["visits", "diagnoses", "prescriptions", "documents", "visit", "diagnosis", "prescription",
                  "document", "download"]  # fmt: skip


@pytest.mark.parametrize("index", range(len(ENDPOINT_NAMES)), ids=ENDPOINT_NAMES)
def test_every_clinical_read_is_access_logged(api_for, records, doctor, patient, other_doctor, index):
    path, kind, object_id = _endpoints(records, patient)[index]
    before = AccessLogEntry.objects.count()
    assert api_for(other_doctor.user).get(path).status_code == 404  # no care relationship: nothing logged
    assert AccessLogEntry.objects.count() == before
    response = api_for(doctor.user).get(path, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.accessor, entry.patient, entry.kind, entry.object_id) == (doctor.user, patient, kind, object_id)
    assert entry.hospital_id == records["appointment"].hospital_id
    assert entry.ip_address == "10.1.2.3"


def test_entered_in_error_keeps_the_diagnosis_and_its_reason(api_for, records, doctor, patient):
    diagnosis = records["note"].diagnoses.get()
    client = api_for(doctor.user)
    assert client.delete(f"/api/v1/diagnoses/{diagnosis.pk}/").status_code == 400  # a reason is required
    response = client.delete(f"/api/v1/diagnoses/{diagnosis.pk}/?reason=Wrong+patient")
    assert response.status_code == 200
    assert response.json()["entered_in_error_reason"] == "Wrong patient"
    kept = Diagnosis.objects.get(pk=diagnosis.pk)
    assert kept.entered_in_error_at is not None and kept.icd10_code == "I20.9"
    assert client.delete(f"/api/v1/diagnoses/{diagnosis.pk}/?reason=again").status_code == 400
    listed = api_for(patient.user).get(f"/api/v1/patients/{patient.pk}/record/diagnoses/").json()["results"]
    assert listed[0]["entered_in_error_reason"] == "Wrong patient"


def test_the_history_page_shows_a_diagnosis_entered_in_error(client_for, records, doctor, patient):
    from prescriptions.services import diagnosis_mark_entered_in_error

    diagnosis = records["note"].diagnoses.get()
    diagnosis_mark_entered_in_error(actor=doctor.user, diagnosis=diagnosis, reason="Wrong patient")
    page = client_for(patient.user).get(f"/patients/{patient.pk}/history/").content.decode()
    assert "<del>" in page and "entered in error: Wrong patient" in page


def test_amending_a_visit_note_keeps_the_earlier_version(api_for, records, doctor):
    note = records["note"]
    response = api_for(doctor.user).patch(
        f"/api/v1/visits/{note.pk}/", {"plan": "Stress test", "amendment_reason": "Plan changed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["plan"] == "Stress test" and response.json()["version"] == 2
    version = VisitNoteVersion.objects.get(note=note)
    assert version.content["plan"] == "ECG, lipid profile." and version.amendment_reason == "Plan changed"


def test_out_of_range_vitals_are_refused_with_the_field(api_for, records, doctor):
    response = api_for(doctor.user).patch(f"/api/v1/visits/{records['note'].pk}/", {"pulse": 900}, format="json")
    assert response.status_code == 400
    assert "pulse" in response.json()["error"]["fields"]


def test_unknown_icd10_code_is_a_clear_400(api_for, records, doctor):
    response = api_for(doctor.user).post(
        "/api/v1/diagnoses/", {"visit": records["note"].pk, "icd10_code": "ZZZ.99"}, format="json"
    )
    assert response.status_code == 400
    assert "ICD-10" in response.json()["error"]["message"]


def test_document_download_is_the_file(api_for, records, patient):
    response = api_for(patient.user).get(f"/api/v1/documents/{records['image'].pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"
