"""Revenue for the hospital report: invoiced, collected, refunded and outstanding money on the chosen local days,
by day, doctor, department and payment method. Database sums of Decimal amounts (never floats), six queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from appointments.slots import days_between
from billing.models import Invoice, Payment, Refund
from reports.metrics import department_doctor_ids
from reports.params import Directory, ReportParams

ZERO = Decimal("0.00")
MEASURES = ("invoiced", "collected", "refunded", "outstanding")

DEFINITIONS = {
    "invoiced": _(
        "Totals of the invoices issued on the chosen days (void invoices left out). All amounts are in the hospital's "
        "currency."
    ),
    "collected": _("Payments received on the chosen days, whatever day their invoice was issued."),
    "refunded": _("Refunds paid out on the chosen days."),
    "outstanding": _(
        "What is still owed today on the invoices issued on the chosen days: total - credit notes - payments + refunds."
    ),
}


@dataclass
class MoneyRow:
    key: object
    label: str
    amounts: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MEASURES, ZERO))

    def add(self, measure: str, amount: Decimal | None) -> None:
        self.amounts[measure] += amount or ZERO


@dataclass
class Revenue:
    currency: str
    totals: MoneyRow
    days: list[MoneyRow]
    doctors: list[MoneyRow]
    departments: list[MoneyRow]
    methods: list[MoneyRow]


def _scoped(queryset: QuerySet, params: ReportParams, directory: Directory, prefix: str) -> QuerySet:
    """Doctor, department and kind-of-visit filters through the invoice's appointment. With any of them set,
    invoices without a visit (counter sales) drop out, since they belong to no doctor."""
    if params.doctor is not None:
        queryset = queryset.filter(**{f"{prefix}appointment__doctor": params.doctor})
    if params.department is not None:
        queryset = queryset.filter(**{f"{prefix}appointment__doctor_id__in": department_doctor_ids(params, directory)})
    if params.mode:
        queryset = queryset.filter(**{f"{prefix}appointment__mode": params.mode})
    return queryset


def revenue_report(params: ReportParams, directory: Directory) -> Revenue:
    hospital, tz = params.hospital, params.hospital.tz
    start, end = params.start_utc, params.end_utc
    invoices = _scoped(
        Invoice.objects.filter(
            hospital=hospital, currency=hospital.currency, status=Invoice.Status.ISSUED, issued_at__gte=start,
            issued_at__lt=end,
        ),
        params, directory, "",
    )  # fmt: skip
    balance = ExpressionWrapper(
        F("total") - F("amount_credited") - F("amount_paid") + F("amount_refunded"),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    payments = _scoped(
        Payment.objects.filter(
            hospital=hospital, currency=hospital.currency, received_at__gte=start, received_at__lt=end
        ),
        params, directory,
        "invoice__",
    )  # fmt: skip
    refunds = _scoped(
        Refund.objects.filter(
            hospital=hospital, currency=hospital.currency, refunded_at__gte=start, refunded_at__lt=end
        ),
        params, directory,
        "invoice__",
    )  # fmt: skip

    days = {day: MoneyRow(day, day.isoformat()) for day in days_between(params.date_from, params.date_to)}
    doctors: dict[int | None, MoneyRow] = {}
    methods: dict[str, MoneyRow] = {}
    names = {doctor.pk: doctor.display_name for doctor in directory.doctors}

    def doctor_row(doctor_id):
        if doctor_id not in doctors:
            doctors[doctor_id] = MoneyRow(doctor_id, names.get(doctor_id, str(_("No doctor (counter sale)"))))
        return doctors[doctor_id]

    def method_row(method):
        if method not in methods:
            methods[method] = MoneyRow(method, str(dict(Payment.Method.choices).get(method, method)))
        return methods[method]

    for row in invoices.values("appointment__doctor_id").annotate(
        invoiced=Sum("total"), outstanding=Sum(balance)
    ).order_by():  # fmt: skip
        doctor_row(row["appointment__doctor_id"]).add("invoiced", row["invoiced"])
        doctor_row(row["appointment__doctor_id"]).add("outstanding", row["outstanding"])
    for row in (
        invoices.annotate(day=TruncDate("issued_at", tzinfo=tz)).values("day")
        .annotate(invoiced=Sum("total"), outstanding=Sum(balance)).order_by()
    ):  # fmt: skip
        if row["day"] in days:
            days[row["day"]].add("invoiced", row["invoiced"])
            days[row["day"]].add("outstanding", row["outstanding"])
    for measure, queryset, when in (("collected", payments, "received_at"), ("refunded", refunds, "refunded_at")):
        for row in queryset.values("invoice__appointment__doctor_id", "method").annotate(
            amount=Sum("amount")
        ).order_by():  # fmt: skip
            doctor_row(row["invoice__appointment__doctor_id"]).add(measure, row["amount"])
            method_row(row["method"]).add(measure, row["amount"])
        for row in queryset.annotate(day=TruncDate(when, tzinfo=tz)).values("day").annotate(
            amount=Sum("amount")
        ).order_by():  # fmt: skip
            if row["day"] in days:
                days[row["day"]].add(measure, row["amount"])

    departments: dict[int | None, MoneyRow] = {}
    totals = MoneyRow(None, str(_("All")))
    for doctor_id, row in doctors.items():
        department = directory.department_of.get(doctor_id) if doctor_id is not None else None
        key = department.pk if department else None
        if key not in departments:
            departments[key] = MoneyRow(key, department.name if department else str(_("No department")))
        for measure in MEASURES:
            departments[key].add(measure, row.amounts[measure])
            totals.add(measure, row.amounts[measure])
    return Revenue(
        currency=hospital.currency,
        totals=totals,
        days=list(days.values()),
        doctors=sorted(doctors.values(), key=lambda r: r.label.lower()),
        departments=sorted(departments.values(), key=lambda r: (r.key is None, r.label.lower())),
        methods=sorted(methods.values(), key=lambda r: r.label.lower()),
    )


def busiest(days: list[MoneyRow], measure: str) -> MoneyRow | None:
    best = max(days, key=lambda row: row.amounts[measure], default=None)
    return best if best is not None and best.amounts[measure] > 0 else None
