from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


def _range(low, high, unit: str):
    # Validator messages are %-formatted with params, so a literal "%" unit must be doubled.
    message = f"Enter a value between {low} and {high} {unit}.".replace("%", "%%")
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


# Plausible ranges for an adult or child in clinic; outside them the value is almost certainly a typo or a
# wrong unit (°F instead of °C, lb instead of kg), so the form refuses it with the unit spelled out.
VITAL_RANGES = {
    "bp_systolic": (50, 260, "mmHg"),
    "bp_diastolic": (30, 160, "mmHg"),
    "pulse": (25, 250, "beats/min"),
    "temperature_c": (Decimal("30.0"), Decimal("44.0"), "°C"),
    "weight_kg": (Decimal("0.5"), Decimal("350.0"), "kg"),
    "height_cm": (Decimal("30.0"), Decimal("250.0"), "cm"),
    "spo2": (50, 100, "%"),
    "respiratory_rate": (5, 70, "breaths/min"),
}


class VisitNote(models.Model):
    """The doctor's note for one appointment. Amendments keep every previous version (VisitNoteVersion)."""

    appointment = models.OneToOneField("appointments.Appointment", on_delete=models.PROTECT, related_name="visit_note")
    patient = models.ForeignKey("patients.PatientProfile", on_delete=models.PROTECT, related_name="visit_notes")
    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.PROTECT, related_name="visit_notes")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="visit_notes")
    chief_complaint = models.CharField(max_length=300, blank=True)
    findings = models.TextField("examination findings", blank=True)
    bp_systolic = models.PositiveSmallIntegerField(
        "BP systolic (mmHg)", null=True, blank=True, validators=_range(*VITAL_RANGES["bp_systolic"])
    )
    bp_diastolic = models.PositiveSmallIntegerField(
        "BP diastolic (mmHg)", null=True, blank=True, validators=_range(*VITAL_RANGES["bp_diastolic"])
    )
    pulse = models.PositiveSmallIntegerField(
        "pulse (beats/min)", null=True, blank=True, validators=_range(*VITAL_RANGES["pulse"])
    )
    temperature_c = models.DecimalField(
        "temperature (°C)", max_digits=4, decimal_places=1, null=True, blank=True,
        validators=_range(*VITAL_RANGES["temperature_c"]),
    )  # fmt: skip
    weight_kg = models.DecimalField(
        "weight (kg)", max_digits=5, decimal_places=1, null=True, blank=True,
        validators=_range(*VITAL_RANGES["weight_kg"]),
    )  # fmt: skip
    height_cm = models.DecimalField(
        "height (cm)", max_digits=4, decimal_places=1, null=True, blank=True,
        validators=_range(*VITAL_RANGES["height_cm"]),
    )  # fmt: skip
    spo2 = models.PositiveSmallIntegerField("SpO2 (%)", null=True, blank=True, validators=_range(*VITAL_RANGES["spo2"]))
    plan = models.TextField("plan", blank=True)
    follow_up = models.CharField("follow-up", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"Visit of {self.patient} with {self.doctor} on {self.created_at:%Y-%m-%d}"

    @property
    def blood_pressure(self) -> str:
        if self.bp_systolic and self.bp_diastolic:
            return f"{self.bp_systolic}/{self.bp_diastolic} mmHg"
        return ""

    @property
    def bmi(self) -> Decimal | None:
        if self.weight_kg and self.height_cm:
            metres = self.height_cm / 100
            return (self.weight_kg / (metres * metres)).quantize(Decimal("0.1"))
        return None


# The note fields a version snapshot keeps (everything the doctor writes).
NOTE_FIELDS = [
    "chief_complaint", "findings", "bp_systolic", "bp_diastolic", "pulse", "temperature_c", "weight_kg",
    "height_cm", "spo2", "plan", "follow_up",
]  # fmt: skip


class VisitNoteVersion(models.Model):
    """A superseded version of a visit note, exactly as it read before an amendment."""

    note = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    amendment_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["note", "version"], name="visit_note_version_unique")]

    def __str__(self) -> str:
        return f"Version {self.version} of {self.note}"


class Diagnosis(models.Model):
    visit = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="diagnoses")
    icd10_code = models.CharField("ICD-10 code", max_length=10, blank=True)
    description = models.CharField(max_length=300)
    is_primary = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # "Deleting" a diagnosis marks it entered in error: the row and its text stay on the record, with why.
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_in_error_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_primary", "created_at", "id"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}".strip()

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None


class Prescription(models.Model):
    """Written as a draft, then issued. An issued prescription never changes: a correction is a new version
    that supersedes it, and both stay on the record with who issued them and when."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        SUPERSEDED = "superseded", "Superseded"

    visit = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey("patients.PatientProfile", on_delete=models.PROTECT, related_name="prescriptions")
    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.PROTECT, related_name="prescriptions")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="prescriptions")
    # All versions of one prescription share a series (the id of the first version) and count up.
    series = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField("advice to the patient", blank=True)
    correction_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]
        constraints = [
            # At most one open draft per visit: a second "write prescription" reuses it.
            models.UniqueConstraint(
                fields=["visit"], condition=Q(status="draft"), name="one_draft_prescription_per_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"Prescription {self.number}"

    @property
    def number(self) -> str:
        return f"RX{self.series or self.pk or 0:06d}-v{self.version}"

    @property
    def is_issued(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.SUPERSEDED)


class PrescriptionItem(models.Model):
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="items")
    medicine_name = models.CharField("medicine", max_length=200)
    strength = models.CharField(max_length=60, blank=True, help_text="e.g. 500 mg")
    form = models.CharField(max_length=60, blank=True, help_text="e.g. tablet, syrup")
    dose = models.CharField(max_length=60, help_text="e.g. 1 tablet")
    route = models.CharField(max_length=40, default="Oral")
    frequency = models.CharField(max_length=80, help_text="e.g. twice a day")
    duration = models.CharField(max_length=60, help_text="e.g. 5 days")
    # Free text from before the pharmacy existed; new lines carry `dispense_quantity` (whole units) instead.
    quantity = models.CharField(max_length=40, blank=True, help_text="e.g. 10 tablets")
    dispense_quantity = models.PositiveIntegerField(
        "quantity to dispense", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text="Whole units (tablets, bottles, tubes …) the pharmacy hands out.",
    )  # fmt: skip
    # Set when the doctor picked the medicine from the catalogue; a typed-in medicine stays unlinked until a
    # pharmacist maps it (pharmacy.ItemMapping).
    product = models.ForeignKey(
        "pharmacy.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="prescription_items"
    )
    instructions = models.CharField(max_length=300, blank=True, help_text="e.g. after food")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.medicine_name} {self.strength}".strip()

    @property
    def quantity_label(self) -> str:
        if self.dispense_quantity:
            return f"{self.dispense_quantity} x {self.form.lower()}" if self.form else str(self.dispense_quantity)
        return self.quantity
