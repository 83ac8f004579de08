"""Celery tasks: thin wrappers around the services."""

from celery import shared_task

from pharmacy.services import near_expiry_digest_send


@shared_task(acks_late=True)
def send_near_expiry_digest() -> int:
    return near_expiry_digest_send()
