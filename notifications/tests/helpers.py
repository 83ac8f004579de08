import datetime
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from notifications.models import Notification
from notifications.services import local_time_label, notify


def book(*, patient, doctor, hospital, start_at=None, mode=Appointment.Mode.IN_PERSON) -> Appointment:
    """A booking as the booking service records it: the appointment and the doctor's notification in one
    transaction (deliveries go out on commit)."""
    start_at = start_at or timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=2)
    with transaction.atomic():
        appointment = AppointmentFactory(
            patient=patient, doctor=doctor, hospital=hospital, start_at=start_at, mode=mode, booked_by=patient.user
        )
        notify(
            recipient=doctor.user,
            kind=Notification.Kind.APPOINTMENT_BOOKED,
            title=f"New appointment: {patient.user.full_name} at {local_time_label(appointment)}",
            body=f"{hospital.name} · {appointment.get_mode_display()}",
            url="/dashboard/",
        )
    return appointment


def in_fresh_thread(fn, *args, **kwargs):
    """Run `fn` in a new thread and return its result. Playwright's sync API keeps an event loop
    running in the test thread for the whole session once a browser test has run, and asgiref
    refuses async_to_sync (websocket pokes, consumer scenarios) in a thread with a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
