"""Payment gateways behind one small interface. Hosted checkout only: no card data ever touches our pages.

    gateway = get_gateway()                      # settings.PAYMENT_GATEWAY: "test" (default) or "stripe"
    session = gateway.create_checkout(attempt=…, description=…, success_url=…, cancel_url=…)
    event = gateway.parse_webhook(payload=bytes, signature=str)   # WebhookSignatureError when not genuine
    gateway.checkout_status(external_id) -> "succeeded" | "failed" | "pending"

`StripeGateway` uses the official SDK (Checkout Sessions; the attempt's idempotency key goes with the request).
`TestGateway` is for `make run` and the browser tests: its "hosted page" is our own /billing/test-gateway/<id>/,
which simulates success, failure or abandonment and delivers the outcome as a webhook event of its own.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from billing.models import PaymentAttempt, WebhookEvent

# Currencies whose smallest unit is the whole unit (Stripe's "zero-decimal" list, the ones we might meet).
ZERO_DECIMAL = {"JPY", "KRW", "VND"}


class GatewayError(Exception):
    """The gateway could not be reached or refused the request."""


class WebhookSignatureError(Exception):
    """The webhook's signature is missing or wrong: the request is not from the gateway."""


@dataclass
class CheckoutSession:
    external_id: str
    url: str


@dataclass
class GatewayEvent:
    id: str
    type: str
    payload: dict


def minor_units(amount: Decimal, currency: str) -> int:
    return int(amount) if currency.upper() in ZERO_DECIMAL else int((amount * 100).to_integral_value())


class StripeGateway:
    name = "stripe"

    def __init__(self):
        import stripe

        if not settings.STRIPE_SECRET_KEY:
            raise GatewayError("STRIPE_SECRET_KEY is not set")
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES
        )

    def create_checkout(self, *, attempt: PaymentAttempt, description: str, success_url: str, cancel_url: str):
        import stripe

        metadata = {"attempt_key": attempt.idempotency_key, "invoice_id": str(attempt.invoice_id)}
        params = {
            "mode": "payment",
            "client_reference_id": attempt.idempotency_key,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": attempt.currency.lower(),
                        "unit_amount": minor_units(attempt.amount, attempt.currency),
                        "product_data": {"name": description[:250]},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": success_url + ("&" if "?" in success_url else "?") + "session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": cancel_url,
        }
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": attempt.idempotency_key}
            )
        except stripe.StripeError as error:
            raise GatewayError(str(error)) from error
        return CheckoutSession(external_id=session.id, url=session.url)

    def checkout_status(self, external_id: str) -> str:
        import stripe

        try:
            session = self.client.v1.checkout.sessions.retrieve(external_id)
        except stripe.StripeError as error:
            raise GatewayError(str(error)) from error
        if session.payment_status in ("paid", "no_payment_required"):
            return "succeeded"
        return "failed" if session.status == "expired" else "pending"

    def parse_webhook(self, *, payload: bytes, signature: str) -> GatewayEvent:
        import stripe

        if not signature or not settings.STRIPE_WEBHOOK_SECRET:
            raise WebhookSignatureError("missing signature")
        try:
            event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise WebhookSignatureError(str(error)) from error
        return GatewayEvent(id=event["id"], type=event["type"], payload=json.loads(payload))


class TestGateway:
    """Offline stand-in for a hosted checkout (make run, browser tests). Never takes card details."""

    name = "test"

    def create_checkout(self, *, attempt: PaymentAttempt, description: str, success_url: str, cancel_url: str):
        external_id = f"test_{secrets.token_urlsafe(18)}"
        path = reverse("billing:test_gateway", args=[external_id])
        return CheckoutSession(external_id=external_id, url=f"{path}?{_query(success_url, cancel_url)}")

    def checkout_status(self, external_id: str) -> str:
        status = PaymentAttempt.objects.filter(external_id=external_id).values_list("status", flat=True).first()
        return "pending" if status in (None, PaymentAttempt.Status.PENDING) else status

    @staticmethod
    def signature(payload: bytes) -> str:
        key = hashlib.sha256(f"test-gateway:{settings.SECRET_KEY}".encode()).digest()
        return hmac.new(key, payload, hashlib.sha256).hexdigest()

    def parse_webhook(self, *, payload: bytes, signature: str) -> GatewayEvent:
        if not signature or not hmac.compare_digest(signature, self.signature(payload)):
            raise WebhookSignatureError("bad signature")
        data = json.loads(payload)
        return GatewayEvent(id=data["id"], type=data["type"], payload=data)


def _query(success_url: str, cancel_url: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"success": success_url, "cancel": cancel_url})


GATEWAYS = {"stripe": StripeGateway, "test": TestGateway}


def get_gateway(name: str | None = None):
    name = name or settings.PAYMENT_GATEWAY
    cls = GATEWAYS.get(name) or import_string(name)
    return cls()


# --- event handling (called by services.webhook_process inside its transaction) ------------------

SUCCESS_TYPES = {"checkout.session.completed", "checkout.session.async_payment_succeeded", "test.payment.succeeded"}
FAILURE_TYPES = {
    "checkout.session.async_payment_failed", "checkout.session.expired", "payment_intent.payment_failed",
    "test.payment.failed",
}  # fmt: skip


def _attempt_for(obj: dict) -> PaymentAttempt | None:
    key = (obj.get("metadata") or {}).get("attempt_key") or obj.get("client_reference_id")
    if key:
        attempt = PaymentAttempt.objects.filter(idempotency_key=key).first()
        if attempt is not None:
            return attempt
    if obj.get("id"):
        return PaymentAttempt.objects.filter(external_id=obj["id"]).first()
    return None


def handle_event(event: WebhookEvent) -> None:
    """Apply one stored event. Unknown types are stored and marked handled (nothing to do)."""
    from billing.services import attempt_fulfil

    if event.type not in SUCCESS_TYPES | FAILURE_TYPES:
        return
    obj = (event.payload.get("data") or {}).get("object") or {}
    attempt = _attempt_for(obj)
    if attempt is None:
        raise LookupError(f"No payment attempt for event {event.event_id}")
    if event.type in SUCCESS_TYPES:
        if event.type == "checkout.session.completed" and obj.get("payment_status") not in ("paid", None):
            return  # delayed methods: async_payment_succeeded follows
        amount = obj.get("amount_total")
        decimal_amount = None
        if amount is not None:
            decimal_amount = (
                Decimal(amount) if attempt.currency.upper() in ZERO_DECIMAL else Decimal(amount) / Decimal(100)
            )
        attempt_fulfil(attempt=attempt, succeeded=True, amount=decimal_amount)
    else:
        attempt_fulfil(attempt=attempt, succeeded=False)
