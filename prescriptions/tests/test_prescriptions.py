import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from notifications.models import Notification
from patients.tests.conftest import ITEM, VITALS
from prescriptions.models import Prescription, PrescriptionItem
from prescriptions.services import (
    ClinicalError,
    prescription_correct,
    prescription_draft_for,
    prescription_issue,
    prescription_item_add,
    visit_note_save,
)


@pytest.fixture
def note(care_appointment, doctor):
    return visit_note_save(actor=doctor.user, appointment=care_appointment, data=VITALS)


def test_doctor_adds_items_and_issues_through_the_pages(note, care_appointment, doctor, patient, client_for):
    client = client_for(doctor.user)
    add = reverse("prescriptions:item_create", args=[care_appointment.pk])
    assert client.post(add, ITEM).status_code == 302
    assert client.post(add, {**ITEM, "medicine_name": "Aspirin", "strength": "75 mg"}).status_code == 302
    draft = Prescription.objects.get(status=Prescription.Status.DRAFT)
    # A draft is the doctor's work in progress: the patient does not see it.
    assert client_for(patient.user).get(reverse("prescriptions:detail", args=[draft.pk])).status_code == 404

    response = client.post(reverse("prescriptions:issue", args=[draft.pk]), {"notes": "Avoid heavy exertion."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.issued_by, draft.notes) == ("issued", doctor.user, "Avoid heavy exertion.")
    assert draft.issued_at is not None and draft.number == f"RX{draft.pk:06d}-v1"
    care_appointment.refresh_from_db()
    assert care_appointment.status == Appointment.Status.COMPLETED
    visit_page = client.get(reverse("prescriptions:visit", args=[care_appointment.pk])).content.decode()
    assert "Add medicine" not in visit_page and "start a corrected version" in visit_page

    notification = Notification.objects.get(recipient=patient.user)
    assert notification.kind == Notification.Kind.PRESCRIPTION_ISSUED
    assert notification.title == "Your prescription from Dr Asha Rao is ready"
    assert notification.url == reverse("prescriptions:detail", args=[draft.pk])


def test_too_long_advice_is_not_issued_silently_without_it(note, care_appointment, doctor, client_for):
    client = client_for(doctor.user)
    client.post(reverse("prescriptions:item_create", args=[care_appointment.pk]), ITEM)
    draft = Prescription.objects.get(status=Prescription.Status.DRAFT)

    response = client.post(reverse("prescriptions:issue", args=[draft.pk]), {"notes": "x" * 2001}, follow=True)

    draft.refresh_from_db()
    assert draft.status == Prescription.Status.DRAFT
    assert "Not issued: Ensure this value has at most 2000 characters" in response.content.decode()


def test_item_form_errors_are_shown(note, care_appointment, doctor, client_for):
    response = client_for(doctor.user).post(
        reverse("prescriptions:item_create", args=[care_appointment.pk]), {**ITEM, "dose": "", "frequency": ""}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not PrescriptionItem.objects.exists()


def test_an_empty_prescription_cannot_be_issued(note, doctor):
    draft = prescription_draft_for(actor=doctor.user, visit=note)
    with pytest.raises(ClinicalError, match="at least one medicine"):
        prescription_issue(actor=doctor.user, prescription=draft)


def test_issued_prescription_is_immutable(records, doctor, client_for):
    issued = records["prescription"]
    with pytest.raises(ClinicalError, match="cannot be changed"):
        prescription_item_add(actor=doctor.user, prescription=issued, **ITEM)
    item = issued.items.get()
    response = client_for(doctor.user).post(reverse("prescriptions:item_delete", args=[item.pk]))
    assert response.status_code == 302
    assert PrescriptionItem.objects.filter(pk=item.pk).exists()
    with pytest.raises(ClinicalError):
        prescription_issue(actor=doctor.user, prescription=issued)


def test_correction_issues_a_new_version_that_supersedes_the_old(records, doctor, patient, client_for):
    original = records["prescription"]
    client = client_for(doctor.user)
    response = client.post(reverse("prescriptions:correct", args=[original.pk]), {"reason": "Dose too high"})
    assert response.status_code == 302
    draft = Prescription.objects.get(status=Prescription.Status.DRAFT)
    assert (draft.version, draft.supersedes, draft.series, draft.correction_reason) == (
        2, original, original.series, "Dose too high",
    )  # fmt: skip
    assert [i.medicine_name for i in draft.items.all()] == ["Atorvastatin"]  # lines copied
    item = draft.items.get()
    client.post(reverse("prescriptions:item_delete", args=[item.pk]))  # a draft's lines can change
    prescription_item_add(actor=doctor.user, prescription=draft, **{**ITEM, "strength": "10 mg"})
    client.post(reverse("prescriptions:issue", args=[draft.pk]))

    original.refresh_from_db()
    draft.refresh_from_db()
    assert original.status == Prescription.Status.SUPERSEDED and original.superseded_at is not None
    assert draft.status == Prescription.Status.ISSUED and draft.number.endswith("-v2")
    assert original.items.get().strength == "20 mg"  # the old version is untouched
    # Both versions stay visible, with who and when.
    page = client_for(patient.user).get(reverse("prescriptions:detail", args=[original.pk])).content.decode()
    assert "replaced by a correction" in page
    assert original.number in page and draft.number in page and "Dose too high" in page
    assert Notification.objects.filter(recipient=patient.user, title__contains="(corrected)").exists()
    # A superseded version cannot be corrected again, and another doctor cannot correct at all.
    with pytest.raises(ClinicalError):
        prescription_correct(actor=doctor.user, prescription=original, reason="again")


def test_other_doctor_cannot_correct_or_issue(records, other_doctor, other_hospital, patient, client_for):
    start = records["appointment"].start_at + datetime.timedelta(days=3)
    # In the patient's care (so the prescription is visible), but not its author.
    AppointmentFactory(patient=patient, doctor=other_doctor, hospital=other_hospital, start_at=start)
    client = client_for(other_doctor.user)
    assert (
        client.post(reverse("prescriptions:correct", args=[records["prescription"].pk]), {"reason": "x"}).status_code
        == 404
    )
    with pytest.raises(ClinicalError):
        prescription_correct(actor=other_doctor.user, prescription=records["prescription"], reason="x")


def test_pdf_opens_and_contains_the_prescription(records, patient, doctor, client_for):
    response = client_for(patient.user).get(reverse("prescriptions:pdf", args=[records["prescription"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        "City Care", "Dr Asha Rao", doctor.registration_number, "Pat Kumar", patient.patient_number,
        "Atorvastatin", "20 mg", "Once daily (night)", "Angina pectoris", "Signature",
    ):  # fmt: skip
        assert expected in text, expected
