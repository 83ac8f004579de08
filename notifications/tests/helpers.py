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


def book_through_service(
    *, patient, doctor, hospital, days_ahead: int = 3, hour: int = 10, confirm_to_patient: bool = False
) -> Appointment:
    """A real booking by the patient through the booking service (the doctor works 09:00-17:00 daily).

    The patient's own confirmation e-mail is switched off unless asked for, so delivery tests count only the
    doctor's message."""
    from appointments.models import ScheduleRange, WeeklySchedule
    from appointments.services import appointment_book
    from notifications.models import NotificationPreference

    if not confirm_to_patient:
        NotificationPreference.objects.update_or_create(
            user=patient.user, kind="appointment_confirmed", defaults={"email": False, "sms": False}
        )

    if not WeeklySchedule.objects.filter(doctor=doctor, hospital=hospital).exists():
        schedule = WeeklySchedule.objects.create(doctor=doctor, hospital=hospital, valid_from=datetime.date(2000, 1, 1))
        for weekday in range(7):
            ScheduleRange.objects.create(
                schedule=schedule, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
            )
    day = timezone.now().astimezone(hospital.tz).date() + datetime.timedelta(days=days_ahead)
    start_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=hospital.tz)
    return appointment_book(
        actor=patient.user, patient=patient, doctor=doctor, hospital=hospital, start_at=start_at,
        mode=Appointment.Mode.IN_PERSON,
    )  # fmt: skip
