"""The embedded scheduler: periodic work (reminders) inside the web process when there is no Celery beat.

`make run` on the embedded defaults is one Daphne process with eager Celery and no broker, so nothing would
ever run `send_due_reminders`. There, the ASGI module starts this thread (HMS_EMBEDDED_SCHEDULER=1, which
`make run` sets). With REDIS_URL set, Celery beat does the same work and this stays off, so a deployment with
several Daphne processes never sends from each of them (and reminders_send_due is idempotent anyway)."""

import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)
ENV_FLAG = "HMS_EMBEDDED_SCHEDULER"
_started: threading.Event | None = None


def run_due_work() -> int:
    from notifications.services import reminders_send_due

    close_old_connections()
    try:
        return reminders_send_due()
    finally:
        close_old_connections()


def _loop(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            sent = run_due_work()
            if sent:
                logger.info("Embedded scheduler sent %s reminder(s)", sent)
        except Exception:  # one failed round must not stop the next ones
            logger.exception("Embedded scheduler round failed")
        stop.wait(interval)


def start_embedded_scheduler(*, interval: float | None = None) -> threading.Event | None:
    """Start the reminder loop in a daemon thread (once per process); returns its stop event, or None when
    Celery beat is in charge (REDIS_URL set)."""
    global _started
    if settings.REDIS_URL:
        return None
    if _started is not None:
        return _started
    stop = threading.Event()
    interval = interval if interval is not None else settings.EMBEDDED_SCHEDULER_SECONDS
    threading.Thread(target=_loop, args=(stop, interval), name="hms-embedded-scheduler", daemon=True).start()
    _started = stop
    return stop


def maybe_start_from_environment() -> threading.Event | None:
    if os.environ.get(ENV_FLAG) == "1":
        return start_embedded_scheduler()
    return None
