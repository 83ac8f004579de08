import pytest

from accounts.tests.factories import UserFactory
from notifications.models import Notification, NotificationPreference
from notifications.services import (
    NotificationError,
    delivery_channels,
    notification_mark_read,
    notifications_mark_all_read,
    preference_choices,
    preferences_update,
    retry_countdown,
)
from notifications.tests.factories import NotificationFactory

Kind = Notification.Kind


def test_defaults_are_email_on_and_sms_off(db):
    user = UserFactory(phone="+4930111")
    assert delivery_channels(recipient=user, kind=Kind.APPOINTMENT_BOOKED) == ["email"]
    assert preference_choices(user)[Kind.PRESCRIPTION_ISSUED] == {"email": True, "sms": False}


def test_channels_follow_preferences_and_sms_needs_a_phone(db):
    user = UserFactory(phone="+4930111")
    preferences_update(actor=user, choices={Kind.APPOINTMENT_BOOKED: {"email": False, "sms": True}})
    assert delivery_channels(recipient=user, kind=Kind.APPOINTMENT_BOOKED) == ["sms"]
    assert delivery_channels(recipient=user, kind=Kind.APPOINTMENT_REMINDER) == ["email"]

    user.phone = ""
    user.save()
    assert delivery_channels(recipient=user, kind=Kind.APPOINTMENT_BOOKED) == []


def test_sms_cannot_be_switched_on_without_a_phone_number(db):
    user = UserFactory(phone="")
    with pytest.raises(NotificationError, match="phone number"):
        preferences_update(actor=user, choices={Kind.APPOINTMENT_BOOKED: {"email": True, "sms": True}})
    assert not NotificationPreference.objects.exists()


def test_unknown_kinds_are_refused(db):
    with pytest.raises(NotificationError):
        preferences_update(actor=UserFactory(), choices={"nonsense": {"email": True, "sms": False}})


def test_mark_read_only_for_the_recipient(db):
    notification = NotificationFactory()
    with pytest.raises(NotificationError):
        notification_mark_read(actor=UserFactory(), notification=notification)
    notification_mark_read(actor=notification.recipient, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read_touches_only_the_actors_notifications(db):
    mine = NotificationFactory.create_batch(3)
    for n in mine[1:]:
        n.recipient = mine[0].recipient
        n.save()
    theirs = NotificationFactory()
    assert notifications_mark_all_read(actor=mine[0].recipient) == 3
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_retry_backoff_is_exponential_and_capped(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 300
    assert [retry_countdown(n) for n in range(5)] == [30, 60, 120, 240, 300]
