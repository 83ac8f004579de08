"""Billing reads, scoped by who asks: a patient sees their own issued invoices, a cashier or hospital admin their
hospital's, a platform admin everything, everyone else (doctors, front desk, pharmacists) nothing."""

import datetime
from decimal import Decimal

from django.core import signing
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from billing.models import CreditNote, Invoice, Payment, Refund
from billing.money import ZERO
from hospitals.models import HospitalMembership

BILLING_ROLES = (HospitalMembership.Role.CASHIER, HospitalMembership.Role.ADMIN)
PAY_LINK_SALT = "billing.pay-link"


def billing_hospital_ids(user: User) -> list[int]:
    return list(
        HospitalMembership.objects.filter(user=user, is_active=True, role__in=BILLING_ROLES).values_list(
            "hospital_id", flat=True
        )
    )


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    base = Invoice.objects.select_related("hospital", "patient__user")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.is_superuser:
        return base
    if user.role == User.Role.PATIENT:
        return base.filter(patient__user=user).exclude(status=Invoice.Status.DRAFT)
    if user.role in (User.Role.STAFF, User.Role.HOSPITAL_ADMIN):
        return base.filter(hospital_id__in=billing_hospital_ids(user))
    return base.none()


def payments_visible_to(user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice__in=invoices_visible_to(user)).select_related(
        "invoice__hospital", "invoice__patient__user", "received_by"
    )


def credit_notes_visible_to(user: User) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(invoice__in=invoices_visible_to(user)).select_related(
        "invoice__hospital", "invoice__patient__user", "issued_by"
    )


def invoice_list(queryset: QuerySet[Invoice], *, status: str = "", query: str = "", date_from=None, date_to=None):
    """Filters of the invoice lists. `status` is the derived payment status."""
    qs = queryset
    if status == "draft":
        qs = qs.filter(status=Invoice.Status.DRAFT)
    elif status == "void":
        qs = qs.filter(status=Invoice.Status.VOID)
    elif status in ("issued", "partially_paid", "paid", "refunded", "open"):
        from django.db.models import F

        qs = qs.filter(status=Invoice.Status.ISSUED)
        owed = F("total") - F("amount_credited") - F("amount_paid") + F("amount_refunded")
        qs = qs.alias(owed=owed)
        if status == "open":
            qs = qs.filter(owed__gt=0)
        elif status == "issued":
            qs = qs.filter(owed__gt=0, amount_paid=0)
        elif status == "partially_paid":
            qs = qs.filter(owed__gt=0, amount_paid__gt=F("amount_refunded"))
        elif status == "paid":
            qs = qs.filter(owed__lte=0, amount_paid__gt=F("amount_refunded"))
        else:
            qs = qs.filter(amount_refunded__gt=0, amount_paid__lte=F("amount_refunded"))
    if query:
        query = query.strip()[:100]
        qs = qs.filter(
            Q(number__icontains=query)
            | Q(patient__patient_number__iexact=query)
            | Q(patient__user__full_name__icontains=query)
            | Q(patient__user__phone__icontains=query)
        )
    if date_from:
        qs = qs.filter(Q(issued_at__date__gte=date_from) | Q(issued_at__isnull=True, created_at__date__gte=date_from))
    if date_to:
        qs = qs.filter(Q(issued_at__date__lte=date_to) | Q(issued_at__isnull=True, created_at__date__lte=date_to))
    return qs.order_by("-created_at", "-id")


def local_day_bounds(tz, day: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    day = day or timezone.now().astimezone(tz).date()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def takings(hospital, day: datetime.date | None = None) -> dict:
    """Payments and refunds per method for one local day at the hospital (today by default)."""
    start, end = local_day_bounds(hospital.tz, day)
    paid = (
        Payment.objects.filter(hospital=hospital, received_at__gte=start, received_at__lt=end)
        .values("method")
        .annotate(total=Sum("amount"))
    )
    refunded = (
        Refund.objects.filter(hospital=hospital, refunded_at__gte=start, refunded_at__lt=end)
        .values("method")
        .annotate(total=Sum("amount"))
    )
    rows: dict[str, dict] = {}
    for row in paid:
        rows.setdefault(row["method"], {"method": row["method"], "paid": ZERO, "refunded": ZERO})["paid"] = row["total"]
    for row in refunded:
        rows.setdefault(row["method"], {"method": row["method"], "paid": ZERO, "refunded": ZERO})["refunded"] = row[
            "total"
        ]
    labels = dict(Payment.Method.choices)
    result = sorted(rows.values(), key=lambda r: r["method"])
    for row in result:
        row["label"] = labels.get(row["method"], row["method"])
        row["net"] = row["paid"] - row["refunded"]
    total = sum((r["net"] for r in result), Decimal("0.00"))
    return {"rows": result, "net": total, "day": start.date()}


def payer_outstanding(hospital) -> QuerySet[Invoice]:
    from django.db.models import F

    return (
        Invoice.objects.filter(hospital=hospital, status=Invoice.Status.ISSUED, payer__isnull=False)
        .alias(payer_due=F("payer_share") - F("payer_paid"))
        .filter(payer_due__gt=0)
        .select_related("payer", "patient__user")
        .order_by("payer__name", "issued_at")
    )


# --- signed pay links ----------------------------------------------------------------------------


def pay_link_token(invoice: Invoice) -> str:
    return signing.TimestampSigner(salt=PAY_LINK_SALT).sign_object({"i": invoice.pk, "p": invoice.patient_id})


def invoice_from_pay_token(token: str, *, max_age_days: int) -> Invoice | None:
    """The invoice a pay link is for, or None when the link is forged, altered or older than max_age_days."""
    try:
        data = signing.TimestampSigner(salt=PAY_LINK_SALT).unsign_object(
            token, max_age=datetime.timedelta(days=max_age_days)
        )
        return (
            Invoice.objects.select_related("hospital", "patient__user")
            .filter(pk=int(data["i"]), patient_id=int(data["p"]), status=Invoice.Status.ISSUED)
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
