import pytest
from django.urls import reverse

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from patients.tests.conftest import VITALS
from prescriptions.models import Diagnosis, VisitNote, VisitNoteVersion
from prescriptions.services import ClinicalError, diagnosis_add, visit_note_save


def _form(**overrides):
    data = dict(VITALS)
    data.update(overrides)
    return {key: "" if value is None else value for key, value in data.items()}


def test_doctor_writes_the_note_and_the_visit_moves_to_in_progress(care_appointment, doctor, client_for):
    response = client_for(doctor.user).post(reverse("prescriptions:visit", args=[care_appointment.pk]), _form())
    assert response.status_code == 302
    note = VisitNote.objects.get(appointment=care_appointment)
    assert (note.bp_systolic, note.bp_diastolic, str(note.temperature_c), note.spo2) == (150, 95, "36.9", 97)
    assert note.bmi is not None and str(note.bmi) == "26.5"
    care_appointment.refresh_from_db()
    assert care_appointment.status == Appointment.Status.IN_PROGRESS
    assert care_appointment.events.filter(to_status="in_progress", actor=doctor.user).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bp_systolic", "400", "between 50 and 260 mmHg"),
        ("bp_diastolic", "10", "between 30 and 160 mmHg"),
        ("pulse", "300", "between 25 and 250 beats/min"),
        ("temperature_c", "98.6", "looks like °F"),  # wrong unit
        ("temperature_c", "25.0", "between 30.0 and 44.0 °C"),
        ("weight_kg", "420", "between 0.5 and 350.0 kg"),  # pounds typed as kg
        ("height_cm", "5.9", "between 30.0 and 250.0 cm"),  # feet typed as cm
        ("spo2", "104", "between 50 and 100 %"),
        ("pulse", "fast", "Enter a whole number"),
    ],
)
def test_implausible_vitals_are_clear_form_errors(field, value, message, care_appointment, doctor, client_for):
    response = client_for(doctor.user).post(
        reverse("prescriptions:visit", args=[care_appointment.pk]), _form(**{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VisitNote.objects.exists()


def test_blood_pressure_needs_both_values_and_diastolic_below_systolic(care_appointment, doctor, client_for):
    client = client_for(doctor.user)
    url = reverse("prescriptions:visit", args=[care_appointment.pk])
    assert "Enter both blood pressure values" in client.post(url, _form(bp_diastolic="")).content.decode()
    assert (
        "Diastolic pressure must be lower"
        in client.post(url, _form(bp_diastolic="160", bp_systolic="150")).content.decode()
    )
    assert not VisitNote.objects.exists()


def test_amendment_keeps_every_previous_version(care_appointment, doctor):
    note = visit_note_save(actor=doctor.user, appointment=care_appointment, data=VITALS)
    visit_note_save(
        actor=doctor.user, appointment=care_appointment,
        data={**VITALS, "findings": "Soft systolic murmur at apex."}, amendment_reason="Re-examined",
    )  # fmt: skip
    visit_note_save(
        actor=doctor.user, appointment=care_appointment, data={**VITALS, "findings": "Third text", "pulse": 90}
    )
    note.refresh_from_db()
    assert (note.version, note.findings, note.pulse) == (3, "Third text", 90)
    versions = list(VisitNoteVersion.objects.filter(note=note).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].content["findings"] == "Regular pulse, no murmur."
    assert versions[1].content["findings"] == "Soft systolic murmur at apex."
    assert versions[1].content["pulse"] == 88 and versions[0].amendment_reason == "Re-examined"
    # Saving the same content again is not a new version.
    visit_note_save(
        actor=doctor.user, appointment=care_appointment, data={**VITALS, "findings": "Third text", "pulse": 90}
    )
    assert VisitNoteVersion.objects.filter(note=note).count() == 2


def test_note_history_page_shows_earlier_versions(care_appointment, doctor, patient, client_for):
    note = visit_note_save(actor=doctor.user, appointment=care_appointment, data=VITALS)
    visit_note_save(actor=doctor.user, appointment=care_appointment, data={**VITALS, "findings": "Amended findings"})
    page = client_for(patient.user).get(reverse("prescriptions:visit_note", args=[note.pk])).content.decode()
    assert "Amended findings" in page and "Regular pulse, no murmur." in page and "Version 1" in page


def test_only_the_appointments_doctor_writes_or_amends(care_appointment, doctor, other_doctor):
    visit_note_save(actor=doctor.user, appointment=care_appointment, data=VITALS)
    with pytest.raises(ClinicalError):
        visit_note_save(actor=other_doctor.user, appointment=care_appointment, data={"findings": "x"})
    with pytest.raises(ClinicalError):
        diagnosis_add(actor=other_doctor.user, visit=care_appointment.visit_note, icd10_code="I10")


@pytest.mark.parametrize("status", [Appointment.Status.BOOKED, Appointment.Status.NO_SHOW])
def test_no_note_before_check_in(status, patient, doctor, hospital, client_for):
    appointment = AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital, status=status)
    client = client_for(doctor.user)
    page = client.get(reverse("prescriptions:visit", args=[appointment.pk])).content.decode()
    assert "can be written once the patient is checked in" in page and "Save visit note" not in page
    client.post(reverse("prescriptions:visit", args=[appointment.pk]), _form())
    assert not VisitNote.objects.exists()


def test_diagnosis_with_icd10_code_fills_the_description_and_rejects_unknown_codes(
    care_appointment, doctor, client_for
):
    note = visit_note_save(actor=doctor.user, appointment=care_appointment, data=VITALS)
    client = client_for(doctor.user)
    url = reverse("prescriptions:diagnosis_create", args=[care_appointment.pk])
    assert client.post(url, {"icd10_code": "e11.9", "description": "", "is_primary": "on"}).status_code == 302
    diagnosis = Diagnosis.objects.get()
    assert (diagnosis.icd10_code, diagnosis.description, diagnosis.is_primary) == (
        "E11.9", "Type 2 diabetes mellitus without complications", True,
    )  # fmt: skip
    response = client.post(url, {"icd10_code": "Q99.99", "description": "Something"})
    assert response.status_code == 400 and "Q99.99 is not in the ICD-10 list" in response.content.decode()
    assert client.post(url, {"icd10_code": "", "description": "Viral fever"}).status_code == 302
    assert note.diagnoses.count() == 2
