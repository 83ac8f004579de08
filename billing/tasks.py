"""Celery tasks: thin wrappers around billing services (ids in, idempotent)."""

from celery import shared_task

from billing.services import invoices_issue_due, payment_reminders_send_due, webhooks_retry_unprocessed


@shared_task(acks_late=True)
def retry_webhook_events() -> int:
    """Events whose handling failed (or whose process died) are handled again."""
    return webhooks_retry_unprocessed()


@shared_task(acks_late=True)
def send_payment_reminders() -> int:
    return payment_reminders_send_due()


@shared_task(acks_late=True)
def issue_due_invoices() -> int:
    return invoices_issue_due()
