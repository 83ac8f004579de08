"""Issue 11: delivery is driven from the database (a transactional outbox), sent once with a lease, and never while
a transaction or row lock is open. The three real faults (Redis restart, worker kill -9, web kill -9) are run by
bench/delivery_faults.py against real services; these tests pin each mechanism down."""

import datetime

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Delivery, Notification
from notifications.services import delivery_attempt, notify, outbox_sweep

SEEN_IN_TRANSACTION = []


class TransactionSpyBackend(EmailBackend):
    """Records whether the provider was called inside a transaction (where a row lock could be held)."""

    def send_messages(self, messages):
        SEEN_IN_TRANSACTION.append(connection.in_atomic_block)
        return super().send_messages(messages)


def test_outbox_rows_are_written_with_the_notification_and_vanish_with_its_rollback(db, patient):
    with transaction.atomic():
        notification = notify(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="Hello")
        assert list(Delivery.objects.filter(notification=notification).values_list("channel", "status")) == [
            ("email", "pending")
        ]
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - work and failure roll back together
        notify(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="Never")
        raise RuntimeError
    assert not Delivery.objects.filter(notification__title="Never").exists()


def test_sweeper_sends_a_row_whose_enqueue_was_lost_exactly_once(
    db, settings, patient, django_capture_on_commit_callbacks, monkeypatch
):
    from hms.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The rows live in this test's transaction, which a real worker cannot see: run the sweeper's task inline
    # on the Redis pass too (the real-worker path is covered by bench/delivery_faults.py and the redis tests).
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    # The commit happened but its on-commit enqueue never ran (broker down, web process killed).
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="Lost enqueue")
    assert outbox_sweep() == 0  # not yet: the fast path gets NOTIFICATIONS_OUTBOX_DELAY_SECONDS first
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=1))

    assert outbox_sweep() == 1  # eager Celery here: the task ran inline
    assert outbox_sweep() == 0
    assert [m.subject for m in mail.outbox] == ["HMS: Lost enqueue"]
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SENT


def test_a_leased_row_is_skipped_until_the_lease_runs_out(db, settings, patient, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="Leased")
    # Another worker holds the lease (e.g. it is sending right now).
    Delivery.objects.update(lease_until=timezone.now() + datetime.timedelta(seconds=60), lease_token="other")

    assert delivery_attempt(notification_id=notification.pk, channel="email", final=False) == "skipped"
    assert mail.outbox == []

    # That worker was killed: its lease expires and the row is sent once.
    Delivery.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1), next_attempt_at=None)
    assert delivery_attempt(notification_id=notification.pk, channel="email", final=False) == "sent"
    assert delivery_attempt(notification_id=notification.pk, channel="email", final=False) == "skipped"
    assert len(mail.outbox) == 1


def test_provider_is_never_called_inside_a_transaction(transactional_db, settings, patient):
    settings.EMAIL_BACKEND = f"{__name__}.TransactionSpyBackend"
    SEEN_IN_TRANSACTION.clear()
    notification = Notification.objects.create(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="Spy")

    assert delivery_attempt(notification_id=notification.pk, channel="email", final=False) == "sent"
    assert SEEN_IN_TRANSACTION == [False]
