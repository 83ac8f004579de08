"""Request ids, structured logs, error reporting (Sentry at its HTTP boundary, else ADMINS e-mail), readiness."""

import gzip
import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
from django.core import mail
from django.test import Client

from ops.logging import JsonFormatter
from ops.request_id import RequestIdFilter


def test_every_response_carries_a_request_id_and_a_valid_incoming_one_is_kept(client, db):
    generated = client.get("/healthz/")["X-Request-ID"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    assert client.get("/healthz/")["X-Request-ID"] != generated
    assert client.get("/healthz/", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")["X-Request-ID"] == (
        "nginx-0123456789abcdef"
    )
    assert client.get("/healthz/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"] != "bad id"


def test_log_lines_are_json_with_the_request_id(client, db):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-4242424242")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["request_id"] == "req-4242424242"
    assert entry["level"] == "WARNING" and "Not Found: /no-such-page/" in entry["message"]
    assert entry["status_code"] == 404


class _SentryIngest(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_ingest():
    _SentryIngest.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SentryIngest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_sentry_receives_server_errors_with_request_id_and_no_personal_data(
    sentry_ingest, settings, client_for, patient
):
    import sentry_sdk

    from ops.monitoring import init_sentry

    settings.ROOT_URLCONF = "ops.tests.urls_boom"
    init_sentry(f"http://publickey@127.0.0.1:{sentry_ingest.server_port}/1", environment="test")
    patient_client = client_for(patient.user)
    try:
        patient_client.raise_request_exception = False
        response = patient_client.get("/boom/", HTTP_X_REQUEST_ID="req-sentry-000001")
        assert response.status_code == 500
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.init(dsn=None)
    payload = b"\n".join(_SentryIngest.received)
    assert b"ZeroDivisionError" in payload
    assert b'"request_id":"req-sentry-000001"' in payload.replace(b" ", b"")
    assert patient.user.email.encode() not in payload
    assert patient_client.cookies["sessionid"].value.encode() not in payload


def test_without_sentry_server_errors_are_mailed_to_admins(settings, db):
    settings.ROOT_URLCONF = "ops.tests.urls_boom"
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.org")]
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.org"]
    assert "ZeroDivisionError" in mail.outbox[0].body


def test_admins_come_from_the_environment(monkeypatch):
    import importlib

    import hms.settings

    monkeypatch.setenv("ADMINS", "Ops Team <ops@example.org>, jo@example.org")
    try:
        reloaded = importlib.reload(hms.settings)
        assert reloaded.ADMINS == [("Ops Team", "ops@example.org"), ("jo@example.org", "jo@example.org")]
    finally:
        monkeypatch.delenv("ADMINS")
        importlib.reload(hms.settings)


def test_readiness_reports_database_redis_and_broker(client, settings, db):
    response = client.get("/readyz/")
    assert response.status_code == 200, response.json()
    assert response.json()["database"] == "ok"
    # Nothing listens on these ports (this helper's private range): Redis and the broker are down.
    settings.REDIS_URL = "redis://127.0.0.1:6389/0"
    assert client.get("/readyz/").json()["redis"] == "unavailable"
    assert client.get("/readyz/").status_code == 503
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6388/0"
    body = client.get("/readyz/")
    assert body.status_code == 503 and body.json()["celery_broker"] == "unavailable"
