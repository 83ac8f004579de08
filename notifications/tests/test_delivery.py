"""Delivery through Celery into a real SMTP outbox. With REDIS_URL set these run against a real
worker process (see conftest); without it Celery is eager and the same paths run inline."""

import datetime
import time

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Delivery, DeliveryAttempt, Notification, NotificationPreference, ReminderSent
from notifications.tasks import deliver_notification, send_due_reminders
from notifications.tests.helpers import book, book_through_service


@pytest.fixture
def sentinel(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(email="sentinel@example.org", full_name="Sentinel")


def test_booking_sends_the_doctor_exactly_one_email(delivery, sentinel, patient, doctor, hospital):
    appointment = book_through_service(patient=patient, doctor=doctor, hospital=hospital)

    [message] = delivery.wait_for_emails(1, to=doctor.user.email)
    assert message["Subject"].startswith("HMS: Appointment booked: ")
    assert message["Subject"].endswith("10:00 (Asia/Kolkata)")
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "Pat Kumar with Dr Asha Rao at City Care" in parts["text/plain"]
    assert "<h1>Appointment booked: " in parts["text/html"]
    link = f"http://127.0.0.1:8000/appointments/{appointment.pk}/"
    assert link in parts["text/plain"] and f'href="{link}"' in parts["text/html"]

    # The broker delivers the same task again (a worker died after sending, before acking): no second e-mail.
    notification = Notification.objects.get(recipient=doctor.user)
    deliver_notification.apply_async((notification.pk, "email"), queue=delivery_queue(delivery))
    delivery.drain(sentinel)
    assert len(delivery.outbox.to(doctor.user.email)) == 1
    record = Delivery.objects.get(notification=notification, channel="email")
    assert (record.status, record.attempts) == (Delivery.Status.SENT, 1)
    assert list(record.log.values_list("outcome", flat=True)) == ["sent"]


def delivery_queue(delivery) -> str:
    return delivery.worker["queue"] if delivery.worker else "celery"


def test_failing_twice_then_succeeding_sends_one_email_and_logs_three_attempts(
    delivery, sentinel, patient, doctor, hospital
):
    delivery.outbox.fail_next(2)  # the mail server refuses the next two sessions (421)

    book_through_service(patient=patient, doctor=doctor, hospital=hospital)

    delivery.wait_for_emails(1, to=doctor.user.email)
    delivery.drain(sentinel)
    assert len(delivery.outbox.to(doctor.user.email)) == 1
    assert delivery.outbox.refused == 2
    record = Delivery.objects.get(notification__recipient=doctor.user, channel="email")
    assert (record.status, record.attempts) == (Delivery.Status.SENT, 3)
    log = list(record.log.values_list("number", "outcome"))
    assert log == [(1, "failed"), (2, "failed"), (3, "sent")]
    assert "421" in record.log.first().error


def test_a_mail_server_that_never_recovers_gives_up_after_max_retries(delivery, settings, patient, doctor, hospital):
    delivery.outbox.fail_next(1000)

    book_through_service(patient=patient, doctor=doctor, hospital=hospital)

    max_retries = deliver_notification.max_retries
    record = Delivery.objects.filter(notification__recipient=doctor.user, channel="email")
    deadline = timezone.now() + datetime.timedelta(seconds=30)
    while timezone.now() < deadline and not record.filter(status=Delivery.Status.GAVE_UP).exists():
        time.sleep(0.1)
    record = record.get()
    assert record.status == Delivery.Status.GAVE_UP
    outcomes = list(record.log.values_list("outcome", flat=True))
    assert outcomes == ["failed"] * max_retries + ["gave_up"]
    assert delivery.outbox.to(doctor.user.email) == []


def test_a_rolled_back_booking_sends_nothing(delivery, sentinel, patient, doctor, hospital):
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - work and failure roll back together
        book_through_service(patient=patient, doctor=doctor, hospital=hospital)
        raise RuntimeError("the request failed after the booking and its notification were recorded")

    delivery.drain(sentinel)
    assert delivery.outbox.to(doctor.user.email) == []
    assert not Notification.objects.filter(recipient=doctor.user).exists()
    assert not Delivery.objects.filter(notification__recipient=doctor.user).exists()


def test_email_switched_off_means_no_email_but_the_in_app_notification_is_there(
    delivery, sentinel, patient, doctor, hospital
):
    NotificationPreference.objects.create(
        user=doctor.user, kind=Notification.Kind.APPOINTMENT_BOOKED, email=False, sms=False
    )

    book_through_service(patient=patient, doctor=doctor, hospital=hospital)

    delivery.drain(sentinel)
    assert delivery.outbox.to(doctor.user.email) == []
    notification = Notification.objects.get(recipient=doctor.user)
    assert notification.title.startswith("Appointment booked: ")
    assert notification.read_at is None


def test_running_the_reminder_task_twice_sends_one_reminder(delivery, sentinel, patient, doctor, hospital):
    from appointments.models import Appointment

    now = timezone.now()
    appointment = book(patient=patient, doctor=doctor, hospital=hospital, start_at=now + datetime.timedelta(minutes=10))
    Appointment.objects.filter(pk=appointment.pk).update(created_at=now - datetime.timedelta(days=3))
    delivery.wait_for_emails(1, to=doctor.user.email)  # the booking e-mail
    delivery.outbox.reset()

    send_due_reminders.apply_async(queue=delivery_queue(delivery))
    send_due_reminders.apply_async(queue=delivery_queue(delivery))

    delivery.wait_for_emails(1, to=patient.user.email)
    delivery.drain(sentinel)
    assert len(delivery.outbox.to(patient.user.email)) == 1
    assert len(delivery.outbox.to(doctor.user.email)) == 1
    assert delivery.outbox.to(patient.user.email)[0]["Subject"].startswith("HMS: Reminder: Dr Asha Rao at ")
    assert list(ReminderSent.objects.values_list("appointment_id", "kind")) == [(appointment.pk, "shortly_before")]
    assert (
        DeliveryAttempt.objects.filter(outcome="sent", delivery__notification__kind="appointment_reminder").count() == 2
    )
