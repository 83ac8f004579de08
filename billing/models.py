"""Billing: invoices (with lines), payments, refunds, credit notes, an append-only ledger, online payment attempts,
gateway webhook events, cash shifts and insurance basics. Money is Decimal(12, 2) in the invoice's currency.

Field names are meant for reporting too: Invoice.issued_at / total / tax_total, Payment.received_at / method / amount,
Refund.refunded_at / amount, each with the hospital denormalised and indexed for per-day aggregation."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from billing.money import ZERO

MONEY = {"max_digits": 12, "decimal_places": 2}


class PriceListItem(models.Model):
    """A billable procedure or service at one hospital (the doctor picks from these)."""

    class Kind(models.TextChoices):
        PROCEDURE = "procedure", _("Procedure")
        SERVICE = "service", _("Service")
        LAB = "lab", _("Laboratory test")
        IMAGING = "imaging", _("Imaging")

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="price_list")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PROCEDURE)
    unit_price = models.DecimalField(_("price"), **MONEY)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    tax_exempt = models.BooleanField(_("tax exempt"), default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "code"], name="price_item_code_unique_per_hospital"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_item_price_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="price_item_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class NumberSequence(models.Model):
    """The last number handed out per hospital, series and financial year. Issuing locks this row
    (SELECT … FOR UPDATE) inside the issuing transaction, so numbers are gapless: a rolled-back issue
    rolls back its number too."""

    class Series(models.TextChoices):
        INVOICE = "INV", _("Invoice")
        CREDIT_NOTE = "CN", _("Credit note")

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=3, choices=Series.choices)
    financial_year = models.CharField(max_length=4)  # "2627" = FY 2026-27
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hospital", "series", "financial_year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.financial_year}: {self.last_number}"


class InsurancePayer(models.Model):
    """An insurer or corporate payer a hospital bills."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="insurance_payers")
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["hospital", "name"], name="payer_name_unique_per_hospital")]

    def __str__(self) -> str:
        return self.name


class PatientInsurance(models.Model):
    """The patient's policy with a payer: the payer covers `coverage_percent` of an invoice, or everything
    above a fixed `copay_amount` that the patient pays (co-pay wins when set)."""

    patient = models.ForeignKey("patients.PatientProfile", on_delete=models.CASCADE, related_name="insurance")
    payer = models.ForeignKey(InsurancePayer, on_delete=models.PROTECT, related_name="policies")
    policy_number = models.CharField(_("policy number"), max_length=64)
    coverage_percent = models.DecimalField(_("coverage (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    copay_amount = models.DecimalField(_("co-pay"), null=True, blank=True, **MONEY)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "payer"], condition=Q(is_active=True), name="one_active_policy_per_payer"
            ),
            models.CheckConstraint(
                condition=Q(coverage_percent__gte=0, coverage_percent__lte=100), name="policy_coverage_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.policy_number}"


class Invoice(models.Model):
    """Draft while lines may still be added; issuing numbers it and freezes lines and totals for good.

    `status` is the lifecycle (draft / issued / void). What a person sees (issued / partially paid / paid /
    refunded / void) is derived from the amounts by `payment_status`."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        VOID = "void", _("Void")

    class ClaimStatus(models.TextChoices):
        NONE = "", _("No claim")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SETTLED = "settled", _("Settled")

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="invoices")
    patient = models.ForeignKey("patients.PatientProfile", on_delete=models.PROTECT, related_name="invoices")
    appointment = models.ForeignKey(
        "appointments.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # A supplementary invoice for the same visit (lines that arrive after the visit's invoice was issued).
    supplement_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supplements"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3)
    number = models.CharField(max_length=16, blank=True)
    financial_year = models.CharField(max_length=4, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    # Frozen at issue (sums of the lines, see billing.money for rounding).
    subtotal = models.DecimalField(default=ZERO, **MONEY)
    tax_total = models.DecimalField(default=ZERO, **MONEY)
    total = models.DecimalField(default=ZERO, **MONEY)
    # Running sums kept under the invoice's row lock together with the ledger rows (reconcile_ledger checks them).
    amount_paid = models.DecimalField(default=ZERO, **MONEY)
    amount_refunded = models.DecimalField(default=ZERO, **MONEY)
    amount_credited = models.DecimalField(default=ZERO, **MONEY)
    payer_paid = models.DecimalField(default=ZERO, **MONEY)  # insurance payments net of their refunds
    # Insurance split, fixed at issue.
    payer = models.ForeignKey(InsurancePayer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    policy_number = models.CharField(max_length=64, blank=True)
    payer_share = models.DecimalField(default=ZERO, **MONEY)
    patient_share = models.DecimalField(default=ZERO, **MONEY)
    claim_status = models.CharField(max_length=10, choices=ClaimStatus.choices, blank=True, default="")
    claim_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Rule 1: one (primary) invoice per appointment, whatever runs the generator how often.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False, supplement_of__isnull=True),
                name="one_invoice_per_appointment",
            ),
            # At most one open supplementary draft per visit (late pharmacy lines gather there).
            models.UniqueConstraint(
                fields=["supplement_of"],
                condition=Q(supplement_of__isnull=False, status="draft"),
                name="one_open_supplement_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["hospital", "number"], condition=~Q(number=""), name="invoice_number_unique_per_hospital"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0, amount_refunded__gte=0, amount_credited__gte=0),
                name="invoice_sums_not_negative",
            ),
            # Never more refunded than paid, never more paid than owed: the database backs the service's check.
            models.CheckConstraint(condition=Q(amount_refunded__lte=F("amount_paid")), name="invoice_refund_le_paid"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(amount_paid__lte=F("total") - F("amount_credited") + F("amount_refunded")),
                name="invoice_no_overpayment",
            ),
        ]
        indexes = [
            models.Index(fields=["hospital", "issued_at"], name="invoice_hospital_issued"),
            models.Index(fields=["hospital", "status", "issued_at"], name="invoice_hospital_status_issued"),
            models.Index(fields=["patient", "status"], name="invoice_patient_status"),
            models.Index(fields=["payer", "claim_status"], name="invoice_payer_claim"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    @property
    def balance(self) -> Decimal:
        """What is still owed: total - credit notes - payments + refunds (0 for drafts and void invoices)."""
        if self.status != self.Status.ISSUED:
            return ZERO
        return self.total - self.amount_credited - self.amount_paid + self.amount_refunded

    @property
    def payer_balance(self) -> Decimal:
        """The insurance payer's part of the balance (never more than the balance itself)."""
        return max(ZERO, min(self.balance, self.payer_share - self.payer_paid))

    @property
    def patient_balance(self) -> Decimal:
        return self.balance - self.payer_balance

    @property
    def payment_status(self) -> str:
        if self.status != self.Status.ISSUED:
            return self.status
        net_paid = self.amount_paid - self.amount_refunded
        if self.amount_refunded and net_paid <= 0:
            return "refunded"
        if self.balance <= 0:
            return "paid"
        if net_paid > 0:
            return "partially_paid"
        return "issued"

    PAYMENT_STATUS_LABELS = {
        "draft": _("Draft"),
        "issued": _("Unpaid"),
        "partially_paid": _("Partly paid"),
        "paid": _("Paid"),
        "refunded": _("Refunded"),
        "void": _("Void"),
    }

    @property
    def payment_status_label(self) -> str:
        return self.PAYMENT_STATUS_LABELS[self.payment_status]


class InvoiceLine(models.Model):
    """One charge (or, on a draft, a negative credit line). `kind` says what it is, `source` where it came from
    ("appointment:12", "price:3", "dispense:77", "return:5"): adding a line with a source that the invoice already
    has returns the existing line instead of a second one."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        PROCEDURE = "procedure", _("Procedure")
        SERVICE = "service", _("Service")
        MEDICINE = "medicine", _("Medicine")
        OTHER = "other", _("Other")
        CREDIT = "credit", _("Credit")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    tax_exempt = models.BooleanField(default=False)
    net_amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY)
    total_amount = models.DecimalField(**MONEY)
    source = models.CharField(max_length=64, blank=True)
    price_item = models.ForeignKey(PriceListItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "source"], condition=~Q(source=""), name="line_source_once"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="line_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return self.description


class CreditNote(models.Model):
    """Corrects an issued invoice (which itself never changes); numbered in its own gapless series."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=300)
    subtotal = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "number"], name="credit_note_number_unique"),
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_note_positive"),
        ]
        indexes = [models.Index(fields=["hospital", "issued_at"], name="credit_note_hospital_issued")]

    def __str__(self) -> str:
        return self.number


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=12, choices=InvoiceLine.Kind.choices)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    tax_exempt = models.BooleanField(default=False)
    net_amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY)
    total_amount = models.DecimalField(**MONEY)
    source = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class CashShift(models.Model):
    """A cashier's drawer from open to close: expected cash = opening float + cash taken - cash refunded."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="cash_shifts")
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cash_shifts")
    opened_at = models.DateTimeField(auto_now_add=True)
    opening_float = models.DecimalField(default=ZERO, **MONEY)
    closed_at = models.DateTimeField(null=True, blank=True)
    expected_cash = models.DecimalField(null=True, blank=True, **MONEY)
    counted_cash = models.DecimalField(null=True, blank=True, **MONEY)
    variance = models.DecimalField(null=True, blank=True, **MONEY)
    close_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["cashier"], condition=Q(closed_at__isnull=True), name="one_open_shift")
        ]

    def __str__(self) -> str:
        return f"Shift {self.pk} ({self.cashier})"


class PaymentAttempt(models.Model):
    """One online checkout for an invoice. Its idempotency key (`invoice-<id>-attempt-<n>`) is what the gateway
    sees, so a retried request never creates a second checkout, and a new attempt is a new key."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        ABANDONED = "abandoned", _("Abandoned")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    gateway = models.CharField(max_length=20)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=80, unique=True)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["invoice", "number"], name="attempt_number_unique")]

    def __str__(self) -> str:
        return self.idempotency_key


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card (terminal)")
        UPI = "upi", _("UPI")
        ONLINE = "online", _("Online")
        INSURANCE = "insurance", _("Insurance payer")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=10, choices=Method.choices)
    reference = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shift = models.ForeignKey(CashShift, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    attempt = models.OneToOneField(
        PaymentAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    balance_after = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]
        indexes = [
            models.Index(fields=["hospital", "received_at"], name="payment_hospital_received"),
            models.Index(fields=["hospital", "method", "received_at"], name="payment_hospital_method"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.method}"


class Refund(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=10, choices=Payment.Method.choices)
    reason = models.CharField(max_length=300)
    refunded_at = models.DateTimeField()
    refunded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    shift = models.ForeignKey(CashShift, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")

    class Meta:
        ordering = ["refunded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]
        indexes = [models.Index(fields=["hospital", "refunded_at"], name="refund_hospital_refunded")]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency}"


class LedgerEntry(models.Model):
    """Append-only: one row per money movement on an invoice. `amount` is the signed change of what is owed
    (charge +, payment -, refund +, credit note -, void -). A database trigger refuses UPDATE and DELETE."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        CREDIT_NOTE = "credit_note", _("Credit note")
        VOID = "void", _("Void")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="ledger")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credit_note = models.ForeignKey(CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["hospital", "created_at"], name="ledger_hospital_created")]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class WebhookEvent(models.Model):
    """Every gateway event as received (stored before it is handled). Unique per gateway event id, so a
    re-delivery finds the row and does nothing twice; a failed handling is retried by a periodic task."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="webhook_event_once")]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="webhook_unprocessed")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.type} {self.event_id}"
