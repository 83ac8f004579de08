import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from hms.errors import DomainError
from patients.files import InspectedFile
from patients.models import AccessLogEntry, ClinicalDocument, MedicalBackground, PatientProfile

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
    *, actor: User, email: str, full_name: str, phone: str = "", date_of_birth=None
) -> PatientProfile:
    """The front desk (web or API) registers a walk-in. Only staff and admins of an approved hospital may."""
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
    return user.patient_profile


PROFILE_FIELDS = ["date_of_birth", "sex", "blood_group", "address", "emergency_contact"]


@transaction.atomic
def patient_profile_update(*, actor: User, patient: PatientProfile, **fields) -> PatientProfile:
    """Only the patient changes their own contact details and demographics."""
    if actor.pk != patient.user_id:
        raise PermissionDenied(_("Only the patient can change their details."))
    user = patient.user
    for name in ("full_name", "phone"):
        if name in fields:
            setattr(user, name, (fields[name] or "").strip())
    user.save(update_fields=["full_name", "phone"])
    for name in PROFILE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(patient, name, value.strip() if isinstance(value, str) else value)
    patient.save(update_fields=PROFILE_FIELDS)
    return patient


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
