from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment
from billing import services
from billing.models import Invoice, InvoiceLine, LedgerEntry
from billing.tests.factories import completed_visit
from hospitals.models import Affiliation

pytestmark = pytest.mark.django_db


def test_completing_a_visit_creates_one_draft_with_the_fee_snapshot(visit, complete, doctor, hospital):
    invoice = complete(visit)
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.currency == "INR"
    line = invoice.lines.get()
    assert (line.kind, line.unit_price, line.total_amount) == ("consultation", Decimal("500.00"), Decimal("500.00"))
    # A later fee change does not touch the invoice; running the generator again adds nothing.
    Affiliation.objects.filter(doctor=doctor, hospital=hospital).update(consultation_fee=Decimal("900"))
    again = services.invoice_generate_for_visit(appointment=visit)
    assert again.pk == invoice.pk
    assert invoice.lines.count() == 1 and invoice.lines.get().unit_price == Decimal("500.00")
    assert Invoice.objects.filter(appointment=visit).count() == 1


def test_the_database_refuses_a_second_invoice_for_an_appointment(visit, complete):
    invoice = complete(visit)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(hospital=invoice.hospital, patient=invoice.patient, appointment=visit, currency="INR")


def test_video_visits_are_billed_the_same_way(doctor, hospital, patient, complete):
    video = completed_visit(doctor=doctor, hospital=hospital, patient=patient, mode=Appointment.Mode.VIDEO)
    invoice = complete(video)
    assert invoice.lines.get().unit_price == Decimal("500.00")
    assert "Video" in invoice.lines.get().description


def test_issue_numbers_gaplessly_and_charges_the_ledger(doctor, hospital, patient, complete, cashier):
    hospital.invoice_prefix = "CCH"
    hospital.save()
    numbers = []
    for days in (1, 2, 3):
        invoice = complete(completed_visit(doctor=doctor, hospital=hospital, patient=patient, days_ago=days))
        numbers.append(services.invoice_issue(actor=cashier, invoice=invoice).number)
    year = services.financial_year_of(hospital, Invoice.objects.first().issued_at)
    assert numbers == [f"CCH/{year}/000001", f"CCH/{year}/000002", f"CCH/{year}/000003"]
    assert all(len(n) <= 16 for n in numbers)
    assert LedgerEntry.objects.filter(kind="charge").count() == 3


def test_issued_invoices_never_change(issued_invoice, cashier):
    with pytest.raises(services.BillingError):
        services.invoice_add_line(
            actor=cashier, invoice=issued_invoice, kind="procedure", description="ECG", quantity=1, unit_price="100"
        )
    with pytest.raises(services.BillingError):
        services.invoice_issue(actor=cashier, invoice=issued_invoice)


def test_pharmacy_api_late_lines_go_to_a_supplementary_invoice(issued_invoice, visit):
    draft = services.invoice_for_appointment(appointment=visit)
    assert draft.pk != issued_invoice.pk and draft.supplement_of_id == issued_invoice.pk
    line = services.invoice_add_line(
        actor=None, invoice=draft, kind=InvoiceLine.Kind.MEDICINE, description="Paracetamol 500 mg", quantity=10,
        unit_price="2.50", tax_rate="12", source="dispense:1",
    )  # fmt: skip
    same = services.invoice_add_line(
        actor=None, invoice=draft, kind="medicine", description="Paracetamol 500 mg", quantity=10, unit_price="2.50",
        tax_rate="12", source="dispense:1",
    )  # fmt: skip
    assert same.pk == line.pk
    amounts = (line.net_amount, line.tax_amount, line.total_amount)
    assert amounts == (Decimal("25.00"), Decimal("3.00"), Decimal("28.00"))
    assert services.invoice_for_appointment(appointment=visit).pk == draft.pk
    credit = services.invoice_credit(
        actor=None, invoice=draft, description="Returned", quantity=2, unit_price="2.50", tax_rate="12",
        source="return:1",
    )  # fmt: skip
    assert credit.total_amount == Decimal("-5.60")


@pytest.mark.parametrize(
    ("field", "value"),
    [("unit_price", "-1"), ("unit_price", "1.005"), ("quantity", "0"), ("tax_rate", "101"), ("unit_price", "abc")],
)
def test_bad_line_input_is_refused(visit, complete, field, value):
    invoice = complete(visit)
    data = {"quantity": "1", "unit_price": "10", "tax_rate": "5"} | {field: value}
    with pytest.raises(services.BillingError):
        services.invoice_add_line(actor=None, invoice=invoice, kind="procedure", description="X", **data)
    assert invoice.lines.count() == 1


def test_ledger_refuses_update_and_delete_in_the_database(issued_invoice):
    entry = LedgerEntry.objects.get(invoice=issued_invoice)
    table = LedgerEntry._meta.db_table
    for sql in (f"UPDATE {table} SET amount = 0 WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):  # noqa: S608
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.amount == Decimal("500.00")
