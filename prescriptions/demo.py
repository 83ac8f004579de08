"""Demo clinical data for patient@example.com with doctor@example.com: two completed visits with notes,
diagnoses and issued prescriptions (one of them corrected), a CT study (DICOM), and one checked-in patient
waiting for the doctor today. Idempotent: each piece is keyed and created once."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appointments.models import Appointment
from patients.files import inspect_upload
from patients.models import ClinicalDocument
from patients.services import clinical_document_add
from prescriptions.models import Prescription, VisitNote
from prescriptions.services import (
    diagnosis_add,
    prescription_correct,
    prescription_draft_for,
    prescription_issue,
    prescription_item_add,
    visit_note_save,
)

VISITS = [
    {
        "days_ago": 60,
        "note": {
            "chief_complaint": "Headache and dizziness for a week",
            "findings": "Alert, oriented. Heart sounds normal, no murmur. No focal neurological deficit.",
            "bp_systolic": 158, "bp_diastolic": 96, "pulse": 84, "temperature_c": "36.8", "weight_kg": "82.0",
            "height_cm": "175.0", "spo2": 98,
            "plan": "Start antihypertensive. Low-salt diet, 30 minutes walking daily. Lipid profile and HbA1c.",
            "follow_up": "Review in 6 weeks with home BP readings",
        },
        "diagnoses": [("I10", "", True)],
        "items": [
            {"medicine_name": "Amlodipine", "strength": "5 mg", "form": "Tablet", "dose": "1 tablet", "route": "Oral",
             "frequency": "Once daily (morning)", "duration": "30 days", "dispense_quantity": 30,
             "instructions": "Take at the same time every day"},
        ],
        "correct": {"reason": "Added paracetamol for the headache", "item": {
            "medicine_name": "Paracetamol", "strength": "500 mg", "form": "Tablet", "dose": "1 tablet", "route": "Oral",
            "frequency": "Up to 3 times a day if needed", "duration": "5 days", "dispense_quantity": 10,
            "instructions": "After food; not more than 3 g a day"}},
    },
    {
        "days_ago": 14,
        "note": {
            "chief_complaint": "Follow-up of hypertension; dry cough for 3 days",
            "findings": "Throat mildly congested. Chest clear. Home BP readings 130-140/85-90.",
            "bp_systolic": 136, "bp_diastolic": 86, "pulse": 76, "temperature_c": "37.4", "weight_kg": "80.5",
            "height_cm": "175.0", "spo2": 97,
            "plan": "Continue amlodipine. Symptomatic treatment for the cough. Steam inhalation.",
            "follow_up": "Review in 3 months, earlier if fever or breathlessness",
        },
        "diagnoses": [("I10", "", True), ("J06.9", "Upper respiratory tract infection (viral)", False)],
        "items": [
            {"medicine_name": "Amlodipine", "strength": "5 mg", "form": "Tablet", "dose": "1 tablet", "route": "Oral",
             "frequency": "Once daily (morning)", "duration": "90 days", "dispense_quantity": 90, "instructions": ""},
            {"medicine_name": "Levocetirizine", "strength": "5 mg", "form": "Tablet", "dose": "1 tablet",
             "route": "Oral", "frequency": "Once daily (night)", "duration": "5 days", "dispense_quantity": 5,
             "instructions": "May cause drowsiness"},
        ],
    },
]  # fmt: skip


def _past_appointment(*, patient, doctor, hospital, days_ago: int) -> Appointment:
    """A past appointment at 05:00 UTC `days_ago` days before today (a time the booking demo never uses)."""
    start = (timezone.now() - datetime.timedelta(days=days_ago)).replace(hour=5, minute=0, second=0, microsecond=0)
    appointment, _ = Appointment.objects.get_or_create(
        doctor=doctor, start_at=start, status__in=Appointment.ACTIVE_STATUSES,
        defaults={
            "patient": patient, "hospital": hospital, "end_at": start + datetime.timedelta(minutes=30),
            "status": Appointment.Status.CHECKED_IN, "reason": "Consultation", "booked_by": patient.user,
        },
    )  # fmt: skip
    return appointment


def _seed_visit(spec: dict, *, patient, doctor, hospital) -> None:
    if VisitNote.objects.filter(
        patient=patient, doctor=doctor, chief_complaint=spec["note"]["chief_complaint"]
    ).exists():
        return
    appointment = _past_appointment(patient=patient, doctor=doctor, hospital=hospital, days_ago=spec["days_ago"])
    actor = doctor.user
    note = visit_note_save(actor=actor, appointment=appointment, data=spec["note"])
    for code, description, primary in spec["diagnoses"]:
        diagnosis_add(actor=actor, visit=note, icd10_code=code, description=description, is_primary=primary)
    draft = prescription_draft_for(actor=actor, visit=note)
    for item in spec["items"]:
        prescription_item_add(actor=actor, prescription=draft, **item)
    issued = prescription_issue(actor=actor, prescription=draft, notes="Drink plenty of water. Limit salt.")
    if "correct" in spec:
        corrected = prescription_correct(actor=actor, prescription=issued, reason=spec["correct"]["reason"])
        prescription_item_add(actor=actor, prescription=corrected, **spec["correct"]["item"])
        prescription_issue(actor=actor, prescription=corrected)
    # Back-date the records to the visit day, so the history reads like a real one.
    visit_day = appointment.end_at
    VisitNote.objects.filter(pk=note.pk).update(created_at=visit_day, updated_at=visit_day)
    Prescription.objects.filter(visit=note, version=1).update(created_at=visit_day, issued_at=visit_day)
    corrected_at = visit_day + datetime.timedelta(hours=2)
    Prescription.objects.filter(visit=note, version__gt=1).update(created_at=corrected_at, issued_at=corrected_at)
    Prescription.objects.filter(visit=note, superseded_at__isnull=False).update(superseded_at=corrected_at)


def _seed_ct_study(*, patient, doctor) -> None:
    title = "CT head (demo study)"
    if ClinicalDocument.objects.filter(patient=patient, title=title).exists():
        return
    from pydicom.data import get_testdata_file

    with open(get_testdata_file("CT_small.dcm"), "rb") as handle:
        upload = SimpleUploadedFile("ct_head.dcm", handle.read(), content_type="application/dicom")
    clinical_document_add(
        actor=doctor.user, patient=patient, uploaded_file=upload, inspected=inspect_upload(upload), title=title,
        description="Non-contrast CT for persistent headache. No acute findings reported.",
        hospital_id=Appointment.objects.filter(patient=patient, doctor=doctor).values_list("hospital_id", flat=True)[0],
    )  # fmt: skip


def _seed_waiting_patient(*, patient, doctor, hospital) -> None:
    """A patient checked in today, so the doctor's dashboard shows the 'Open visit' journey."""
    if Appointment.objects.filter(patient=patient, doctor=doctor, status=Appointment.Status.CHECKED_IN).exists():
        return
    start = timezone.now().replace(minute=40, second=0, microsecond=0) - datetime.timedelta(hours=1)
    if Appointment.objects.filter(doctor=doctor, start_at=start).exists():
        return
    Appointment.objects.create(
        patient=patient, doctor=doctor, hospital=hospital,
        start_at=start, end_at=start + datetime.timedelta(minutes=20),
        status=Appointment.Status.CHECKED_IN, reason="Chest discomfort on exertion", booked_by=patient.user,
    )  # fmt: skip


def seed(demo: dict) -> None:
    patient = demo["patients"]["patient@example.com"]
    doctor = demo["doctors"]["doctor@example.com"]
    hospital = demo["hospitals"]["city-care-bengaluru"]
    for spec in VISITS:
        _seed_visit(spec, patient=patient, doctor=doctor, hospital=hospital)
    _seed_ct_study(patient=patient, doctor=doctor)
    _seed_waiting_patient(patient=demo["patients"]["patient3@example.com"], doctor=doctor, hospital=hospital)
