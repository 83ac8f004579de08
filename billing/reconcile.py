"""Ledger reconciliation: database aggregation, one pass per table, no per-invoice queries."""

from decimal import Decimal

from django.db.models import Sum

from billing.models import CreditNote, Invoice, LedgerEntry, Payment, Refund

ZERO = Decimal("0.00")


def _sums(model, field: str = "amount") -> dict[int, Decimal]:
    return {
        row["invoice_id"]: row["total"] or ZERO
        for row in model.objects.values("invoice_id").annotate(total=Sum(field)).order_by()
    }


def ledger_mismatches() -> list[dict]:
    ledger = _sums(LedgerEntry)
    paid, refunded, credited = _sums(Payment), _sums(Refund), _sums(CreditNote, "total")
    problems = []
    fields = ("id", "number", "status", "total", "amount_paid", "amount_refunded", "amount_credited")
    for invoice in Invoice.objects.only(*fields).iterator():
        ledger_sum = ledger.get(invoice.pk, ZERO)
        checks = [
            ("ledger sum differs from balance", ledger_sum, invoice.balance),
            ("payments differ from amount_paid", paid.get(invoice.pk, ZERO), invoice.amount_paid),
            ("refunds differ from amount_refunded", refunded.get(invoice.pk, ZERO), invoice.amount_refunded),
            ("credit notes differ from amount_credited", credited.get(invoice.pk, ZERO), invoice.amount_credited),
        ]
        for problem, actual, expected in checks:
            if actual != expected:
                problems.append({"invoice_id": invoice.pk, "number": invoice.number, "problem": problem,
                                 "ledger": actual, "expected": expected})  # fmt: skip
    return problems
