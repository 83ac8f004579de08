import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite: exercises the embedded SQLite database (collected on SQLite only)")


def pytest_collection_modifyitems(config, items):
    """`postgres` tests run on the PostgreSQL pass, `sqlite` tests on the embedded pass: each pass collects
    only what its database can run, so neither skips nor fakes."""
    from django.conf import settings

    vendor = "postgres" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite"
    other = "sqlite" if vendor == "postgres" else "postgres"
    here = str(__file__).rsplit("/", 1)[0]
    has_redis = bool(settings.REDIS_URL)

    def unrunnable(item) -> bool:
        return bool(item.get_closest_marker(other) or (item.get_closest_marker("redis") and not has_redis))

    deselected = [item for item in items if str(item.path).startswith(here) and unrunnable(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture(autouse=True)
def _ops_dirs(settings, tmp_path):
    settings.BACKUP_ROOT = tmp_path / "backups"
    settings.RUN_DIR = tmp_path / "run"


@pytest.fixture
def audit_flushable(transactional_db):
    """The audit trail is append-only (a trigger refuses DELETE), but the transactional test database is
    emptied after each test. PostgreSQL empties it with TRUNCATE, which row triggers do not see; SQLite deletes
    row by row, so lift the trigger for this one cleanup, exactly as a DBA would."""
    yield
    from django.db import connection

    from ops import append_only

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in append_only.sqlite_backward("ops_auditevent"):
            cursor.execute(statement)
        cursor.execute("DELETE FROM ops_auditevent")
        for statement in append_only.sqlite_forward("ops_auditevent"):
            cursor.execute(statement)
