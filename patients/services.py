import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from hms.errors import DomainError
from patients.files import InspectedFile
from patients.models import (
    AccessLogEntry,
    ClinicalDocument,
    MedicalBackground,
    PatientProfile,
    PatientRecordChange,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def patient_register(*, email: str, password: str | None, full_name: str, phone: str = "", **profile) -> User:
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, phone=phone, role=User.Role.PATIENT
    )
    patient_profile_create(user=user, **profile)
    return user


# Crockford's base32 without I, L, O, U: read aloud and typed at a desk without confusion.
PATIENT_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_patient_number() -> str:
    """A random patient number, e.g. "P-7KQ4-M2XD": 32**8 (10**12) possibilities, so knowing one number says
    nothing about any other and guessing one is hopeless (the desk lookup is rate-limited too)."""
    chars = "".join(secrets.choice(PATIENT_NUMBER_ALPHABET) for _position in range(8))
    return f"P-{chars[:4]}-{chars[4:]}"


def _send_walk_in_invitation(user_id: int, hospital_id: int, base_url: str) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from hospitals.models import Hospital
    from hospitals.services import set_password_url

    user = User.objects.get(pk=user_id)
    hospital = Hospital.objects.get(pk=hospital_id)
    context = {"user": user, "hospital": hospital, "url": base_url.rstrip("/") + set_password_url(user)}
    send_mail(
        subject=f"Your patient account at {hospital.name}",
        message=render_to_string("patients/email/walk_in_invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def patient_profile_create(*, user: User, **profile) -> PatientProfile:
    for _attempt in range(5):  # a collision is astronomically rare; the unique constraint decides
        try:
            with transaction.atomic():
                return PatientProfile.objects.create(user=user, patient_number=new_patient_number(), **profile)
        except IntegrityError:
            continue
    raise IntegrityError("Could not allocate a patient number")


class PatientError(DomainError):
    """A rule refused the change; the message is shown as it is."""


@transaction.atomic
def patient_register_at_desk(
    *, actor: User, email: str, full_name: str, phone: str = "", date_of_birth=None, base_url: str = ""
) -> PatientProfile:
    """The front desk (web or API) registers a walk-in. Only staff and admins of an approved hospital may.
    The account has no password yet: after commit, an e-mail invites the patient to choose one (like a new
    staff member's); its link starts with `base_url` (the request's site) or SITE_URL."""
    from hospitals.selectors import desk_hospital_of

    hospital = desk_hospital_of(actor)  # PermissionDenied unless the actor works at an approved hospital's desk
    if User.objects.filter(email__iexact=User.objects.normalize_email(email)).exists():
        raise PatientError(_("Someone is already registered with this e-mail; search for them instead."))
    user = patient_register(
        email=email,
        password=None,
        full_name=full_name.strip(),
        phone=phone.strip(),
        date_of_birth=date_of_birth,
        registered_at=hospital,
    )
    invite_base = base_url or settings.SITE_URL
    transaction.on_commit(lambda: _send_walk_in_invitation(user.pk, hospital.pk, invite_base))
    return user.patient_profile


BACKGROUND_FIELDS = ["allergies", "chronic_conditions", "past_surgeries", "current_medications", "family_history"]


def medical_background_save(*, actor: User, patient: PatientProfile, **fields: str) -> MedicalBackground:
    """Only the patient keeps their own self-reported background."""
    if actor.pk != patient.user_id:
        raise PermissionDenied("Only the patient can change their medical background.")
    background, _ = MedicalBackground.objects.get_or_create(patient=patient)
    for name in BACKGROUND_FIELDS:
        if name in fields:
            setattr(background, name, fields[name].strip())
    background.updated_by = actor
    background.save()
    return background


def clinical_document_add(
    *,
    actor: User,
    patient: PatientProfile,
    uploaded_file,
    inspected: InspectedFile,
    title: str,
    description: str = "",
    hospital_id: int | None = None,
) -> ClinicalDocument:
    """Store an already content-checked upload in private storage under a random name.

    The caller fetched `patient` through `patients_visible_to(actor)`. If the database row cannot be written,
    the stored files are removed again, so a failed upload leaves nothing behind."""
    from django.core.files.base import ContentFile

    from patients.selectors import clinical_record_visible_to

    if not clinical_record_visible_to(actor, patient):
        raise PermissionDenied("You cannot add files to this record.")
    document = ClinicalDocument(
        patient=patient, uploaded_by=actor, hospital_id=hospital_id, title=title.strip(),
        description=description.strip(),
        kind=inspected.kind, content_type=inspected.content_type, original_name=(uploaded_file.name or "")[:255],
        size=uploaded_file.size, preview_note=inspected.preview_note,
    )  # fmt: skip
    if inspected.format == "dicom":
        for key in ("modality", "body_part", "study_date", "study_description"):
            setattr(document, key, inspected.metadata.get(key) or getattr(document, key))
    stored: list = []
    try:
        with transaction.atomic():
            uploaded_file.seek(0)
            document.file.save(uploaded_file.name, uploaded_file, save=False)
            stored.append(document.file)
            if inspected.preview_png:
                document.preview.save("preview.png", ContentFile(inspected.preview_png), save=False)
                stored.append(document.preview)
            document.save()
    except Exception:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return document


def access_log_record(
    *,
    actor: User,
    patient: PatientProfile,
    kind: str,
    object_id: int | None = None,
    hospital_id: int | None = None,
    ip_address: str | None = None,
) -> AccessLogEntry:
    """Append one row to the patient's access log. Called by every view that shows clinical data, after the
    care-relationship check passed (denied requests never reach it)."""
    from patients.selectors import care_hospital_id

    if hospital_id is None and actor.role == User.Role.DOCTOR:
        hospital_id = care_hospital_id(actor, patient)
    role = User.Role.SUPER_ADMIN if actor.is_superuser else actor.role
    return AccessLogEntry.objects.create(
        accessor=actor, accessor_role=role, hospital_id=hospital_id, patient=patient, kind=kind,
        object_id=object_id, ip_address=ip_address or None,
    )  # fmt: skip


def log_clinical_read(request, *, patient: PatientProfile, kind: str, object_id=None, hospital_id=None) -> None:
    """View helper: record the read with the client's address."""
    access_log_record(
        actor=request.user, patient=patient, kind=kind, object_id=object_id, hospital_id=hospital_id,
        ip_address=request.META.get("REMOTE_ADDR"),
    )  # fmt: skip


# --- the patient's profile and the clinical facts a doctor records (issue 10, defect 7) ----------------------

PROFILE_FIELDS = ("date_of_birth", "sex", "blood_group", "address", "emergency_contact")


def _record_changes(*, patient: PatientProfile, actor: User, changes: dict, appointment=None) -> None:
    PatientRecordChange.objects.bulk_create(
        PatientRecordChange(
            patient=patient, field=field, old_value="" if old is None else str(old),
            new_value="" if new is None else str(new), changed_by=actor, appointment=appointment,
        )
        for field, (old, new) in changes.items()
    )  # fmt: skip


@transaction.atomic
def patient_profile_update(
    *, actor: User, patient: PatientProfile, phone: str | None = None, full_name: str | None = None, **fields
) -> PatientProfile:
    """The patient edits their own details (name, phone, date of birth, sex, blood group, address, emergency
    contact) on the web or through the API; each change is kept in the record's history. A field left out
    (None) stays as it is."""
    if actor.pk != patient.user_id:
        raise PermissionDenied("Only the patient edits their own profile here.")
    patient = PatientProfile.objects.select_for_update().select_related("user").get(pk=patient.pk)
    changes = {}
    for name in PROFILE_FIELDS:
        if name in fields:
            value = fields[name].strip() if isinstance(fields[name], str) else fields[name]
            if getattr(patient, name) != value:
                changes[name] = (getattr(patient, name), value)
                setattr(patient, name, value)
    user_fields = []
    for name, value in (("phone", phone), ("full_name", full_name)):
        if value is not None and getattr(patient.user, name) != value.strip():
            changes[name] = (getattr(patient.user, name), value.strip())
            setattr(patient.user, name, value.strip())
            user_fields.append(name)
    if user_fields:
        patient.user.save(update_fields=user_fields)
    patient.save()
    _record_changes(patient=patient, actor=actor, changes=changes)
    return patient


@transaction.atomic
def patient_clinical_facts_record(
    *, actor: User, appointment, blood_group: str, allergies: str
) -> dict[str, tuple[str, str]]:
    """The treating doctor records blood group and allergies during a visit (checked in, in progress or
    completed). Only what changed is written; every change is kept with the doctor and the visit."""
    from appointments.models import Appointment

    if appointment.doctor.user_id != actor.pk:
        raise PermissionDenied("Only the doctor of this visit records the patient's allergies and blood group.")
    open_statuses = (Appointment.Status.CHECKED_IN, Appointment.Status.IN_PROGRESS, Appointment.Status.COMPLETED)
    if appointment.status not in open_statuses:
        raise PermissionDenied("Allergies and blood group are recorded once the patient is checked in.")
    if blood_group not in PatientProfile.BloodGroup.values:
        raise PermissionDenied("Choose a blood group from the list.")
    patient = PatientProfile.objects.select_for_update().get(pk=appointment.patient_id)
    background, _ = MedicalBackground.objects.get_or_create(patient=patient)
    allergies = allergies.strip()
    changes = {}
    if patient.blood_group != blood_group:
        changes["blood_group"] = (patient.blood_group, blood_group)
        patient.blood_group = blood_group
        patient.save(update_fields=["blood_group"])
    if background.allergies != allergies:
        changes["allergies"] = (background.allergies, allergies)
        background.allergies = allergies
        background.updated_by = actor
        background.save()
    _record_changes(patient=patient, actor=actor, changes=changes, appointment=appointment)
    return changes
