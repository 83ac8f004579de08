"""Issue 10, defect 7: the patient edits their own details (blood group included); the doctor records allergies
and blood group during a visit; every change is kept."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from patients.models import MedicalBackground, PatientRecordChange

Status = Appointment.Status


def test_patient_edits_own_details_from_the_dashboard(client_for, patient):
    client = client_for(patient.user)
    dashboard = client.get(reverse("patients:dashboard")).content.decode()
    assert reverse("patients:profile") in dashboard
    response = client.post(reverse("patients:profile"), {
        "phone": "+91 98450 22222", "date_of_birth": "1980-05-17", "sex": "female", "blood_group": "O-",
        "address": "12 MG Road, Bengaluru", "emergency_contact": "Ravi Kumar +91 98450 33333",
    })  # fmt: skip
    assert response.status_code == 302
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert (patient.blood_group, patient.sex, patient.date_of_birth) == ("O-", "female", datetime.date(1980, 5, 17))
    assert (patient.user.phone, patient.address) == ("+91 98450 22222", "12 MG Road, Bengaluru")
    history = dict(PatientRecordChange.objects.filter(patient=patient).values_list("field", "new_value"))
    assert history["blood_group"] == "O-" and history["phone"] == "+91 98450 22222"
    assert set(PatientRecordChange.objects.values_list("changed_by", flat=True)) == {patient.user.pk}


@pytest.mark.parametrize(("field", "value"), [("blood_group", "Z+"), ("date_of_birth", "2999-01-01"), ("sex", "x")])
def test_bad_details_are_refused_and_change_nothing(client_for, patient, field, value):
    data = {
        "phone": "",
        "date_of_birth": "",
        "sex": "female",
        "blood_group": "",
        "address": "",
        "emergency_contact": "",
    }
    response = client_for(patient.user).post(reverse("patients:profile"), {**data, field: value})
    assert response.status_code == 400
    patient.refresh_from_db()
    assert (patient.blood_group, patient.sex, patient.date_of_birth) == ("", "female", datetime.date(1990, 1, 1))
    assert not PatientRecordChange.objects.exists()


def test_only_patients_have_the_profile_page(client_for, doctor, staff):
    for user in (doctor.user, staff):
        assert client_for(user).get(reverse("patients:profile")).status_code == 403


def test_doctor_records_allergies_and_blood_group_during_the_visit(client_for, doctor, patient, hospital):
    visit = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, status=Status.IN_PROGRESS)
    MedicalBackground.objects.create(patient=patient, allergies="Penicillin")
    client = client_for(doctor.user)
    page = client.get(reverse("prescriptions:visit", args=[visit.pk])).content.decode()
    assert "Save allergies and blood group" in page
    client.post(reverse("patients:visit_facts", args=[visit.pk]),
                {"blood_group": "B+", "allergies": "Penicillin (rash); latex"})  # fmt: skip
    patient.refresh_from_db()
    assert patient.blood_group == "B+"
    assert patient.background.allergies == "Penicillin (rash); latex"
    changes = {c.field: c for c in PatientRecordChange.objects.filter(patient=patient)}
    assert (changes["allergies"].old_value, changes["allergies"].new_value) == (
        "Penicillin",
        "Penicillin (rash); latex",
    )
    assert (changes["blood_group"].changed_by, changes["blood_group"].appointment) == (doctor.user, visit)


def test_only_the_treating_doctor_of_an_open_visit_records_facts(client_for, doctor, other_doctor, patient, hospital):
    booked = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital)
    url = reverse("patients:visit_facts", args=[booked.pk])
    assert client_for(other_doctor.user).post(url, {"blood_group": "A+", "allergies": ""}).status_code == 404
    assert client_for(patient.user).post(url, {"blood_group": "A+", "allergies": ""}).status_code == 403
    client_for(doctor.user).post(url, {"blood_group": "A+", "allergies": ""})  # not checked in yet: refused
    patient.refresh_from_db()
    assert patient.blood_group == "" and not PatientRecordChange.objects.exists()
