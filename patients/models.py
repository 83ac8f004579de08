import secrets
from pathlib import Path

from django.conf import settings
from django.db import models


class PatientProfile(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    class BloodGroup(models.TextChoices):
        UNKNOWN = "", "Unknown"
        A_POS = "A+", "A+"
        A_NEG = "A-", "A-"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B-"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB-"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O-"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_profile")
    # Printed on prescriptions and told to the front desk. Random ("P-7KQ4-M2XD", patients.services), so it
    # cannot be guessed or enumerated (issue 11).
    patient_number = models.CharField(max_length=20, unique=True, editable=False)
    # The hospital whose front desk registered this walk-in (its bookings open the record there, see
    # appointments.services.booking_opens_record).
    registered_at = models.ForeignKey(
        "hospitals.Hospital", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.UNDISCLOSED)
    blood_group = models.CharField(max_length=3, choices=BloodGroup.choices, blank=True, default="")
    address = models.CharField(max_length=300, blank=True)
    emergency_contact = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user.full_name} ({self.patient_number})"

    @property
    def age(self) -> int | None:
        if self.date_of_birth is None:
            return None
        from django.utils import timezone

        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def private_upload_path(instance, filename: str) -> str:
    """Random names in a per-patient folder: the original name is kept only in the database."""
    suffix = Path(filename).suffix.lower()[:10]
    return f"records/{instance.patient_id}/{secrets.token_urlsafe(24)}{suffix}"


def private_preview_path(instance, filename: str) -> str:
    return f"records/{instance.patient_id}/previews/{secrets.token_urlsafe(24)}.png"


class MedicalBackground(models.Model):
    """What the patient tells us about themselves; shown at the top of every visit page."""

    patient = models.OneToOneField(PatientProfile, on_delete=models.CASCADE, related_name="background")
    allergies = models.TextField(blank=True, help_text="Medicines, foods or materials, and what happens.")
    chronic_conditions = models.TextField(blank=True, help_text="e.g. diabetes, hypertension, asthma.")
    past_surgeries = models.TextField(blank=True, help_text="Operation and year.")
    current_medications = models.TextField(blank=True, help_text="Name, strength and how often you take it.")
    family_history = models.TextField(blank=True, help_text="Conditions that run in your family.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Medical background of {self.patient}"


class ClinicalDocument(models.Model):
    """A report, scan or DICOM study in the patient's record. Never deleted; files live in private storage."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF document"
        IMAGE = "image", "Image"
        DICOM = "dicom", "DICOM study"

    patient = models.ForeignKey(PatientProfile, on_delete=models.PROTECT, related_name="documents")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hospital = models.ForeignKey(
        "hospitals.Hospital", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to=private_upload_path, max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    # DICOM study metadata (blank for other kinds).
    modality = models.CharField(max_length=16, blank=True)
    body_part = models.CharField(max_length=64, blank=True)
    study_date = models.DateField(null=True, blank=True)
    study_description = models.CharField(max_length=200, blank=True)
    preview = models.FileField(upload_to=private_preview_path, max_length=200, blank=True)
    preview_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    @property
    def is_image_like(self) -> bool:
        return self.kind in (self.Kind.IMAGE, self.Kind.DICOM)


class AccessLogEntry(models.Model):
    """One row per read of clinical data. Append-only: no view edits or deletes it, the admin is read-only,
    and a database trigger refuses UPDATE and DELETE (migration 0003)."""

    class Kind(models.TextChoices):
        HISTORY = "history", "Medical history"
        VISIT = "visit", "Visit note"
        PRESCRIPTION = "prescription", "Prescription"
        PRESCRIPTION_PDF = "prescription_pdf", "Prescription PDF"
        DOCUMENT = "document", "Document"
        DOCUMENT_FILE = "document_file", "Document download"
        IMAGE = "image", "Image preview"
        DESK_LOOKUP = "desk_lookup", "Found by a front desk"

    accessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accessor_role = models.CharField(max_length=20)
    hospital = models.ForeignKey(
        "hospitals.Hospital", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(PatientProfile, on_delete=models.PROTECT, related_name="access_log")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.accessor} read {self.get_kind_display()} of {self.patient_id} at {self.created_at}"


class PatientRecordChange(models.Model):
    """One row per change to a patient's clinical facts (blood group, allergies) or profile: who, what, from,
    to, when, during which visit. The current value lives on the profile / background; this keeps the history
    (clinical records are never silently overwritten)."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.PROTECT, related_name="record_changes")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "appointments.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.field} of {self.patient_id}: {self.old_value!r} -> {self.new_value!r}"
