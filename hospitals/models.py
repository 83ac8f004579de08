import zoneinfo
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone (use a name like Europe/Berlin).", params={"value": value}
        )


# ISO 4217 codes invoices may use; symbols and formatting live in billing.money.
CURRENCY_CHOICES = [("INR", "Indian rupee (₹)"), ("EUR", "Euro (€)"), ("USD", "US dollar ($)"),
                    ("GBP", "Pound sterling (£)"), ("AED", "UAE dirham (AED)")]  # fmt: skip


class Hospital(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    city = models.CharField(max_length=100)
    address = models.CharField(max_length=300)
    phone = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    description = models.TextField(blank=True)
    # Billing (issue 13): invoices are in this currency; the tax id is printed on invoices and receipts.
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="INR")
    tax_id = models.CharField("tax id (e.g. GSTIN, USt-IdNr.)", max_length=32, blank=True)
    invoice_prefix = models.CharField(
        max_length=4, blank=True, help_text="Up to 4 letters before invoice numbers (e.g. CCH); initials if empty."
    )
    financial_year_start_month = models.PositiveSmallIntegerField(
        default=4, help_text="Month (1-12) the financial year starts: 4 = April (India), 1 = January."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "city"]), models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


# Path segments that belong to hospital pages themselves: a hospital may not take them as its slug.
RESERVED_SLUGS = frozenset({"manage", "desk"})


class Department(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["hospital", "name"], name="department_name_unique_per_hospital")]

    def __str__(self) -> str:
        return self.name


class HospitalMembership(models.Model):
    """Ties a hospital admin or a staff member to the one hospital they work for."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Hospital admin"
        FRONT_DESK = "front_desk", "Front desk"
        CASHIER = "cashier", "Cashier"
        PHARMACIST = "pharmacist", "Pharmacist"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # One active membership per person: admins and staff work for exactly one hospital.
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_active=True), name="one_active_membership_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} at {self.hospital}"


class Affiliation(models.Model):
    """A doctor working at a hospital. Ending one keeps the row, so history survives leave/rejoin."""

    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.PROTECT, related_name="affiliations")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="affiliations")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="affiliations"
    )
    consultation_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    is_active = models.BooleanField(default=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "hospital"],
                condition=Q(is_active=True),
                name="one_active_affiliation_per_doctor_hospital",
            )
        ]
        indexes = [
            models.Index(fields=["hospital", "is_active"]),
            models.Index(fields=["doctor", "is_active"]),
            # The hospital doctor list filters by department.
            models.Index(fields=["hospital", "department", "is_active"], name="affiliation_hosp_dept_active"),
        ]

    def __str__(self) -> str:
        return f"{self.doctor} at {self.hospital}{'' if self.is_active else ' (ended)'}"


class JoinRequest(models.Model):
    """A doctor asks to work at a hospital (issue 11). Nobody becomes bookable or listed on their own say-so: the
    hospital's admin (or the platform) checks the registration number and approves, which creates the Affiliation."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the hospital"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.CASCADE, related_name="join_requests")
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="join_requests")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    consultation_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "hospital"], condition=Q(status="pending"), name="one_pending_join_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.doctor} asks to join {self.hospital} ({self.status})"
