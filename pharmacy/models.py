"""The dispensary: a medicine catalogue, stock per hospital in batches, and an append-only ledger of movements.

A batch's `on_hand` is a running total kept for fast, lockable reads; the ledger (StockMovement) is the truth and
`manage.py reconcile_stock` proves the two agree. The database refuses a negative on-hand (CHECK constraint) and
any UPDATE or DELETE of a movement (triggers, migration 0002)."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    """One catalogue medicine (seeded from prescriptions/data/medicines.csv). Dispensed in `pack_unit`s."""

    generic_name = models.CharField(_("generic name"), max_length=200)
    strength = models.CharField(_("strength"), max_length=60, blank=True)
    form = models.CharField(_("form"), max_length=60, blank=True)
    route = models.CharField(_("route"), max_length=40, blank=True)
    pack_unit = models.CharField(_("unit"), max_length=30, default="unit", help_text=_("e.g. tablet, bottle, tube"))
    hsn_code = models.CharField(_("tax (HSN) code"), max_length=12, blank=True)
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    prescription_only = models.BooleanField(_("prescription only"), default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["generic_name", "strength", "form"]
        constraints = [
            models.UniqueConstraint(
                fields=["generic_name", "strength", "form"], name="product_unique_name_strength_form"
            )
        ]
        indexes = [models.Index(fields=["generic_name"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.generic_name, self.strength, self.form.lower()) if part)


class StockLevel(models.Model):
    """A hospital's settings for one product: the reorder level, and whether the pharmacists were already told
    that stock fell below it (so one crossing is one notification, until restocked)."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    reorder_level = models.PositiveIntegerField(_("reorder level"), default=0)
    low_stock_alerted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "product"], name="stock_level_unique")]

    def __str__(self) -> str:
        return f"{self.product} at {self.hospital_id}: reorder at {self.reorder_level}"


class Batch(models.Model):
    """One delivered batch of a product at one hospital, with its expiry and prices (in the batch's currency)."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="batches")
    batch_number = models.CharField(_("batch number"), max_length=40)
    expires_on = models.DateField(_("expiry date"))
    cost_price = models.DecimalField(_("cost price per unit"), max_digits=10, decimal_places=2)
    sale_price = models.DecimalField(_("sale price per unit"), max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    on_hand = models.IntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name_plural = "batches"
        constraints = [
            models.UniqueConstraint(fields=["hospital", "product", "batch_number"], name="batch_unique_per_hospital"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="batch_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(cost_price__gte=0) & Q(sale_price__gte=0), name="batch_prices_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["hospital", "product", "expires_on"], name="batch_fefo")]

    def __str__(self) -> str:
        return f"{self.product} · batch {self.batch_number} (exp. {self.expires_on:%Y-%m-%d})"


class Dispense(models.Model):
    """One press of "Dispense" on one prescription. `token` comes from the form, so a second click (or a replayed
    request) finds the first dispense instead of dispensing twice."""

    prescription = models.ForeignKey("prescriptions.Prescription", on_delete=models.PROTECT, related_name="dispenses")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    pharmacist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.UUIDField(default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Dispense {self.pk} of prescription {self.prescription_id}"


class StockMovement(models.Model):
    """Append-only: one row per change of a batch's stock. Quantity is signed (in > 0, out < 0)."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Received")
        DISPENSE = "dispense", _("Dispensed")
        RETURN = "return", _("Returned")
        ADJUST = "adjust", _("Adjusted")
        WRITE_OFF = "write_off", _("Written off")

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.IntegerField()
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Dispenses and returns say which prescription line they were for.
    prescription_item = models.ForeignKey(
        "prescriptions.PrescriptionItem", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    dispense = models.ForeignKey(Dispense, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    returned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns",
        help_text="For a return: the dispense movement the units came back from.",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["receive", "return"], quantity__gt=0)
                    | Q(kind__in=["dispense", "write_off"], quantity__lt=0)
                    | (Q(kind="adjust") & ~Q(quantity=0))
                ),
                name="movement_quantity_sign_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["hospital", "-created_at"], name="movement_hospital_recent"),
            models.Index(fields=["batch", "kind"], name="movement_batch_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} of {self.batch}"

    @property
    def units(self) -> int:
        return abs(self.quantity)


class ItemMapping(models.Model):
    """A pharmacist's link from a typed-in prescription line to a catalogue product. The issued prescription
    itself never changes; the mapping sits beside it."""

    item = models.OneToOneField("prescriptions.PrescriptionItem", on_delete=models.PROTECT, related_name="mapping")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    mapped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mapped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.item} → {self.product}"


class NearExpiryDigest(models.Model):
    """One row per hospital and day the near-expiry digest went out (the task is idempotent)."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    batch_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "day"], name="near_expiry_digest_once_a_day")]

    def __str__(self) -> str:
        return f"Near-expiry digest for {self.hospital_id} on {self.day}"
