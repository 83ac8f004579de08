"""Revenue with known amounts: today's invoices, payments and refunds at the known hospital (Europe/Berlin)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from billing.services import invoice_generate_for_visit, invoice_issue, invoice_void, payment_record, refund_record
from hospitals.models import Affiliation
from reports.params import ReportForm, hospital_directory
from reports.revenue import revenue_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def money(known, super_admin):
    """A (fee 500): issued, 300 by card, 100 of it refunded -> 300 outstanding. B (fee 800): paid 800 by UPI.
    A second visit of A: issued then voided (left out). Another hospital's invoice: never seen."""
    hospital = known["hospital"]
    Affiliation.objects.filter(doctor=known["a"], hospital=hospital).update(consultation_fee=500)
    Affiliation.objects.filter(doctor=known["b"], hospital=hospital).update(consultation_fee=800)
    now = timezone.now().replace(second=0, microsecond=0)

    def visit(doctor, n, where=hospital, mode=Appointment.Mode.IN_PERSON):
        appointment = AppointmentFactory(
            doctor=doctor, hospital=where, patient=known["patients"][n], status=Appointment.Status.COMPLETED,
            start_at=now - timezone.timedelta(hours=n), mode=mode,
        )  # fmt: skip
        return invoice_issue(actor=super_admin, invoice=invoice_generate_for_visit(appointment=appointment))

    a = visit(known["a"], 1)
    card = payment_record(actor=super_admin, invoice=a, amount="300", method="card")
    refund_record(actor=super_admin, payment=card, amount="100", reason="Overcharged")
    b = visit(known["b"], 2, mode=Appointment.Mode.VIDEO)
    payment_record(actor=super_admin, invoice=b, amount="800", method="upi")
    invoice_void(actor=super_admin, invoice=visit(known["a"], 3), reason="Wrong patient")
    visit(known["a"], 4, where=known["elsewhere"])
    return known


def _report(known, **filters):
    today = timezone.now().astimezone(known["hospital"].tz).date().isoformat()
    form = ReportForm({"date_from": today, "date_to": today, **filters}, hospital=known["hospital"])
    assert form.is_valid(), form.errors
    return revenue_report(form.params(), hospital_directory(known["hospital"]))


def _amounts(row):
    return tuple(row.amounts[m] for m in ("invoiced", "collected", "refunded", "outstanding"))


def test_invoiced_collected_refunded_outstanding(money):
    revenue = _report(money)
    assert _amounts(revenue.totals) == (Decimal("1300"), Decimal("1100"), Decimal("100"), Decimal("300"))
    doctors = {row.label: _amounts(row) for row in revenue.doctors}
    assert doctors == {
        "Dr Anna Alpha": (Decimal("500"), Decimal("300"), Decimal("100"), Decimal("300")),
        "Dr Bert Beta": (Decimal("800"), Decimal("800"), Decimal("0"), Decimal("0")),
    }
    assert {row.label: _amounts(row)[0] for row in revenue.departments} == {
        "Cardiology": Decimal("500"), "Dermatology": Decimal("800")
    }  # fmt: skip
    methods = {row.key: (row.amounts["collected"], row.amounts["refunded"]) for row in revenue.methods}
    assert methods == {"card": (Decimal("300"), Decimal("100")), "upi": (Decimal("800"), Decimal("0"))}
    assert sum(row.amounts["invoiced"] for row in revenue.days) == Decimal("1300")
    assert all(isinstance(value, Decimal) for value in revenue.totals.amounts.values())


def test_filters_apply_to_money_too(money):
    assert _amounts(_report(money, mode="video").totals) == (Decimal("800"), Decimal("800"), Decimal("0"), Decimal("0"))
    only_a = _report(money, doctor=str(money["a"].pk))
    assert _amounts(only_a.totals) == (Decimal("500"), Decimal("300"), Decimal("100"), Decimal("300"))


def test_revenue_page(money, client_for, django_assert_max_num_queries):
    client = client_for(money["admin"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:revenue"))
    assert response.status_code == 200
    page = response.content.decode()
    from billing.money import format_money

    assert f'data-metric="outstanding">{format_money(Decimal("300"), money["hospital"].currency)}' in page
    assert "Card (terminal)" in page
    bad = client.get(reverse("reports:revenue"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400


def test_revenue_page_is_for_the_hospital_admin_only(money, client_for, staff, other_hospital_admin):
    assert client_for(staff).get(reverse("reports:revenue")).status_code == 403
    other = client_for(other_hospital_admin).get(reverse("reports:revenue"))
    assert other.status_code == 200 and other.context["revenue"].totals.amounts["invoiced"] == 0


def test_platform_counts_payments_today(money, client_for, super_admin):
    from reports.selectors import platform_statistics

    counts = platform_statistics()["counts"]
    assert counts["payments_today"] == 2
    assert [(row["currency"], row["total"]) for row in counts["payments_today_amounts"]] == [
        (money["hospital"].currency, Decimal("1100"))
    ]
    page = client_for(super_admin).get(reverse("reports:platform")).content.decode()
    assert 'data-stat="payments-today">2<' in page
