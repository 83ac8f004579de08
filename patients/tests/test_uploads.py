"""Uploads are checked by content, size-limited, stored privately under random names; a bad file is a clear
form error and leaves nothing behind (no row, no file)."""

import io
import re
from pathlib import Path

import numpy as np
import pydicom
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGLSLossless

from patients.models import ClinicalDocument
from patients.tests.conftest import dicom_bytes, jpeg_bytes, pdf_bytes, png_bytes, upload


def _files_on_disk() -> list:
    root = settings.PRIVATE_FILES_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(client, patient, name, data, title="Scan"):
    return client.post(
        reverse("patients:document_upload", args=[patient.pk]), {"title": title, "file": upload(name, data)}
    )


@pytest.fixture
def patient_client(patient, client_for):
    return client_for(patient.user)


@pytest.mark.parametrize(
    ("name", "maker", "kind", "content_type"),
    [
        ("photo.png", png_bytes, "image", "image/png"),
        ("photo.JPG", jpeg_bytes, "image", "image/jpeg"),
        ("lab-report.pdf", pdf_bytes, "pdf", "application/pdf"),
        ("ct.dcm", dicom_bytes, "dicom", "application/dicom"),
    ],
)
def test_valid_files_are_stored_privately_and_served_back(name, maker, kind, content_type, patient, patient_client):
    data = maker()
    response = _post(patient_client, patient, name, data)
    document = ClinicalDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("patients:document", args=[document.pk])
    assert (document.kind, document.content_type, document.original_name) == (kind, content_type, name)
    stored = settings.PRIVATE_FILES_ROOT / document.file.name
    assert stored.read_bytes() == data
    # A random name (token_urlsafe(24): 32 URL-safe characters), the original kept only in the DB. Not "the
    # original stem is not inside it": a 2-letter stem like "ct" turns up in a random name about 1 time in 120.
    stored_name = Path(document.file.name)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", stored_name.stem), stored_name
    assert stored_name.stem != name.rsplit(".", 1)[0] and stored_name.parent.name == str(patient.pk)
    download = patient_client.get(reverse("patients:document_file", args=[document.pk]))
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == content_type
    assert "attachment" in download["Content-Disposition"]


def test_dicom_shows_metadata_and_a_rendered_png_preview(patient, patient_client):
    _post(patient_client, patient, "ct.dcm", dicom_bytes(), title="CT chest")
    document = ClinicalDocument.objects.get()
    assert (document.modality, str(document.study_date)) == ("CT", "2004-01-19")
    page = patient_client.get(reverse("patients:document", args=[document.pk])).content.decode()
    assert "CT" in page and "19 Jan 2004" in page
    assert reverse("patients:document_preview", args=[document.pk]) in page
    preview = patient_client.get(reverse("patients:document_preview", args=[document.pk]))
    image = Image.open(io.BytesIO(b"".join(preview.streaming_content)))
    assert (image.format, image.mode, image.size) == ("PNG", "L", (128, 128))
    assert len(np.unique(np.asarray(image))) > 50  # a real windowed picture, not a flat grey square


def test_dicom_without_pixel_data_is_accepted_with_a_no_preview_note(patient, patient_client):
    response = _post(patient_client, patient, "plan.dcm", dicom_bytes("rtplan.dcm"), title="RT plan")
    document = ClinicalDocument.objects.get()
    assert response.status_code == 302
    assert document.modality == "RTPLAN" and not document.preview
    page = patient_client.get(reverse("patients:document", args=[document.pk])).content.decode()
    assert "No preview: this DICOM file has no image data." in page


def test_dicom_with_an_unsupported_transfer_syntax_is_accepted_without_preview(patient, patient_client):
    dataset = pydicom.dcmread(io.BytesIO(dicom_bytes()))
    dataset.file_meta.TransferSyntaxUID = JPEGLSLossless
    dataset.PixelData = encapsulate([b"\xff\xd8" + b"\x00" * 200])
    dataset["PixelData"].VR = "OB"
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    response = _post(patient_client, patient, "compressed.dcm", buffer.getvalue())
    assert response.status_code == 302
    document = ClinicalDocument.objects.get()
    assert not document.preview and "JPEG-LS" in document.preview_note
    page = patient_client.get(reverse("patients:document", args=[document.pk]))
    assert page.status_code == 200 and "No preview" in page.content.decode()
    assert patient_client.get(reverse("patients:document_preview", args=[document.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.dcm", b"This is just a text file pretending to be DICOM.\n" * 20, "not a valid DICOM file"),
        ("report.pdf", png_bytes(), "not a PDF document"),
        ("photo.png", jpeg_bytes(), "is a JPEG image, but its name says PNG"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "not a readable PNG image"),
        ("broken.pdf", b"%PDF-1.7\n" + b"nonsense" * 40, "damaged"),
        ("ct.dcm", dicom_bytes()[:20000], "incomplete"),
        ("ct.dcm", dicom_bytes()[:5000], "incomplete"),
        ("script.exe", b"MZ" + b"\x00" * 100, "Upload a PDF, PNG, JPEG or DICOM"),
        ("empty.png", b"", "empty"),
    ],
    ids=["text-as-dcm", "png-as-pdf", "jpeg-as-png", "corrupt-png", "corrupt-pdf", "truncated-dicom",
         "truncated-dicom-header", "exe", "empty"],
)  # fmt: skip
def test_bad_files_are_a_form_error_and_leave_nothing_behind(name, data, message, patient, patient_client):
    response = _post(patient_client, patient, name, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ClinicalDocument.objects.count() == 0
    assert _files_on_disk() == []


def test_oversized_file_is_refused(patient, patient_client, settings):
    settings.CLINICAL_UPLOAD_MAX_BYTES = 1024 * 1024
    data = png_bytes(size=(2000, 2000))
    data += b"\x00" * (1024 * 1024 + 1 - len(data))  # over the limit whatever the PNG compressed to
    response = _post(patient_client, patient, "big.png", data)
    assert "the limit is 1 MB" in response.content.decode()
    assert ClinicalDocument.objects.count() == 0 and _files_on_disk() == []


def test_treating_doctor_uploads_to_the_patients_record(care_appointment, doctor, patient, hospital, client_for):
    response = _post(client_for(doctor.user), patient, "xray.png", png_bytes(), title="Chest X-ray")
    document = ClinicalDocument.objects.get()
    assert response.status_code == 302
    assert (document.uploaded_by, document.hospital) == (doctor.user, hospital)
    # …and the patient sees it in their history.
    history = client_for(patient.user).get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert "Chest X-ray" in history


def test_non_treating_doctor_cannot_upload(care_appointment, other_doctor, patient, client_for):
    response = _post(client_for(other_doctor.user), patient, "xray.png", png_bytes())
    assert response.status_code == 404
    assert ClinicalDocument.objects.count() == 0 and _files_on_disk() == []
