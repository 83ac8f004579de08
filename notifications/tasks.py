"""Celery tasks: thin wrappers around the services. They take ids, never model instances."""

from celery import shared_task
from django.conf import settings

from notifications.models import DeliveryAttempt
from notifications.services import delivery_attempt, outbox_sweep, reminders_send_due, retry_countdown


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=settings.NOTIFICATIONS_MAX_RETRIES)
def deliver_notification(self, notification_id: int, channel: str) -> str:
    retries = self.request.retries
    while True:
        outcome = delivery_attempt(notification_id=notification_id, channel=channel, final=retries >= self.max_retries)
        if outcome != DeliveryAttempt.Outcome.FAILED:
            return outcome
        if not self.request.is_eager:
            # Back to the broker with exponential backoff; acks_late keeps it safe if the worker dies.
            raise self.retry(countdown=retry_countdown(retries))
        # Eager (embedded mode): no broker to hold a delayed retry, so try again right away.
        retries += 1


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    return reminders_send_due()


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    return outbox_sweep()
