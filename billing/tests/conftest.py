import pytest

from appointments.services import appointment_transition
from billing import services
from billing.models import Invoice
from billing.tests.factories import cashier_of, completed_visit


@pytest.fixture
def cashier(hospital):
    return cashier_of(hospital)


@pytest.fixture
def other_cashier(other_hospital):
    return cashier_of(other_hospital, "cashier2@example.org")


@pytest.fixture
def visit(doctor, hospital, patient):
    """A checked-in visit, not yet completed."""
    return completed_visit(doctor=doctor, hospital=hospital, patient=patient)


@pytest.fixture
def complete():
    def run(appointment) -> Invoice:
        appointment_transition(actor=appointment.doctor.user, appointment=appointment, to_status="completed")
        return Invoice.objects.get(appointment=appointment, supplement_of__isnull=True)

    return run


@pytest.fixture
def issued_invoice(visit, complete, cashier):
    """The visit's invoice (consultation 500.00, exempt), issued by the cashier."""
    invoice = complete(visit)
    return services.invoice_issue(actor=cashier, invoice=invoice)


@pytest.fixture
def shift(cashier):
    return services.shift_open(actor=cashier, opening_float="100.00")
