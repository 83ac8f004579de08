"""The Twilio-compatible SMS adapter against a real local HTTP server (its HTTP boundary)."""

import base64

import pytest

from accounts.tests.factories import UserFactory
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.services import delivery_attempt
from notifications.sms import LogSmsBackend, SmsError, TwilioSmsBackend, get_sms_backend
from notifications.tests.factories import NotificationFactory


def _adapter(stub) -> TwilioSmsBackend:
    return TwilioSmsBackend(base_url=stub.base_url, account_sid="AC123", auth_token="s3cret", from_number="+15550001")


def test_twilio_adapter_posts_a_form_with_basic_auth_to_the_messages_endpoint(sms_provider):
    sid = _adapter(sms_provider).send(to="+919800000001", body="HMS: Reminder at 10:00 IST")

    assert sid == "SM" + "1".zfill(32)
    [request] = sms_provider.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["authorization"] == "Basic " + base64.b64encode(b"AC123:s3cret").decode()
    assert request["form"] == {"To": "+919800000001", "From": "+15550001", "Body": "HMS: Reminder at 10:00 IST"}


def test_twilio_adapter_turns_a_provider_error_into_sms_error(sms_provider):
    sms_provider.status = 400
    with pytest.raises(SmsError, match=r"400.*not a valid phone number"):
        _adapter(sms_provider).send(to="12", body="x")


def test_twilio_adapter_reports_an_unreachable_provider():
    adapter = TwilioSmsBackend(
        base_url="http://127.0.0.1:9", account_sid="AC1", auth_token="t", from_number="+1", timeout=2
    )
    with pytest.raises(SmsError, match="unreachable"):
        adapter.send(to="+1555", body="x")


def test_twilio_adapter_needs_its_settings(settings):
    settings.SMS_ACCOUNT_SID = ""
    with pytest.raises(SmsError, match="SMS_ACCOUNT_SID"):
        TwilioSmsBackend(base_url="https://api.example")


def test_the_log_backend_is_the_default(settings):
    assert isinstance(get_sms_backend(), LogSmsBackend)


def test_sms_delivery_goes_through_the_configured_provider_once(db, settings, sms_provider):
    settings.SMS_BACKEND = "notifications.sms.TwilioSmsBackend"
    settings.SMS_API_BASE_URL = sms_provider.base_url
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM_NUMBER = "AC9", "tok", "+15550009"
    user = UserFactory(phone="+919800000002")
    NotificationPreference.objects.create(user=user, kind=Notification.Kind.ACCOUNT, email=False, sms=True)
    notification = NotificationFactory(recipient=user, title="Your account is ready", url="/dashboard/")

    assert delivery_attempt(notification_id=notification.pk, channel="sms", final=False) == "sent"
    assert delivery_attempt(notification_id=notification.pk, channel="sms", final=False) == "skipped"

    [request] = sms_provider.requests
    assert request["form"]["To"] == "+919800000002"
    assert request["form"]["Body"] == "HMS: Your account is ready Something happened. http://127.0.0.1:8000/dashboard/"
    assert Delivery.objects.get(notification=notification, channel="sms").destination == "+919800000002"


def test_a_failing_provider_is_logged_as_a_failed_attempt(db, settings, sms_provider):
    settings.SMS_BACKEND = "notifications.sms.TwilioSmsBackend"
    settings.SMS_API_BASE_URL = sms_provider.base_url
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM_NUMBER = "AC9", "tok", "+15550009"
    sms_provider.status = 503
    notification = NotificationFactory(recipient=UserFactory(phone="+4930123"))

    assert delivery_attempt(notification_id=notification.pk, channel="sms", final=False) == "failed"
    sms_provider.status = 201
    assert delivery_attempt(notification_id=notification.pk, channel="sms", final=False) == "sent"

    delivery = Delivery.objects.get(notification=notification)
    assert list(delivery.log.values_list("outcome", flat=True)) == ["failed", "sent"]
    assert "503" in delivery.log.first().error
