"""Races decided by PostgreSQL row locks: gapless numbering under 50 concurrent issues, and two cashiers paying
the last balance at once. PostgreSQL only (marked `postgres`; collected on the CI's PostgreSQL pass)."""

from decimal import Decimal

import pytest

from billing import services
from billing.models import Invoice, Payment
from billing.reconcile import ledger_mismatches
from billing.tests.factories import cashier_of, completed_visit
from hms.testing import race as shared_race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def race(attempts) -> list[object]:
    return shared_race(attempts, refused=(services.BillingError,), join_seconds=120)


def test_fifty_concurrent_issues_get_fifty_consecutive_numbers(doctor, hospital, complete, cashier):
    from patients.tests.factories import PatientFactory

    drafts = [
        complete(completed_visit(doctor=doctor, hospital=hospital, patient=PatientFactory(), days_ago=day))
        for day in range(1, 51)
    ]

    def issue(invoice):
        return lambda: services.invoice_issue(actor=cashier, invoice=invoice).sequence

    outcomes = race([issue(invoice) for invoice in drafts])
    assert sorted(outcomes) == list(range(1, 51)), outcomes
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 50 and all(len(n) <= 16 for n in numbers)


def test_two_cashiers_paying_the_last_balance_at_once_one_wins(issued_invoice, hospital, cashier):
    second = cashier_of(hospital, "cashier-two@example.org")

    def pay(who):
        return lambda: str(services.payment_record(actor=who, invoice=issued_invoice, amount="500", method="card").pk)

    for _ in range(3):  # a few rounds, each on a fresh balance
        outcomes = race([pay(cashier), pay(second)])
        refusals = [o for o in outcomes if o.startswith("refused")]
        assert len(refusals) == 1 and "more than is owed" in refusals[0], outcomes
        payment = Payment.objects.order_by("-pk").first()
        services.refund_record(actor=cashier, payment=payment, amount="500", reason="Next round")
    assert Payment.objects.count() == 3
    issued_invoice.refresh_from_db()
    assert issued_invoice.amount_paid == Decimal("1500.00") and issued_invoice.balance == Decimal("500.00")
    assert ledger_mismatches() == []
