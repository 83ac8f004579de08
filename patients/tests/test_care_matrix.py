"""The care relationship, for every clinical URL and file: only the patient and the treating doctor get in;
every other signed-in person gets 404 (the same as a record that does not exist); anonymous goes to login."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from patients.models import AccessLogEntry

CLINICAL_URLS = {
    "history": lambda r: reverse("patients:history", args=[r["appointment"].patient_id]),
    "visit note": lambda r: reverse("prescriptions:visit_note", args=[r["note"].pk]),
    "prescription": lambda r: reverse("prescriptions:detail", args=[r["prescription"].pk]),
    "prescription pdf": lambda r: reverse("prescriptions:pdf", args=[r["prescription"].pk]),
    "image page": lambda r: reverse("patients:document", args=[r["image"].pk]),
    "image file": lambda r: reverse("patients:document_file", args=[r["image"].pk]),
    "image preview": lambda r: reverse("patients:document_preview", args=[r["image"].pk]),
    "dicom page": lambda r: reverse("patients:document", args=[r["dicom"].pk]),
    "dicom file": lambda r: reverse("patients:document_file", args=[r["dicom"].pk]),
    "dicom preview": lambda r: reverse("patients:document_preview", args=[r["dicom"].pk]),
    "document upload": lambda r: reverse("patients:document_upload", args=[r["appointment"].patient_id]),
}

# Pages only the treating doctor uses (the patient gets 404 too).
DOCTOR_ONLY_URLS = {
    "visit workspace": lambda r: reverse("prescriptions:visit", args=[r["appointment"].pk]),
}

ALLOWED = {"treating_doctor", "patient"}
PERSONAS = [
    "treating_doctor",
    "non_treating_doctor",
    "patient",
    "other_patient",
    "hospital_admin",
    "staff",
    "anonymous",
]


@pytest.fixture
def persona_user(request, doctor, other_doctor, patient, other_patient, hospital_admin, staff):
    return {
        "treating_doctor": doctor.user,
        "non_treating_doctor": other_doctor.user,
        "patient": patient.user,
        "other_patient": other_patient.user,
        "hospital_admin": hospital_admin,
        "staff": staff,
        "anonymous": None,
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(CLINICAL_URLS))
def test_clinical_urls_follow_the_care_relationship(page, persona, records, persona_user, client_for):
    url = CLINICAL_URLS[page](records)
    before = AccessLogEntry.objects.count()
    response = client_for(persona_user[persona]).get(url)
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif persona in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
    if persona not in ALLOWED:
        assert AccessLogEntry.objects.count() == before, "a denied request must not be logged"


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_workspace_is_only_for_the_appointments_doctor(persona, records, persona_user, client_for):
    url = DOCTOR_ONLY_URLS["visit workspace"](records)
    response = client_for(persona_user[persona]).get(url)
    expected = {"treating_doctor": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_other_doctor_gains_access_with_an_appointment_and_not_with_a_cancelled_one(
    records, other_doctor, other_hospital, patient, client_for
):
    client = client_for(other_doctor.user)
    url = CLINICAL_URLS["prescription"](records)
    cancelled = AppointmentFactory(
        patient=patient, doctor=other_doctor, hospital=other_hospital, status=Appointment.Status.CANCELLED
    )
    assert client.get(url).status_code == 404
    cancelled.status = Appointment.Status.NO_SHOW  # booked once, did not come: still had an appointment
    cancelled.save()
    # The full history across doctors and hospitals: the other doctor now sees Dr Rao's prescription.
    assert client.get(url).status_code == 200


def test_super_admin_sees_no_clinical_notes(records, super_admin, client_for):
    client = client_for(super_admin)
    assert client.get(CLINICAL_URLS["visit note"](records)).status_code == 404
    assert client.get(CLINICAL_URLS["dicom file"](records)).status_code == 404


def test_files_are_not_reachable_under_a_public_url(records, client_for, patient):
    document = records["image"]
    assert document.file.name.startswith(f"records/{patient.pk}/")
    assert "ecg" not in document.file.name  # stored under a random name
    for prefix in ("/media/", "/static/", "/private-files/"):
        assert client_for(patient.user).get(prefix + document.file.name).status_code == 404
