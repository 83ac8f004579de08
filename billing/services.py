"""Every billing write and rule: invoices from visits, lines, issuing, payments, refunds, credit notes, void,
online checkout + fulfilment, webhooks, cash shifts, insurance claims.

Stable API for other apps (pharmacy adds medicine lines and return credits; keep these signatures):

    invoice_for_appointment(*, appointment, actor=None) -> Invoice
        The invoice that lines for this visit go on *now*: the visit's draft invoice (created with its consultation
        line if the visit has none yet). If the visit's invoice is already issued (or void), lines can no longer
        go on it (an issued invoice never changes), so this returns the visit's open *supplementary* invoice
        (`supplement_of` = the visit's invoice; created on first use, at most one open draft per visit). A
        supplementary invoice is issued, numbered and paid like any other invoice.

    invoice_add_line(*, actor, invoice, kind, description, quantity, unit_price, tax_rate=0, tax_exempt=False,
                     source="", price_item=None) -> InvoiceLine
        Adds a line to a DRAFT invoice (BillingError otherwise). `kind` is an InvoiceLine.Kind value (pharmacy:
        "medicine"); quantity/unit_price/tax_rate are Decimal (or str), never float. `source` names the origin,
        e.g. "dispense:<id>": a second call with the same source on the same invoice returns the first line (so a
        retried dispense never bills twice).

    invoice_credit(*, actor, invoice, description, quantity, unit_price, tax_rate=0, tax_exempt=False, source="",
                   reason="") -> InvoiceLine | CreditNote
        Gives money back for something on the invoice (pharmacy: a return, source "return:<id>"). On a draft it
        adds a negative `credit` line; on an issued invoice it issues a credit note with that one line (refused
        with a BillingError if the credit exceeds what is still owed: refund the payment first).

Every refusal is a BillingError (a hms.errors.DomainError) whose message is shown to the user as it is.
Money rules (Decimal, half-up per line) live in billing.money.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from appointments.models import Appointment
from billing.models import (
    CashShift,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    NumberSequence,
    PatientInsurance,
    Payment,
    PaymentAttempt,
    PriceListItem,
    Refund,
    WebhookEvent,
)
from billing.money import ZERO, AmountError, line_amounts, parse_amount, round_half_up
from hms.errors import DomainError
from hospitals.models import Affiliation, Hospital, HospitalMembership

logger = logging.getLogger(__name__)


class BillingError(DomainError):
    """A billing rule refused the change; the message is shown to the user as it is."""


# --- small rules ---------------------------------------------------------------------------------


def financial_year_of(hospital: Hospital, when: datetime.datetime) -> str:
    """'2627' for FY 2026-27 (April start); '2626' for a calendar-year hospital in 2026."""
    local = when.astimezone(hospital.tz)
    start_month = hospital.financial_year_start_month or 1
    start_year = local.year if local.month >= start_month else local.year - 1
    end_year = start_year + 1 if start_month > 1 else start_year
    return f"{start_year % 100:02d}{end_year % 100:02d}"


def invoice_prefix(hospital: Hospital) -> str:
    if hospital.invoice_prefix:
        return hospital.invoice_prefix.upper()[:4]
    initials = "".join(word[0] for word in hospital.name.split() if word[:1].isalpha()).upper()
    return (initials or "INV")[:4]


def _next_number(*, hospital: Hospital, series: str, when: datetime.datetime) -> tuple[str, str, int]:
    """(number, financial year, sequence) — must run inside the issuing transaction (row lock = gapless)."""
    year = financial_year_of(hospital, when)
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(hospital=hospital, series=series, financial_year=year)
    except IntegrityError:
        pass  # created by a concurrent issuer; the lock below waits for it
    sequence = NumberSequence.objects.select_for_update().get(hospital=hospital, series=series, financial_year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    prefix = invoice_prefix(hospital)
    if series == NumberSequence.Series.INVOICE:
        number = f"{prefix}/{year}/{sequence.last_number:06d}"
    else:
        number = f"{prefix}/C{year}/{sequence.last_number:05d}"
    return number, year, sequence.last_number


def _decimal(value, *, field: str, places: int = 2) -> Decimal:
    if isinstance(value, float):
        raise BillingError(_("%(field)s must be a decimal number, not a float.") % {"field": field})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BillingError(_("%(field)s is not a number.") % {"field": field}) from None
    if not number.is_finite() or number != number.quantize(Decimal(1).scaleb(-places)):
        raise BillingError(_("%(field)s has more than %(places)d decimal places.") % {"field": field, "places": places})
    return number


def _ledger(*, invoice: Invoice, kind: str, amount: Decimal, actor: User | None, memo: str = "", **links):
    return LedgerEntry.objects.create(
        invoice=invoice, hospital_id=invoice.hospital_id, kind=kind, amount=amount, currency=invoice.currency,
        actor=actor, memo=memo[:300], **links,
    )  # fmt: skip


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("hospital", "patient__user").get(pk=invoice.pk)


def cashier_hospital_of(user: User) -> Hospital:
    """The approved hospital where this user works as cashier (PermissionDenied otherwise). One rule for
    every cashier-desk view and money-taking service."""
    membership = (
        HospitalMembership.objects.filter(
            user=user, is_active=True, role=HospitalMembership.Role.CASHIER, hospital__status=Hospital.Status.APPROVED
        )
        .select_related("hospital")
        .first()
    )
    if membership is None:
        raise PermissionDenied(_("The cashier desk is open only to cashiers of an approved hospital."))
    return membership.hospital


def _require_cashier_of(actor: User, hospital_id: int) -> None:
    if actor.is_superuser:
        return
    if cashier_hospital_of(actor).pk != hospital_id:
        raise PermissionDenied(_("This invoice belongs to another hospital."))


# --- invoices from visits ------------------------------------------------------------------------


def consultation_fee(appointment: Appointment) -> Decimal:
    """The doctor's fee at that hospital right now (the invoice keeps a copy: later fee changes don't touch it)."""
    affiliation = (
        Affiliation.objects.filter(doctor_id=appointment.doctor_id, hospital_id=appointment.hospital_id)
        .order_by("-is_active", "-started_at")
        .first()
    )
    return affiliation.consultation_fee if affiliation else ZERO


def invoice_generate_for_visit(*, appointment: Appointment, actor: User | None = None) -> Invoice:
    """The visit's invoice: created once (database-unique per appointment) as a draft with the consultation line.
    Running it again returns the same invoice and adds nothing. Video visits are billed the same way."""
    existing = Invoice.objects.filter(appointment=appointment, supplement_of__isnull=True).first()
    if existing is not None:
        return existing
    hospital = appointment.hospital
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                hospital=hospital, patient_id=appointment.patient_id, appointment=appointment,
                currency=hospital.currency, created_by=actor,
            )  # fmt: skip
            mode = _("video consultation") if appointment.mode == Appointment.Mode.VIDEO else _("consultation")
            _add_line(
                invoice=invoice, actor=actor, kind=InvoiceLine.Kind.CONSULTATION,
                description=_("%(mode)s with %(doctor)s") % {"mode": mode.capitalize(), "doctor": appointment.doctor},
                quantity=Decimal(1), unit_price=consultation_fee(appointment), tax_rate=ZERO, tax_exempt=True,
                source=f"appointment:{appointment.pk}",
            )  # fmt: skip
    except IntegrityError:
        # Another process generated it between our read and our insert: theirs is the one.
        return Invoice.objects.get(appointment=appointment, supplement_of__isnull=True)
    return invoice


def invoice_for_appointment(*, appointment: Appointment, actor: User | None = None) -> Invoice:
    """See the module docstring: the draft that lines for this visit go on now (visit invoice or supplement)."""
    primary = invoice_generate_for_visit(appointment=appointment, actor=actor)
    if primary.status == Invoice.Status.DRAFT:
        return primary
    open_supplement = Invoice.objects.filter(supplement_of=primary, status=Invoice.Status.DRAFT).first()
    if open_supplement is not None:
        return open_supplement
    try:
        with transaction.atomic():
            return Invoice.objects.create(
                hospital_id=primary.hospital_id, patient_id=primary.patient_id, appointment=appointment,
                supplement_of=primary, currency=primary.currency, created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        return Invoice.objects.get(supplement_of=primary, status=Invoice.Status.DRAFT)


def _add_line(*, invoice, actor, kind, description, quantity, unit_price, tax_rate, tax_exempt, source="",
              price_item=None) -> InvoiceLine:  # fmt: skip
    net, tax, total = line_amounts(quantity=quantity, unit_price=unit_price, tax_rate=tax_rate, tax_exempt=tax_exempt)
    return InvoiceLine.objects.create(
        invoice=invoice, kind=kind, description=description[:200], quantity=quantity, unit_price=unit_price,
        tax_rate=tax_rate, tax_exempt=tax_exempt, net_amount=net, tax_amount=tax, total_amount=total,
        source=source, price_item=price_item, added_by=actor,
    )  # fmt: skip


@transaction.atomic
def invoice_add_line(
    *,
    actor: User | None,
    invoice: Invoice,
    kind: str,
    description: str,
    quantity,
    unit_price,
    tax_rate=ZERO,
    tax_exempt: bool = False,
    source: str = "",
    price_item: PriceListItem | None = None,
) -> InvoiceLine:
    """Add a line to a draft invoice (see the module docstring). Idempotent per `source`."""
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.DRAFT:
        raise BillingError(_("Invoice %(number)s is already issued; it can no longer change.") % {"number": invoice})
    if kind not in InvoiceLine.Kind.values:
        raise BillingError(_("Unknown kind of line."))
    description = (description or "").strip()
    if not description:
        raise BillingError(_("Describe the line."))
    quantity = _decimal(quantity, field=_("Quantity"))
    unit_price = _decimal(unit_price, field=_("Price"))
    tax_rate = _decimal(tax_rate, field=_("Tax rate"))
    if quantity <= 0 or quantity > Decimal("100000"):
        raise BillingError(_("The quantity must be more than zero."))
    if kind == InvoiceLine.Kind.CREDIT:
        if unit_price >= 0:
            raise BillingError(_("A credit line has a negative price."))
    elif unit_price < 0:
        raise BillingError(_("The price cannot be negative."))
    if abs(unit_price) > Decimal("99999999.99"):
        raise BillingError(_("That price is too large."))
    if not (ZERO <= tax_rate <= Decimal(100)):
        raise BillingError(_("The tax rate must be between 0 and 100 %."))
    if source:
        existing = invoice.lines.filter(source=source).first()
        if existing is not None:
            return existing
    return _add_line(
        invoice=invoice, actor=actor, kind=kind, description=description, quantity=quantity, unit_price=unit_price,
        tax_rate=tax_rate, tax_exempt=tax_exempt, source=source, price_item=price_item,
    )  # fmt: skip


def invoice_add_procedure(*, actor: User, appointment: Appointment, price_item: PriceListItem, quantity=1):
    """The doctor bills a procedure/service from the hospital's price list on their own visit."""
    if not (actor.is_superuser or appointment.doctor.user_id == actor.pk):
        raise PermissionDenied(_("Only the visit's doctor adds procedures to it."))
    if appointment.status not in (
        Appointment.Status.CHECKED_IN, Appointment.Status.IN_PROGRESS, Appointment.Status.COMPLETED
    ):  # fmt: skip
        raise BillingError(_("Procedures can be billed once the patient is checked in."))
    if price_item.hospital_id != appointment.hospital_id or not price_item.is_active:
        raise BillingError(_("That item is not on this hospital's price list."))
    invoice = invoice_for_appointment(appointment=appointment, actor=actor)
    return invoice_add_line(
        actor=actor, invoice=invoice, kind=_price_kind(price_item), description=price_item.name, quantity=quantity,
        unit_price=price_item.unit_price, tax_rate=price_item.tax_rate, tax_exempt=price_item.tax_exempt,
        price_item=price_item,
    )  # fmt: skip


def _price_kind(item: PriceListItem) -> str:
    return InvoiceLine.Kind.PROCEDURE if item.kind == PriceListItem.Kind.PROCEDURE else InvoiceLine.Kind.SERVICE


@transaction.atomic
def invoice_remove_line(*, actor: User, line: InvoiceLine) -> None:
    invoice = _locked(line.invoice)
    if invoice.status != Invoice.Status.DRAFT:
        raise BillingError(_("An issued invoice never changes; issue a credit note instead."))
    if line.kind == InvoiceLine.Kind.CONSULTATION:
        raise BillingError(_("The consultation line stays on the visit's invoice."))
    if not (actor.is_superuser or line.added_by_id == actor.pk or is_cashier_of(actor, invoice.hospital_id)):
        raise PermissionDenied(_("You cannot remove this line."))
    line.delete()


def is_cashier_of(actor: User, hospital_id: int) -> bool:
    """Whether this user works the cash desk of that hospital (the one rule views and templates share)."""
    try:
        _require_cashier_of(actor, hospital_id)
    except PermissionDenied:
        return False
    return True


def invoice_credit(
    *,
    actor: User | None,
    invoice: Invoice,
    description: str,
    quantity,
    unit_price,
    tax_rate=ZERO,
    tax_exempt: bool = False,
    source: str = "",
    reason: str = "",
):
    """Credit something back (see the module docstring): a negative line on a draft, a credit note otherwise."""
    unit_price = abs(_decimal(unit_price, field=_("Price")))
    if invoice.status == Invoice.Status.DRAFT:
        return invoice_add_line(
            actor=actor, invoice=invoice, kind=InvoiceLine.Kind.CREDIT, description=description, quantity=quantity,
            unit_price=-unit_price, tax_rate=tax_rate, tax_exempt=tax_exempt, source=source,
        )  # fmt: skip
    return credit_note_issue(
        actor=actor, invoice=invoice, reason=reason or description,
        lines=[CreditLine(description=description, quantity=quantity, unit_price=unit_price, tax_rate=tax_rate,
                          tax_exempt=tax_exempt, source=source)],
    )  # fmt: skip


# --- issue and void ------------------------------------------------------------------------------


def invoice_totals(lines) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) — plain sums of the already-rounded lines (billing.money)."""
    subtotal = sum((line.net_amount for line in lines), ZERO)
    tax = sum((line.tax_amount for line in lines), ZERO)
    return subtotal, tax, subtotal + tax


def tax_summary(lines) -> list[dict]:
    """Per rate: taxable amount and tax, exempt lines grouped apart (shown under the invoice lines)."""
    groups: dict[tuple[bool, Decimal], dict] = {}
    for line in lines:
        key = (line.tax_exempt, ZERO if line.tax_exempt else line.tax_rate)
        group = groups.setdefault(key, {"exempt": line.tax_exempt, "rate": key[1], "net": ZERO, "tax": ZERO})
        group["net"] += line.net_amount
        group["tax"] += line.tax_amount
    return sorted(groups.values(), key=lambda g: (not g["exempt"], g["rate"]))


def insurance_split(*, invoice: Invoice, total: Decimal) -> tuple[PatientInsurance | None, Decimal, Decimal]:
    """(policy, payer share, patient share): co-pay when the policy has one, else coverage percent (half-up)."""
    policy = (
        PatientInsurance.objects.filter(
            patient_id=invoice.patient_id, is_active=True, payer__hospital_id=invoice.hospital_id,
            payer__is_active=True,
        )
        .select_related("payer")
        .first()
    )  # fmt: skip
    if policy is None or total <= 0:
        return None, ZERO, total
    if policy.copay_amount is not None:
        patient = min(total, policy.copay_amount)
    else:
        patient = total - round_half_up(total * policy.coverage_percent / Decimal(100))
    return policy, total - patient, patient


@transaction.atomic
def invoice_issue(*, actor: User | None, invoice: Invoice) -> Invoice:
    """Number the draft (gapless per hospital and financial year), freeze its totals, charge the ledger and
    tell the patient a payment is due."""
    if actor is not None and not actor.is_superuser:
        _require_cashier_of(actor, invoice.hospital_id)
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.DRAFT:
        raise BillingError(_("Invoice %(number)s is already issued.") % {"number": invoice})
    lines = list(invoice.lines.all())
    if not lines:
        raise BillingError(_("An invoice needs at least one line."))
    subtotal, tax, total = invoice_totals(lines)
    if total < 0:
        raise BillingError(_("The credits are larger than the charges; remove a credit line."))
    now = timezone.now()
    invoice.number, invoice.financial_year, invoice.sequence = _next_number(
        hospital=invoice.hospital, series=NumberSequence.Series.INVOICE, when=now
    )
    policy, payer_share, patient_share = insurance_split(invoice=invoice, total=total)
    if policy is not None:
        invoice.payer, invoice.policy_number = policy.payer, policy.policy_number
        invoice.claim_status = Invoice.ClaimStatus.SUBMITTED if payer_share > 0 else ""
    invoice.subtotal, invoice.tax_total, invoice.total = subtotal, tax, total
    invoice.payer_share, invoice.patient_share = payer_share, patient_share
    invoice.status, invoice.issued_at, invoice.issued_by = Invoice.Status.ISSUED, now, actor
    invoice.save()
    _ledger(invoice=invoice, kind=LedgerEntry.Kind.CHARGE, amount=total, actor=actor, memo=invoice.number)
    if invoice.patient_balance > 0:
        _notify_payment_due(invoice, reminder=False)
    return invoice


def invoices_issue_due(*, now: datetime.datetime | None = None) -> int:
    """Issue visit drafts BILLING_AUTO_ISSUE_MINUTES after they were created (the doctor's time to add procedures),
    so patients of video visits, who never pass a cashier, get their bill too. Safe to run concurrently: each
    draft is issued under its row lock and a second issuer is refused quietly."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.BILLING_AUTO_ISSUE_MINUTES)
    issued = 0
    drafts = Invoice.objects.filter(
        status=Invoice.Status.DRAFT, created_at__lte=cutoff, appointment__status=Appointment.Status.COMPLETED
    ).values_list("pk", flat=True)
    for pk in list(drafts[:500]):
        try:
            invoice_issue(actor=None, invoice=Invoice(pk=pk))
            issued += 1
        except BillingError:
            continue
    return issued


def _notify_payment_due(invoice: Invoice, *, reminder: bool) -> None:
    from billing.money import format_money
    from notifications.models import Notification
    from notifications.services import notify

    amount = format_money(invoice.patient_balance, invoice.currency)
    title = (
        _("Reminder: %(amount)s due on invoice %(number)s") if reminder else _("Payment due: %(amount)s (%(number)s)")
    ) % {"amount": amount, "number": invoice.number}
    notify(
        recipient=invoice.patient.user, kind=Notification.Kind.PAYMENT_DUE, title=title,
        body=_("%(hospital)s: pay online from Bills, or at the cashier.") % {"hospital": invoice.hospital.name},
        url=reverse("billing:patient_invoice", args=[invoice.pk]),
    )  # fmt: skip


def payment_reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """One reminder per unpaid invoice, BILLING_REMINDER_AFTER_DAYS after issue. The conditional UPDATE makes a
    second run (or two at once) send nothing twice."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.BILLING_REMINDER_AFTER_DAYS)
    sent = 0
    candidates = Invoice.objects.filter(
        status=Invoice.Status.ISSUED, issued_at__lte=cutoff, due_reminder_sent_at__isnull=True
    ).select_related("hospital", "patient__user")
    for invoice in candidates.iterator():
        if invoice.patient_balance <= 0:
            continue
        with transaction.atomic():
            claimed = Invoice.objects.filter(pk=invoice.pk, due_reminder_sent_at__isnull=True).update(
                due_reminder_sent_at=now
            )
            if claimed:
                _notify_payment_due(invoice, reminder=True)
                sent += 1
    return sent


@transaction.atomic
def invoice_void(*, actor: User, invoice: Invoice, reason: str) -> Invoice:
    """Void an unpaid invoice: it keeps its number, the reason is recorded, the ledger brings it to zero."""
    if not actor.is_superuser:
        _require_cashier_of(actor, invoice.hospital_id)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Give a reason for voiding the invoice."))
    invoice = _locked(invoice)
    if invoice.status == Invoice.Status.VOID:
        raise BillingError(_("This invoice is already void."))
    if invoice.amount_paid - invoice.amount_refunded > 0:
        raise BillingError(_("This invoice has payments; refund them before voiding it."))
    was_issued = invoice.status == Invoice.Status.ISSUED
    remaining = invoice.total - invoice.amount_credited
    invoice.status, invoice.voided_at, invoice.voided_by = Invoice.Status.VOID, timezone.now(), actor
    invoice.void_reason = reason[:300]
    invoice.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    if was_issued and remaining:
        _ledger(invoice=invoice, kind=LedgerEntry.Kind.VOID, amount=-remaining, actor=actor, memo=reason)
    return invoice


# --- payments and refunds ------------------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as error:
        raise BillingError(str(error)) from None


def open_shift_of(user: User) -> CashShift | None:
    return CashShift.objects.filter(cashier=user, closed_at__isnull=True).first()


@transaction.atomic
def payment_record(
    *,
    actor: User | None,
    invoice: Invoice,
    amount,
    method: str,
    reference: str = "",
    attempt: PaymentAttempt | None = None,
) -> Payment:
    """Take a payment (partial allowed). Refused: more than is owed, a non-issued invoice, cash without an open
    shift. The invoice row lock makes two cashiers paying the last balance at once serialise: the second sees
    the new balance and is refused."""
    amount = _amount(amount)
    if method not in Payment.Method.values:
        raise BillingError(_("Choose how the payment was made."))
    if method == Payment.Method.ONLINE:
        if attempt is None:
            raise BillingError(_("Online payments come from the payment gateway."))
    elif actor is None or not actor.is_superuser:
        _require_cashier_of(actor, invoice.hospital_id)
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.ISSUED:
        raise BillingError(_("Only issued invoices can be paid (this one is %(status)s).") % {
            "status": invoice.payment_status_label.lower()})  # fmt: skip
    owed = invoice.payer_balance if method == Payment.Method.INSURANCE else invoice.patient_balance
    if amount > owed:
        raise BillingError(_("That is more than is owed (%(owed)s). Overpayments are not accepted.") % {"owed": owed})
    shift = None
    if method == Payment.Method.CASH:
        shift = open_shift_of(actor)
        if shift is None:
            raise BillingError(_("Open a cash shift before taking cash."))
    invoice.amount_paid += amount
    if method == Payment.Method.INSURANCE:
        invoice.payer_paid += amount
    invoice.save(update_fields=["amount_paid", "payer_paid"])
    payment = Payment.objects.create(
        invoice=invoice, hospital_id=invoice.hospital_id, amount=amount, currency=invoice.currency, method=method,
        reference=(reference or "")[:100], received_at=timezone.now(), received_by=actor, shift=shift,
        attempt=attempt, balance_after=invoice.balance,
    )  # fmt: skip
    _ledger(invoice=invoice, kind=LedgerEntry.Kind.PAYMENT, amount=-amount, actor=actor, payment=payment,
            memo=f"{method} {reference}".strip())  # fmt: skip
    return payment


def refundable_amount(payment: Payment) -> Decimal:
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or ZERO
    return payment.amount - refunded


@transaction.atomic
def refund_record(*, actor: User, payment: Payment, amount, reason: str) -> Refund:
    """Refund all or part of a payment with a reason; never more than was paid (minus earlier refunds)."""
    if not actor.is_superuser:
        _require_cashier_of(actor, payment.hospital_id)
    amount = _amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Give a reason for the refund."))
    invoice = _locked(payment.invoice)
    left = refundable_amount(payment)
    if amount > left:
        raise BillingError(_("You can refund at most %(left)s of this payment.") % {"left": left})
    shift = None
    if payment.method == Payment.Method.CASH:
        shift = open_shift_of(actor)
        if shift is None:
            raise BillingError(_("Open a cash shift before refunding cash."))
    invoice.amount_refunded += amount
    if payment.method == Payment.Method.INSURANCE:
        invoice.payer_paid -= amount
    invoice.save(update_fields=["amount_refunded", "payer_paid"])
    refund = Refund.objects.create(
        invoice=invoice, payment=payment, hospital_id=invoice.hospital_id, amount=amount, currency=invoice.currency,
        method=payment.method, reason=reason[:300], refunded_at=timezone.now(), refunded_by=actor, shift=shift,
    )  # fmt: skip
    _ledger(invoice=invoice, kind=LedgerEntry.Kind.REFUND, amount=amount, actor=actor, refund=refund, memo=reason)
    return refund


# --- credit notes --------------------------------------------------------------------------------


@dataclass
class CreditLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO
    tax_exempt: bool = False
    source: str = ""
    kind: str = InvoiceLine.Kind.CREDIT


@transaction.atomic
def credit_note_issue(*, actor: User | None, invoice: Invoice, reason: str, lines: list[CreditLine]) -> CreditNote:
    """Correct an issued invoice: a numbered credit note lowers what is owed. Not more than is still owed."""
    if actor is not None and not actor.is_superuser:
        _require_cashier_of(actor, invoice.hospital_id)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Give a reason for the credit note."))
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.ISSUED:
        raise BillingError(_("Credit notes are for issued invoices."))
    computed = []
    for line in lines:
        quantity = _decimal(line.quantity, field=_("Quantity"))
        price = _decimal(line.unit_price, field=_("Price"))
        rate = _decimal(line.tax_rate, field=_("Tax rate"))
        if quantity <= 0 or price <= 0 or not (ZERO <= rate <= 100):
            raise BillingError(_("Credit lines need a positive quantity and price."))
        computed.append((line, quantity, price, rate, *line_amounts(
            quantity=quantity, unit_price=price, tax_rate=rate, tax_exempt=line.tax_exempt)))  # fmt: skip
    if not computed:
        raise BillingError(_("A credit note needs at least one line."))
    subtotal = sum((c[4] for c in computed), ZERO)
    tax = sum((c[5] for c in computed), ZERO)
    total = subtotal + tax
    if total > invoice.balance:
        raise BillingError(
            _("The credit (%(credit)s) is more than is still owed (%(owed)s); refund the payment first.")
            % {"credit": total, "owed": invoice.balance}
        )
    number, _year, _seq = _next_number(
        hospital=invoice.hospital, series=NumberSequence.Series.CREDIT_NOTE, when=timezone.now()
    )
    note = CreditNote.objects.create(
        invoice=invoice, hospital_id=invoice.hospital_id, number=number, currency=invoice.currency,
        reason=reason[:300], subtotal=subtotal, tax_total=tax, total=total, issued_at=timezone.now(),
        issued_by=actor,
    )  # fmt: skip
    for line, quantity, price, rate, net, line_tax, line_total in computed:
        CreditNoteLine.objects.create(
            credit_note=note, kind=line.kind, description=line.description[:200], quantity=quantity, unit_price=price,
            tax_rate=rate, tax_exempt=line.tax_exempt, net_amount=net, tax_amount=line_tax, total_amount=line_total,
            source=line.source,
        )  # fmt: skip
    invoice.amount_credited += total
    invoice.save(update_fields=["amount_credited"])
    _ledger(invoice=invoice, kind=LedgerEntry.Kind.CREDIT_NOTE, amount=-total, actor=actor, credit_note=note,
            memo=reason)  # fmt: skip
    return note


# --- insurance claims ----------------------------------------------------------------------------


@transaction.atomic
def claim_update(*, actor: User, invoice: Invoice, status: str, reference: str = "") -> Invoice:
    _require_cashier_of(actor, invoice.hospital_id)
    invoice = _locked(invoice)
    if invoice.payer_id is None:
        raise BillingError(_("This invoice has no insurance payer."))
    if status not in Invoice.ClaimStatus.values or status == "":
        raise BillingError(_("Choose a claim status."))
    invoice.claim_status, invoice.claim_reference = status, (reference or "").strip()[:64]
    invoice.save(update_fields=["claim_status", "claim_reference"])
    return invoice


def payer_create(*, actor: User, name: str):
    from billing.models import InsurancePayer

    hospital = cashier_hospital_of(actor)
    name = (name or "").strip()
    if not name:
        raise BillingError(_("Give the payer's name."))
    try:
        with transaction.atomic():
            return InsurancePayer.objects.create(hospital=hospital, name=name[:200])
    except IntegrityError:
        raise BillingError(_("%(name)s is already a payer.") % {"name": name}) from None


@transaction.atomic
def patient_policy_set(*, actor: User, patient_number: str, payer, policy_number: str, coverage_percent=None,
                       copay_amount=None) -> PatientInsurance:  # fmt: skip
    """Attach (or replace) the patient's policy with one of the cashier's hospital's payers. Patients are found by
    their number among those who had an appointment at this hospital only."""
    hospital = cashier_hospital_of(actor)
    if payer.hospital_id != hospital.pk:
        raise PermissionDenied(_("That payer belongs to another hospital."))
    patient = (
        Appointment.objects.filter(hospital=hospital, patient__patient_number__iexact=(patient_number or "").strip())
        .select_related("patient")
        .first()
    )
    if patient is None:
        raise BillingError(_("No patient with that number has visited this hospital."))
    patient = patient.patient
    PatientInsurance.objects.filter(patient=patient, payer__hospital=hospital, is_active=True).update(is_active=False)
    return PatientInsurance.objects.create(
        patient=patient, payer=payer, policy_number=(policy_number or "").strip()[:64],
        coverage_percent=coverage_percent or ZERO, copay_amount=copay_amount,
    )  # fmt: skip


# --- cash shifts ---------------------------------------------------------------------------------


def shift_open(*, actor: User, opening_float) -> CashShift:
    hospital = cashier_hospital_of(actor)
    try:
        opening = parse_amount(opening_float, allow_zero=True)
    except AmountError as error:
        raise BillingError(str(error)) from None
    try:
        with transaction.atomic():
            return CashShift.objects.create(hospital=hospital, cashier=actor, opening_float=opening)
    except IntegrityError:
        raise BillingError(_("You already have an open shift.")) from None


def shift_expected_cash(shift: CashShift) -> Decimal:
    taken = shift.payments.filter(method=Payment.Method.CASH).aggregate(s=Sum("amount"))["s"] or ZERO
    given = shift.refunds.filter(method=Payment.Method.CASH).aggregate(s=Sum("amount"))["s"] or ZERO
    return shift.opening_float + taken - given


@transaction.atomic
def shift_close(*, actor: User, shift: CashShift, counted_cash, note: str = "") -> CashShift:
    shift = CashShift.objects.select_for_update().get(pk=shift.pk)
    if shift.cashier_id != actor.pk:
        raise PermissionDenied(_("Only the cashier who opened the shift closes it."))
    if shift.closed_at is not None:
        raise BillingError(_("This shift is already closed."))
    try:
        counted = parse_amount(counted_cash, allow_zero=True)
    except AmountError as error:
        raise BillingError(str(error)) from None
    shift.expected_cash = shift_expected_cash(shift)
    shift.counted_cash = counted
    shift.variance = counted - shift.expected_cash
    shift.closed_at = timezone.now()
    shift.close_note = (note or "").strip()[:300]
    shift.save()
    return shift


# --- price list and hospital billing settings ----------------------------------------------------


def price_item_save(*, actor: User, hospital: Hospital, data: dict, item: PriceListItem | None = None):
    if item is not None and item.hospital_id != hospital.pk:
        raise PermissionDenied(_("That item belongs to another hospital."))
    item = item or PriceListItem(hospital=hospital)
    for field in ("code", "name", "kind", "unit_price", "tax_rate", "tax_exempt", "is_active"):
        if field in data:
            setattr(item, field, data[field])
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise BillingError(_("Another item already uses the code %(code)s.") % {"code": item.code}) from None
    return item


def hospital_billing_update(*, actor: User, hospital: Hospital, data: dict) -> Hospital:
    for field in ("currency", "tax_id", "invoice_prefix", "financial_year_start_month"):
        setattr(hospital, field, data[field])
    hospital.invoice_prefix = hospital.invoice_prefix.upper()
    hospital.save(update_fields=["currency", "tax_id", "invoice_prefix", "financial_year_start_month"])
    return hospital


# --- online payment: checkout, fulfilment, webhooks ----------------------------------------------


def checkout_start(*, invoice: Invoice, actor: User | None, success_url: str, cancel_url: str) -> PaymentAttempt:
    """A new attempt (idempotency key `invoice-<id>-attempt-<n>`) for the patient's balance; the gateway gives
    back its hosted checkout page. An earlier pending attempt counts as abandoned."""
    from billing.gateways import GatewayError, get_gateway

    gateway = get_gateway()
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status != Invoice.Status.ISSUED:
            raise BillingError(_("This invoice cannot be paid online."))
        amount = invoice.patient_balance
        if amount <= 0:
            raise BillingError(_("Nothing is owed on invoice %(number)s.") % {"number": invoice.number})
        invoice.attempts.filter(status=PaymentAttempt.Status.PENDING).update(
            status=PaymentAttempt.Status.ABANDONED, completed_at=timezone.now()
        )
        number = (invoice.attempts.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        attempt = PaymentAttempt.objects.create(
            invoice=invoice, number=number, gateway=gateway.name, amount=amount, currency=invoice.currency,
            idempotency_key=f"invoice-{invoice.pk}-attempt-{number}", created_by=actor,
        )  # fmt: skip
    try:
        session = gateway.create_checkout(
            attempt=attempt, description=_("Invoice %(number)s, %(hospital)s") % {
                "number": invoice.number, "hospital": invoice.hospital.name},
            success_url=success_url, cancel_url=cancel_url,
        )  # fmt: skip
    except GatewayError as error:
        PaymentAttempt.objects.filter(pk=attempt.pk).update(
            status=PaymentAttempt.Status.FAILED, completed_at=timezone.now()
        )
        raise BillingError(_("The payment service is not reachable right now; please try again.")) from error
    attempt.external_id, attempt.checkout_url = session.external_id, session.url
    attempt.save(update_fields=["external_id", "checkout_url"])
    return attempt


def attempt_fulfil(*, attempt: PaymentAttempt, succeeded: bool, amount: Decimal | None = None) -> Payment | None:
    """The one fulfilment, called by the success page, the webhook and the retry task alike. Idempotent: a second
    success returns the first payment; a failure after a success changes nothing."""
    with transaction.atomic():
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status == PaymentAttempt.Status.SUCCEEDED:
            return Payment.objects.filter(attempt=attempt).first()
        if not succeeded:
            if attempt.status == PaymentAttempt.Status.PENDING:
                attempt.status, attempt.completed_at = PaymentAttempt.Status.FAILED, timezone.now()
                attempt.save(update_fields=["status", "completed_at"])
            return None
        paid = amount if amount is not None else attempt.amount
        invoice = _locked(attempt.invoice)
        # Money the gateway took is recorded up to what is still owed (a counter payment may have come first).
        paid = min(paid, invoice.patient_balance)
        payment = None
        if paid > 0:
            payment = payment_record(
                actor=None, invoice=invoice, amount=paid, method=Payment.Method.ONLINE,
                reference=attempt.external_id or attempt.idempotency_key, attempt=attempt,
            )  # fmt: skip
        else:
            logger.warning("Attempt %s succeeded but invoice %s owed nothing: refund it", attempt.pk, invoice.pk)
        attempt.status, attempt.completed_at = PaymentAttempt.Status.SUCCEEDED, timezone.now()
        attempt.save(update_fields=["status", "completed_at"])
        return payment


def webhook_store(*, gateway: str, event_id: str, type: str, payload: dict) -> tuple[WebhookEvent, bool]:
    """Store the event first (committed on its own), so a crash in handling loses nothing."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(gateway=gateway, event_id=event_id, type=type, payload=payload), True
    except IntegrityError:
        return WebhookEvent.objects.get(gateway=gateway, event_id=event_id), False


def webhook_process(*, event: WebhookEvent) -> bool:
    """Handle a stored event once. A failure is recorded and retried by `webhooks_retry_unprocessed`."""
    from billing.gateways import handle_event

    if event.processed_at is not None:
        return True
    try:
        with transaction.atomic():
            locked = WebhookEvent.objects.select_for_update().get(pk=event.pk)
            if locked.processed_at is not None:
                return True
            handle_event(locked)
            locked.processed_at = timezone.now()
            locked.attempts += 1
            locked.last_error = ""
            locked.save(update_fields=["processed_at", "attempts", "last_error"])
        return True
    except Exception as error:
        logger.exception("Webhook event %s failed", event.pk)
        WebhookEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1, last_error=repr(error)[:2000])
        return False


def webhooks_retry_unprocessed(*, older_than_seconds: int = 30, limit: int = 100) -> int:
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    done = 0
    for event in WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lte=cutoff)[:limit]:
        done += webhook_process(event=event)
    return done
