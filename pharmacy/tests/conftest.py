import pytest

from patients.tests.conftest import access_log_flushable, care_appointment  # noqa: F401
from pharmacy.tests.factories import catalogue, pharmacist_of


@pytest.fixture
def pharmacist(hospital):
    return pharmacist_of(hospital, "pharm@example.org")


@pytest.fixture
def other_pharmacist(other_hospital):
    return pharmacist_of(other_hospital, "pharm2@example.org")


@pytest.fixture
def amlodipine():
    return catalogue("Amlodipine", "5 mg")


@pytest.fixture
def paracetamol():
    return catalogue("Paracetamol", "500 mg")


@pytest.fixture
def ledger_flushable(transactional_db):
    """Transactional tests: the stock and billing ledgers (and the access log) are append-only, but the test database is
    emptied after each test. PostgreSQL empties it with TRUNCATE, which row triggers do not see; SQLite deletes
    row by row, so lift the triggers for this one cleanup, exactly as a DBA would."""
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    from billing.migrations import _ledger_triggers as billing_ledger
    from patients.migrations import _access_log_triggers as access
    from pharmacy.migrations import _movement_triggers as ledger

    with connection.cursor() as cursor:
        for triggers in (ledger, billing_ledger, access):
            for statement in triggers.SQLITE_BACKWARD:
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {triggers.TABLE}")  # noqa: S608 - constant table names
            for statement in triggers.SQLITE_FORWARD:
                cursor.execute(statement)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (real row locks under threads) run only when the suite runs on PostgreSQL (the
    CI's second pass); a SQLite run neither skips nor fakes them."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    here = str(__file__).rsplit("/", 1)[0]
    deselected = [item for item in items if item.get_closest_marker("postgres") and str(item.path).startswith(here)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
