import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from notifications.models import Notification, ReminderSent
from notifications.services import reminders_send_due

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def appointment_at(patient, doctor, hospital):
    def make(minutes_ahead: int, *, booked_days_ago: int = 3, **extra) -> Appointment:
        appointment = AppointmentFactory(
            patient=patient,
            doctor=doctor,
            hospital=hospital,
            start_at=NOW + datetime.timedelta(minutes=minutes_ahead),
            **extra,
        )
        Appointment.objects.filter(pk=appointment.pk).update(created_at=NOW - datetime.timedelta(days=booked_days_ago))
        return appointment

    return make


def _titles(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="appointment_reminder").values_list("title", flat=True)
    )


def test_day_before_reminder_goes_to_patient_and_doctor_once(appointment_at, patient, doctor):
    appointment = appointment_at(23 * 60)

    assert reminders_send_due(now=NOW) == 1
    assert reminders_send_due(now=NOW) == 0

    local = timezone.localtime(appointment.start_at, appointment.hospital.tz)
    assert _titles(patient.user) == [f"Reminder: Dr Asha Rao at {local:%a %d %b %Y, %H:%M} IST"]
    assert _titles(doctor.user) == [f"Reminder: Pat Kumar at {local:%a %d %b %Y, %H:%M} IST"]
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["day_before"]


def test_nothing_is_due_too_early_and_each_window_fires_once(appointment_at, patient):
    appointment_at(25 * 60)
    assert reminders_send_due(now=NOW) == 0

    later = NOW + datetime.timedelta(hours=2)  # now 23 hours before
    assert reminders_send_due(now=later) == 1
    shortly = NOW + datetime.timedelta(hours=24, minutes=50)  # 10 minutes before
    assert reminders_send_due(now=shortly) == 1
    assert reminders_send_due(now=shortly) == 0
    assert sorted(ReminderSent.objects.values_list("kind", flat=True)) == ["day_before", "shortly_before"]
    assert len(_titles(patient.user)) == 2


def test_inside_the_short_window_only_the_short_reminder_goes_out(appointment_at, patient):
    appointment_at(10)
    assert reminders_send_due(now=NOW) == 1
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["shortly_before"]


def test_cancelled_past_and_freshly_booked_appointments_get_no_reminder(appointment_at):
    appointment_at(60, status=Appointment.Status.CANCELLED)
    appointment_at(-30)  # already started
    appointment_at(120, booked_days_ago=0)  # booked moments ago: the booking confirmation was the news
    assert reminders_send_due(now=NOW) == 0
    assert not ReminderSent.objects.exists()


def test_video_reminder_shortly_before_carries_the_call_link(appointment_at, patient):
    appointment = appointment_at(12, mode=Appointment.Mode.VIDEO)

    reminders_send_due(now=NOW)

    reminder = Notification.objects.get(recipient=patient.user, kind="appointment_reminder")
    assert reminder.body.startswith("Video consultation. Join the video call: http://127.0.0.1:8000/")
    # The call page's URL when the video-call feature is installed; else the best page that exists.
    from django.urls import NoReverseMatch, reverse

    try:
        expected = reverse("appointments:call", args=[appointment.pk])
    except NoReverseMatch:
        try:
            expected = reverse("appointments:detail", args=[appointment.pk])
        except NoReverseMatch:
            expected = reverse("dashboard")
    assert reminder.url == expected
    assert reminder.body.endswith(expected)


def test_management_command_sends_due_reminders(appointment_at, capsys):
    appointment = appointment_at(10)
    # The command reads the real clock, not the module's NOW (collected minutes earlier in a long suite run).
    start = timezone.now() + datetime.timedelta(minutes=10)
    Appointment.objects.filter(pk=appointment.pk).update(start_at=start, end_at=start + datetime.timedelta(minutes=30))
    call_command("send_due_reminders")
    call_command("send_due_reminders")
    assert capsys.readouterr().out.splitlines() == ["Sent 1 reminder(s).", "Sent 0 reminder(s)."]
