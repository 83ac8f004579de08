"""The clinical encounter: visit notes (with amendment history), diagnoses and prescriptions (with versions)."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from appointments.models import Appointment
from appointments.services import AppointmentError, appointment_transition
from notifications.models import Notification
from notifications.services import notify
from prescriptions.catalogue import icd10_by_code
from prescriptions.models import NOTE_FIELDS, Diagnosis, Prescription, PrescriptionItem, VisitNote, VisitNoteVersion
from prescriptions.selectors import VISIT_OPEN_STATUSES

Status = Appointment.Status


class ClinicalError(Exception):
    """A clinical rule refused the change; the message is shown to the doctor as it is."""


def _require_treating_doctor(actor: User, appointment: Appointment) -> None:
    if appointment.doctor.user_id != actor.pk:
        raise ClinicalError("Only the doctor of this appointment can write its visit note.")


def _note_content(note: VisitNote) -> dict:
    content = {}
    for name in NOTE_FIELDS:
        value = getattr(note, name)
        content[name] = str(value) if value is not None and not isinstance(value, str | int) else value
    return content


@transaction.atomic
def visit_note_save(*, actor: User, appointment: Appointment, data: dict, amendment_reason: str = "") -> VisitNote:
    """Write the visit note, or amend it. An amendment keeps the previous text as a VisitNoteVersion.

    Writing the first note of a checked-in appointment moves it to "in progress"."""
    appointment = Appointment.objects.select_for_update().select_related("doctor").get(pk=appointment.pk)
    _require_treating_doctor(actor, appointment)
    if appointment.status not in VISIT_OPEN_STATUSES:
        raise ClinicalError(
            f"This appointment is {appointment.get_status_display().lower()}: a visit note can be written once "
            "the patient is checked in."
        )
    note = VisitNote.objects.select_for_update().filter(appointment=appointment).first()
    if note is None:
        note = VisitNote(
            appointment=appointment, patient_id=appointment.patient_id, doctor_id=appointment.doctor_id,
            hospital_id=appointment.hospital_id, updated_by=actor,
        )  # fmt: skip
        for name in NOTE_FIELDS:
            if name in data:
                setattr(note, name, data[name])
        note.save()
        if appointment.status == Status.CHECKED_IN:
            appointment_transition(actor=actor, appointment=appointment, to_status=Status.IN_PROGRESS)
        return note
    if note.doctor_id != appointment.doctor_id or note.doctor.user_id != actor.pk:
        raise ClinicalError("Only the author can amend this visit note.")
    before = _note_content(note)
    for name in NOTE_FIELDS:
        if name in data:
            setattr(note, name, data[name])
    if _note_content(note) == before:
        return note
    VisitNoteVersion.objects.create(
        note=note, version=note.version, content=before, written_by=note.updated_by, written_at=note.updated_at,
        amendment_reason=amendment_reason.strip()[:300],
    )  # fmt: skip
    note.version += 1
    note.updated_by = actor
    note.save()
    return note


def _require_note_author(actor: User, visit: VisitNote) -> None:
    if visit.doctor.user_id != actor.pk:
        raise ClinicalError("Only the doctor who wrote this visit note can change it.")


def diagnosis_add(
    *, actor: User, visit: VisitNote, description: str = "", icd10_code: str = "", is_primary: bool = False
) -> Diagnosis:
    _require_note_author(actor, visit)
    code = icd10_code.strip().upper()
    if code:
        entry = icd10_by_code().get(code)
        if entry is None:
            raise ClinicalError(
                f"{code} is not in the ICD-10 list. Pick a code from the suggestions or leave it empty."
            )
        description = description.strip() or entry.description
    if not description.strip():
        raise ClinicalError("Describe the diagnosis or pick an ICD-10 code.")
    return Diagnosis.objects.create(
        visit=visit, icd10_code=code, description=description.strip()[:300], is_primary=is_primary, created_by=actor
    )


@transaction.atomic
def diagnosis_mark_entered_in_error(*, actor: User, diagnosis: Diagnosis, reason: str) -> Diagnosis:
    """A clinical record is never deleted: a wrong diagnosis is marked entered in error, with the reason, by the
    doctor who wrote the visit note. The row and its text stay for the history."""
    diagnosis = Diagnosis.objects.select_for_update().select_related("visit__doctor").get(pk=diagnosis.pk)
    _require_note_author(actor, diagnosis.visit)
    if diagnosis.entered_in_error_at is not None:
        raise ClinicalError(_("This diagnosis is already marked as entered in error."))
    reason = reason.strip()
    if not reason:
        raise ClinicalError(_("Say why this diagnosis was entered in error."))
    diagnosis.entered_in_error_at = timezone.now()
    diagnosis.entered_in_error_by = actor
    diagnosis.entered_in_error_reason = reason[:300]
    diagnosis.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    return diagnosis


def prescription_draft_for(*, actor: User, visit: VisitNote) -> Prescription:
    """The open draft of this visit, created on first use."""
    _require_note_author(actor, visit)
    draft = visit.prescriptions.filter(status=Prescription.Status.DRAFT).first()
    if draft is not None:
        return draft
    try:
        with transaction.atomic():
            return Prescription.objects.create(
                visit=visit, patient_id=visit.patient_id, doctor_id=visit.doctor_id, hospital_id=visit.hospital_id,
                created_by=actor,
            )  # fmt: skip
    except IntegrityError:  # a second tab created it a moment ago
        return visit.prescriptions.get(status=Prescription.Status.DRAFT)


ITEM_FIELDS = [
    "medicine_name",
    "strength",
    "form",
    "dose",
    "route",
    "frequency",
    "duration",
    "quantity",
    "instructions",
]


@transaction.atomic
def prescription_item_add(
    *, actor: User, prescription: Prescription, dispense_quantity: int | None = None, **fields: str
) -> PrescriptionItem:
    """Add a line to a draft. A medicine whose name, strength and form match a catalogue product is linked to it
    (so the pharmacy can dispense it); anything else stays a typed-in line for the pharmacist to map."""
    from pharmacy.selectors import catalogue_product_matching

    prescription = Prescription.objects.select_for_update().select_related("doctor").get(pk=prescription.pk)
    _require_draft_author(actor, prescription)
    if dispense_quantity is not None and not 1 <= dispense_quantity <= 10000:
        raise ClinicalError("The quantity to dispense must be a whole number from 1 to 10000.")
    values = {name: (fields.get(name) or "").strip() for name in ITEM_FIELDS if name in fields}
    product = catalogue_product_matching(
        name=values.get("medicine_name", ""), strength=values.get("strength", ""), form=values.get("form", "")
    )
    position = prescription.items.count()
    return PrescriptionItem.objects.create(
        prescription=prescription, position=position, product=product, dispense_quantity=dispense_quantity, **values
    )


@transaction.atomic
def prescription_item_remove(*, actor: User, item: PrescriptionItem) -> None:
    """Only a draft's lines can be taken out again; an issued prescription is never changed."""
    prescription = Prescription.objects.select_for_update().select_related("doctor").get(pk=item.prescription_id)
    _require_draft_author(actor, prescription)
    item.delete()


def _require_draft_author(actor: User, prescription: Prescription) -> None:
    if prescription.doctor.user_id != actor.pk:
        raise ClinicalError("Only the prescribing doctor can change this prescription.")
    if prescription.status != Prescription.Status.DRAFT:
        raise ClinicalError("An issued prescription cannot be changed. Issue a corrected version instead.")


@transaction.atomic
def prescription_issue(*, actor: User, prescription: Prescription, notes: str | None = None) -> Prescription:
    """Issue a draft: it becomes immutable, supersedes the version it corrects, completes the visit and tells
    the patient."""
    prescription = (
        Prescription.objects.select_for_update()
        .select_related("doctor__user", "patient__user", "visit__appointment")
        .get(pk=prescription.pk)
    )
    _require_draft_author(actor, prescription)
    if not prescription.items.exists():
        raise ClinicalError("Add at least one medicine before issuing the prescription.")
    now = timezone.now()
    if prescription.supersedes_id:
        previous = Prescription.objects.select_for_update().get(pk=prescription.supersedes_id)
        if previous.status != Prescription.Status.ISSUED:
            raise ClinicalError("The prescription this corrects was already superseded.")
        previous.status = Prescription.Status.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
        prescription.series = previous.series
    else:
        prescription.series = prescription.pk
    if notes is not None:
        prescription.notes = notes.strip()
    prescription.status = Prescription.Status.ISSUED
    prescription.issued_by = actor
    prescription.issued_at = now
    prescription.save(update_fields=["series", "notes", "status", "issued_by", "issued_at"])

    appointment = prescription.visit.appointment
    if appointment.status in (Status.CHECKED_IN, Status.IN_PROGRESS):
        try:
            appointment_transition(actor=actor, appointment=appointment, to_status=Status.COMPLETED)
        except AppointmentError as error:
            raise ClinicalError(str(error)) from error
    corrected = " (corrected)" if prescription.supersedes_id else ""
    notify(
        recipient=prescription.patient.user,
        kind=Notification.Kind.PRESCRIPTION_ISSUED,
        title=f"Your prescription from {prescription.doctor.display_name} is ready{corrected}",
        body=f"Prescription {prescription.number} with {prescription.items.count()} item(s).",
        url=reverse("prescriptions:detail", args=[prescription.pk]),
    )
    return prescription


@transaction.atomic
def prescription_correct(*, actor: User, prescription: Prescription, reason: str) -> Prescription:
    """Start a corrected version of an issued prescription: a new draft with the same lines, which supersedes
    the old one when it is issued."""
    prescription = Prescription.objects.select_for_update().select_related("doctor").get(pk=prescription.pk)
    if prescription.doctor.user_id != actor.pk:
        raise ClinicalError("Only the prescribing doctor can correct this prescription.")
    if prescription.status != Prescription.Status.ISSUED:
        raise ClinicalError("Only the current issued version of a prescription can be corrected.")
    if not reason.strip():
        raise ClinicalError("Say what the correction is for.")
    if prescription.visit.prescriptions.filter(status=Prescription.Status.DRAFT).exists():
        raise ClinicalError("This visit already has a draft prescription. Issue or finish that one first.")
    draft = Prescription.objects.create(
        visit_id=prescription.visit_id, patient_id=prescription.patient_id, doctor_id=prescription.doctor_id,
        hospital_id=prescription.hospital_id, version=prescription.version + 1, supersedes=prescription,
        series=prescription.series, notes=prescription.notes, correction_reason=reason.strip()[:300], created_by=actor,
    )  # fmt: skip
    PrescriptionItem.objects.bulk_create(
        PrescriptionItem(
            prescription=draft,
            position=item.position,
            product_id=item.product_id,
            dispense_quantity=item.dispense_quantity,
            **{name: getattr(item, name) for name in ITEM_FIELDS},
        )
        for item in prescription.items.all()
    )
    return draft
