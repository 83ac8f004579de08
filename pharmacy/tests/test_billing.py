"""Rule 7: a dispense bills its medicines on the visit's invoice in the same transaction; a return credits them."""

from decimal import Decimal

import pytest

from billing.models import CreditNote, Invoice, InvoiceLine
from billing.services import invoice_issue
from pharmacy.models import Batch, StockMovement
from pharmacy.services import dispense_return, prescription_dispense
from pharmacy.tests.factories import issued_prescription, make_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx(doctor, patient, hospital):
    return issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 30)])


def medicine_lines(rx):
    return InvoiceLine.objects.filter(invoice__appointment=rx.visit.appointment, kind="medicine").order_by("id")


def test_dispense_adds_a_medicine_line_per_batch_at_its_sale_price_with_the_products_tax(
    rx, hospital, amlodipine, pharmacist
):
    soon = make_batch(hospital, amlodipine, 8, days=20, number="SOON", price="2.50")
    make_batch(hospital, amlodipine, 50, days=300, number="LATE", price="3.00")
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 12})
    lines = list(medicine_lines(rx))
    assert [(line.quantity, line.unit_price, line.tax_rate) for line in lines] == [
        (Decimal(8), Decimal("2.50"), Decimal("12.00")), (Decimal(4), Decimal("3.00"), Decimal("12.00")),
    ]  # fmt: skip
    assert lines[0].description == "Amlodipine 5 mg tablet (HSN 30049099), batch SOON"
    assert lines[0].net_amount == Decimal("20.00") and lines[0].tax_amount == Decimal("2.40")
    assert lines[0].invoice.status == Invoice.Status.DRAFT and soon.pk


def test_a_failing_bill_rolls_the_dispense_back(rx, hospital, amlodipine, pharmacist, monkeypatch):
    from billing import services as billing

    batch = make_batch(hospital, amlodipine, 50)

    def refuse(**kwargs):
        raise billing.BillingError("Billing is closed.")

    monkeypatch.setattr(billing, "invoice_add_line", refuse)
    with pytest.raises(billing.BillingError):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 10})
    assert Batch.objects.get(pk=batch.pk).on_hand == 50 and not StockMovement.objects.filter(kind="dispense").exists()


def test_return_on_a_draft_invoice_adds_a_credit_line(rx, hospital, amlodipine, pharmacist):
    make_batch(hospital, amlodipine, 50, price="2.50")
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 10})
    given = StockMovement.objects.get(kind="dispense")
    dispense_return(actor=pharmacist, movement=given, quantity=4, reason="Unused")
    credit = InvoiceLine.objects.get(kind="credit")
    assert (credit.quantity, credit.unit_price, credit.invoice_id) == (
        Decimal(4), Decimal("-2.50"), medicine_lines(rx)[0].invoice_id,
    )  # fmt: skip


def test_return_after_the_invoice_is_issued_becomes_a_credit_note(rx, hospital, amlodipine, pharmacist, super_admin):
    make_batch(hospital, amlodipine, 50, price="2.50")
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 10})
    invoice = medicine_lines(rx)[0].invoice
    invoice_issue(actor=super_admin, invoice=invoice)
    dispense_return(actor=pharmacist, movement=StockMovement.objects.get(kind="dispense"), quantity=2, reason="Unused")
    note = CreditNote.objects.get(invoice=invoice)
    assert note.lines.get().quantity == Decimal(2)
    # The next dispense goes on the visit's supplementary invoice: an issued invoice never changes.
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 5})
    assert medicine_lines(rx).last().invoice.supplement_of_id == invoice.pk
