import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from patients.models import MedicalBackground
from patients.tests.conftest import ITEM, VITALS
from patients.tests.factories import PatientFactory
from prescriptions.services import (
    diagnosis_add,
    prescription_draft_for,
    prescription_issue,
    prescription_item_add,
    visit_note_save,
)


def test_patient_history_shows_visits_prescriptions_and_documents(records, patient, client_for):
    page = client_for(patient.user).get(reverse("patients:my_history"), follow=True).content.decode()
    assert "My medical history" in page
    assert "Chest pain on climbing stairs" in page
    assert "I20.9" in page and "Angina pectoris, unspecified" in page
    assert records["prescription"].number in page and "Atorvastatin" in page
    assert reverse("prescriptions:pdf", args=[records["prescription"].pk]) in page
    assert "Test dicom" in page and "Test image" in page
    assert "BP</span> 150/95 mmHg" in page


def test_history_spans_other_doctors_and_hospitals(records, patient, other_doctor, other_hospital, client_for):
    """Dr Becker (Berlin) sees Dr Rao's (Bengaluru) visit once the patient has an appointment with him."""
    AppointmentFactory(
        patient=patient,
        doctor=other_doctor,
        hospital=other_hospital,
        start_at=timezone.now() + datetime.timedelta(days=9),
    )
    page = client_for(other_doctor.user).get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert "Visit with Dr Asha Rao" in page and "City Care" in page
    assert "Atorvastatin" in page


def test_history_query_count_is_constant(records, patient, doctor, client_for, django_assert_max_num_queries):
    client = client_for(doctor.user)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("patients:history", args=[patient.pk]))
    for week in range(1, 6):
        appointment = AppointmentFactory(
            patient=patient, doctor=doctor, hospital=records["appointment"].hospital,
            start_at=records["appointment"].start_at - datetime.timedelta(days=7 * week),
            status=Appointment.Status.CHECKED_IN,
        )  # fmt: skip
        note = visit_note_save(actor=doctor.user, appointment=appointment, data=VITALS)
        diagnosis_add(actor=doctor.user, visit=note, icd10_code="I10")
        draft = prescription_draft_for(actor=doctor.user, visit=note)
        prescription_item_add(actor=doctor.user, prescription=draft, **ITEM)
        prescription_issue(actor=doctor.user, prescription=draft)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert page.count("Visit with Dr Asha Rao") == 6


def test_medical_background_form(patient, client_for):
    client = client_for(patient.user)
    response = client.post(
        reverse("patients:background"),
        {"allergies": "Sulfa drugs (hives)", "chronic_conditions": "Asthma", "past_surgeries": "",
         "current_medications": "Salbutamol inhaler as needed", "family_history": ""},
    )  # fmt: skip
    assert response.status_code == 302
    background = MedicalBackground.objects.get(patient=patient)
    assert background.allergies == "Sulfa drugs (hives)" and background.updated_by == patient.user
    assert "Sulfa drugs (hives)" in client.get(reverse("patients:background")).content.decode()


def test_background_appears_on_the_doctors_visit_page(care_appointment, patient, doctor, client_for):
    MedicalBackground.objects.create(patient=patient, allergies="Penicillin", chronic_conditions="Type 2 diabetes")
    page = client_for(doctor.user).get(reverse("prescriptions:visit", args=[care_appointment.pk])).content.decode()
    assert "Penicillin" in page and "Type 2 diabetes" in page


@pytest.mark.parametrize("persona", ["doctor", "hospital_admin", "staff"])
def test_background_page_is_for_patients_only(persona, request, client_for):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)
    assert client_for(user).get(reverse("patients:background")).status_code == 403


def test_my_patients_lists_and_searches_the_doctors_patients(doctor, hospital, other_patient, client_for):
    mine = PatientFactory(user__full_name="Ravi Menon", user__email="ravi@example.org", user__phone="+91 98450 00003")
    AppointmentFactory(patient=mine, doctor=doctor, hospital=hospital)
    only_cancelled = PatientFactory(user__full_name="Cancelled Carl")
    AppointmentFactory(patient=only_cancelled, doctor=doctor, hospital=hospital, status=Appointment.Status.CANCELLED)
    client = client_for(doctor.user)
    page = client.get(reverse("patients:my_patients")).content.decode()
    assert "Ravi Menon" in page
    assert "Cancelled Carl" not in page and other_patient.user.full_name not in page
    for query in ("ravi", "RAVI@EXAMPLE", "98450 00003", mine.patient_number):
        assert "Ravi Menon" in client.get(reverse("patients:my_patients"), {"q": query}).content.decode(), query
    assert "Ravi Menon" not in client.get(reverse("patients:my_patients"), {"q": "nobody"}).content.decode()


def test_my_patients_query_budget_is_constant(doctor, hospital, client_for, django_assert_max_num_queries):
    client = client_for(doctor.user)
    AppointmentFactory(patient=PatientFactory(), doctor=doctor, hospital=hospital)
    with django_assert_max_num_queries(10) as one:
        client.get(reverse("patients:my_patients"))
    for day in range(20):
        start = timezone.now() + datetime.timedelta(days=3 + day)
        AppointmentFactory(patient=PatientFactory(), doctor=doctor, hospital=hospital, start_at=start)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("patients:my_patients"))
    assert response.content.decode().count("History<span") == 21


@pytest.mark.parametrize("persona", ["patient", "hospital_admin", "staff"])
def test_my_patients_is_for_doctors_only(persona, request, client_for):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)
    assert client_for(user).get(reverse("patients:my_patients")).status_code == 403
