"""Stripe adapter at its HTTP boundary (responses intercepts the official SDK's requests) and webhooks signed
locally with the test secret, so stripe.Webhook.construct_event verifies them for real. No socket leaves here."""

import hashlib
import hmac
import json
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse

from billing import services
from billing.models import Payment, PaymentAttempt, WebhookEvent
from billing.reconcile import ledger_mismatches

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret"
SESSIONS_URL = "https://api.stripe.com/v1/checkout/sessions"


@pytest.fixture
def stripe_settings(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return settings


def _session_reply(session_id: str):
    return {"id": session_id, "object": "checkout.session", "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "payment_status": "unpaid", "status": "open"}  # fmt: skip


def _start(invoice):
    return services.checkout_start(
        invoice=invoice, actor=None, success_url="http://testserver/ok", cancel_url="http://testserver/cancel"
    )


@responses.activate
def test_stripe_checkout_sends_the_per_attempt_idempotency_key(stripe_settings, issued_invoice):
    responses.add(responses.POST, SESSIONS_URL, json=_session_reply("cs_test_1"))
    responses.add(responses.POST, SESSIONS_URL, json=_session_reply("cs_test_2"))
    first = _start(issued_invoice)
    second = _start(issued_invoice)  # a retry after abandoning: a new attempt, a new key
    keys = [call.request.headers["Idempotency-Key"] for call in responses.calls]
    assert keys == [f"invoice-{issued_invoice.pk}-attempt-1", f"invoice-{issued_invoice.pk}-attempt-2"]
    body = parse_qs(responses.calls[0].request.body)
    assert body["line_items[0][price_data][unit_amount]"] == ["50000"]  # 500.00 INR in paise
    assert body["line_items[0][price_data][currency]"] == ["inr"]
    assert "card" not in str(body)  # hosted checkout: we never send or collect card data
    assert (first.external_id, first.checkout_url) == ("cs_test_1", "https://checkout.stripe.com/c/pay/cs_test_1")
    first.refresh_from_db()
    assert first.status == PaymentAttempt.Status.ABANDONED and second.status == PaymentAttempt.Status.PENDING


@responses.activate
def test_stripe_outage_is_a_clear_message(stripe_settings, issued_invoice):
    responses.add(responses.POST, SESSIONS_URL, json={"error": {"message": "down"}}, status=500)
    with pytest.raises(services.BillingError, match="not reachable"):
        _start(issued_invoice)
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.FAILED


def _signed(payload: dict, secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def _event(event_id: str, kind: str, attempt: PaymentAttempt, **extra) -> dict:
    obj = {
        "id": attempt.external_id,
        "object": "checkout.session",
        "client_reference_id": attempt.idempotency_key,
        "metadata": {"attempt_key": attempt.idempotency_key},
        "amount_total": 50000,
        "payment_status": "paid",
    }
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj | extra}}  # fmt: skip


def _post(client, body: bytes, signature: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(reverse("billing:webhook", args=["stripe"]), body, content_type="application/json", **headers)


@responses.activate
def test_webhook_signature_replay_and_no_downgrade(stripe_settings, issued_invoice, client):
    responses.add(responses.POST, SESSIONS_URL, json=_session_reply("cs_test_9"))
    attempt = _start(issued_invoice)
    body, signature = _signed(_event("evt_1", "checkout.session.completed", attempt))
    # Bad or missing signature: 400 and nothing stored or paid.
    assert _post(client, body, "t=1,v1=deadbeef").status_code == 400
    assert _post(client, body, None).status_code == 400
    forged, forged_sig = _signed(_event("evt_1", "checkout.session.completed", attempt), secret="whsec_other")
    assert _post(client, forged, forged_sig).status_code == 400
    assert WebhookEvent.objects.count() == 0 and Payment.objects.count() == 0
    # The same event three times: three 2xx, one payment.
    assert [_post(client, body, signature).status_code for _ in range(3)] == [200, 200, 200]
    assert Payment.objects.get().amount == Decimal("500.00")
    # A failure arriving after the success does not downgrade anything.
    failed, failed_sig = _signed(_event("evt_2", "checkout.session.async_payment_failed", attempt))
    assert _post(client, failed, failed_sig).status_code == 200
    attempt.refresh_from_db()
    issued_invoice.refresh_from_db()
    assert attempt.status == "succeeded" and issued_invoice.payment_status == "paid"
    assert Payment.objects.count() == 1 and WebhookEvent.objects.count() == 2
    assert ledger_mismatches() == []


@responses.activate
def test_failed_handling_is_stored_and_retried(stripe_settings, issued_invoice, client, monkeypatch):
    responses.add(responses.POST, SESSIONS_URL, json=_session_reply("cs_test_r"))
    attempt = _start(issued_invoice)
    body, signature = _signed(_event("evt_r", "checkout.session.completed", attempt))

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "attempt_fulfil", broken)
    assert _post(client, body, signature).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and "hiccup" in event.last_error and Payment.objects.count() == 0
    monkeypatch.undo()
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=event.received_at.replace(year=2020))
    from billing.tasks import retry_webhook_events

    assert retry_webhook_events.apply().get() == 1  # the periodic task, run in-process
    event.refresh_from_db()
    assert event.processed_at is not None and Payment.objects.count() == 1


@responses.activate
def test_success_page_fulfils_once_when_stripe_says_paid(stripe_settings, issued_invoice, client):
    responses.add(responses.POST, SESSIONS_URL, json=_session_reply("cs_test_s"))
    responses.add(responses.GET, f"{SESSIONS_URL}/cs_test_s", json=_session_reply("cs_test_s") | {
        "payment_status": "paid", "status": "complete"})  # fmt: skip
    from django.core import signing

    from billing.views import ATTEMPT_SALT

    _start(issued_invoice)
    token = signing.Signer(salt=ATTEMPT_SALT).sign(str(issued_invoice.pk))
    for _ in range(2):
        response = client.get(reverse("billing:checkout_return", args=[token]))
        assert response.status_code == 200
    assert Payment.objects.count() == 1
    # And a webhook for the same session afterwards adds nothing.
    attempt = PaymentAttempt.objects.get()
    body, signature = _signed(_event("evt_s", "checkout.session.completed", attempt))
    assert _post(client, body, signature).status_code == 200
    assert Payment.objects.count() == 1
