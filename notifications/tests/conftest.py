"""Fixtures for delivery tests: a real SMTP outbox, and a real Celery worker when REDIS_URL is set
(the PostgreSQL + Redis pass). Without REDIS_URL, Celery is eager and the same tests run inline."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from notifications.tests.servers import SmsProviderStub, SmtpOutbox

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def _smtp_server():
    outbox = SmtpOutbox()
    yield outbox
    outbox.close()


@pytest.fixture
def sms_provider():
    stub = SmsProviderStub()
    yield stub
    stub.close()


def _database_env() -> dict[str, str]:
    """Point the worker at the test database this pytest process uses (xdist adds a suffix)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
    }


@pytest.fixture(scope="session")
def _celery_worker(django_db_setup, django_db_blocker, _smtp_server, tmp_path_factory):
    """With REDIS_URL: one real `celery -A hms worker` for the session, on its own queue, against the
    test database and the test SMTP outbox. Without: None (eager Celery)."""
    if not django_settings.REDIS_URL:
        yield None
        return
    queue = f"hms-test-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    with django_db_blocker.unblock():
        database_env = _database_env()
    env = {
        **os.environ,
        **database_env,
        "DJANGO_SETTINGS_MODULE": "hms.settings",
        "NOTIFICATIONS_QUEUE": queue,
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.05",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(_smtp_server.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_BACKEND": "",
        "SMS_BACKEND": "notifications.sms.LogSmsBackend",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    celery = str(Path(sys.executable).parent / "celery")
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [celery, "-A", "hms", "worker", "-Q", queue, "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"{queue}@%h"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    yield {"queue": queue, "process": process, "log": log_path}
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Delivery:
    """What a delivery test needs, the same in both modes."""

    def __init__(self, outbox: SmtpOutbox, worker) -> None:
        self.outbox = outbox
        self.worker = worker

    @property
    def real_worker(self) -> bool:
        return self.worker is not None

    def wait_for_emails(self, count: int, *, to: str | None = None, timeout: float = 30) -> list:
        def enough(messages):
            return len([m for m in messages if to is None or to in m.get("To", "")]) >= count

        assert self.outbox.wait_for(enough, timeout=timeout), (
            f"expected {count} e-mail(s), got {len(self.outbox.messages)}"
            + (f"\nworker log:\n{self.worker['log'].read_text()[-3000:]}" if self.worker else "")
        )
        return self.outbox.to(to) if to else list(self.outbox.messages)

    def drain(self, sentinel_recipient) -> None:
        """Make sure everything enqueued so far has been handled: the worker takes one task at a time in
        queue order, so once a sentinel e-mail sent after them has arrived, the earlier ones are done."""
        from django.db import transaction

        from notifications.models import Notification
        from notifications.services import notify

        with transaction.atomic():
            notify(recipient=sentinel_recipient, kind=Notification.Kind.ACCOUNT, title="Sentinel")
        self.wait_for_emails(1, to=sentinel_recipient.email)
        time.sleep(0.2 if self.real_worker else 0)


@pytest.fixture
def delivery(transactional_db, settings, _smtp_server, _celery_worker):
    """Deliveries observable in a real SMTP outbox; run by a real worker when REDIS_URL is set."""
    _smtp_server.reset()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.05
    if _celery_worker:
        settings.NOTIFICATIONS_QUEUE = _celery_worker["queue"]
    yield Delivery(_smtp_server, _celery_worker)
    _smtp_server.reset()
