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


def pytest_collection_modifyitems(config, items):
    """`postgres`-marked tests (row-lock races) are collected only on the PostgreSQL pass, as in appointments."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    here = str(__file__).rsplit("/", 1)[0]
    deselected = [item for item in items if item.get_closest_marker("postgres") and str(item.path).startswith(here)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture
def ledger_flushable(live_url):
    """Live-server tests on SQLite: the ledger's trigger refuses the row-by-row DELETE that empties the test
    database afterwards, so lift it for that one cleanup (PostgreSQL empties tables with TRUNCATE)."""
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    from billing.migrations import _ledger_triggers as triggers

    with connection.cursor() as cursor:
        for statement in triggers.SQLITE_BACKWARD:
            cursor.execute(statement)
        cursor.execute(f"DELETE FROM {triggers.TABLE}")  # noqa: S608 - a constant table name
        for statement in triggers.SQLITE_FORWARD:
            cursor.execute(statement)
