"""Clinical-record fixtures: a care relationship (patient ↔ doctor), records written through the services,
and small valid/invalid files made here (no downloads)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pydicom.data import get_testdata_file

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from patients.files import inspect_upload
from patients.services import clinical_document_add
from prescriptions.services import (
    diagnosis_add,
    prescription_draft_for,
    prescription_issue,
    prescription_item_add,
    visit_note_save,
)


def png_bytes(size=(32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def dicom_bytes(name: str = "CT_small.dcm") -> bytes:
    # Files bundled inside the pydicom wheel (CT_small.dcm, MR_small.dcm, rtplan.dcm): no download.
    with open(get_testdata_file(name), "rb") as handle:
        return handle.read()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def care_appointment(patient, doctor, hospital):
    """`doctor` treats `patient`: a checked-in appointment at `hospital`."""
    return AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital, status=Appointment.Status.CHECKED_IN)


VITALS = {
    "chief_complaint": "Chest pain on climbing stairs",
    "findings": "Regular pulse, no murmur.",
    "bp_systolic": 150, "bp_diastolic": 95, "pulse": 88, "temperature_c": "36.9", "weight_kg": "78.5",
    "height_cm": "172.0", "spo2": 97, "plan": "ECG, lipid profile.", "follow_up": "2 weeks",
}  # fmt: skip

ITEM = {
    "medicine_name": "Atorvastatin", "strength": "20 mg", "form": "Tablet", "dose": "1 tablet", "route": "Oral",
    "frequency": "Once daily (night)", "duration": "30 days", "quantity": "30 tablets", "instructions": "",
}  # fmt: skip


@pytest.fixture
def records(care_appointment, doctor, patient):
    """A visit note with a diagnosis, an issued prescription, a PNG and a DICOM document — written through
    the services as the treating doctor would."""
    actor = doctor.user
    note = visit_note_save(actor=actor, appointment=care_appointment, data=VITALS)
    diagnosis_add(actor=actor, visit=note, icd10_code="I20.9", description="", is_primary=True)
    draft = prescription_draft_for(actor=actor, visit=note)
    prescription_item_add(actor=actor, prescription=draft, **ITEM)
    prescription = prescription_issue(actor=actor, prescription=draft)
    documents = {}
    for key, name, data in [("image", "ecg.png", png_bytes()), ("dicom", "ct.dcm", dicom_bytes())]:
        file = upload(name, data)
        documents[key] = clinical_document_add(
            actor=actor, patient=patient, uploaded_file=file, inspected=inspect_upload(file), title=f"Test {key}",
            hospital_id=care_appointment.hospital_id,
        )  # fmt: skip
    return {"appointment": care_appointment, "note": note, "prescription": prescription, **documents}


@pytest.fixture
def access_log_flushable(live_url):
    """For live-server tests: the access log is append-only (a trigger refuses DELETE), but the transactional
    test database is emptied after each test. PostgreSQL empties it with TRUNCATE, which row triggers do not
    see; SQLite deletes row by row, so lift the trigger for this one cleanup, exactly as a DBA would."""
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    from patients.migrations import _access_log_triggers as triggers

    with connection.cursor() as cursor:
        for statement in triggers.SQLITE_BACKWARD:
            cursor.execute(statement)
        cursor.execute(f"DELETE FROM {triggers.TABLE}")  # noqa: S608 - a constant table name
        for statement in triggers.SQLITE_FORWARD:
            cursor.execute(statement)


def pytest_collection_modifyitems(config, items):
    """`postgres` tests here (roles, TRUNCATE) run only on the PostgreSQL pass; a SQLite run deselects them."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    here = str(__file__).rsplit("/", 1)[0]
    deselected = [item for item in items if item.get_closest_marker("postgres") and str(item.path).startswith(here)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
