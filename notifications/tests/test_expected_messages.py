"""Issue 10, defects 4 and 5: the messages people expect, and reminders that run with `make run` alone."""

import datetime
import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from hospitals.models import Hospital
from hospitals.services import hospital_set_status
from notifications import scheduler
from notifications.models import Notification, ReminderSent
from notifications.services import reminders_send_due

Status = Appointment.Status


def _titles(user, kind=None) -> list[str]:
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("title", flat=True))


# --- the hospital admin hears about approval and suspension; the bookings of a suspended hospital -------------


def test_admin_is_told_when_the_hospital_is_approved(super_admin, hospital_admin, hospital):
    Hospital.objects.filter(pk=hospital.pk).update(status=Hospital.Status.PENDING)
    hospital_set_status(actor=super_admin, hospital=hospital, status=Hospital.Status.APPROVED)
    assert _titles(hospital_admin) == ["City Care is approved"]


def test_suspending_cancels_bookings_still_to_come_and_tells_everyone(
    super_admin, hospital_admin, hospital, doctor, patient, other_patient
):
    now = timezone.now()
    coming = AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient,
                                start_at=now + datetime.timedelta(days=2))  # fmt: skip
    here_now = AppointmentFactory(hospital=hospital, doctor=doctor, patient=other_patient,
                                  start_at=now - datetime.timedelta(minutes=10), status=Status.CHECKED_IN)  # fmt: skip
    done = AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient,
                              start_at=now - datetime.timedelta(days=3), status=Status.COMPLETED)  # fmt: skip

    hospital_set_status(actor=super_admin, hospital=hospital, status=Hospital.Status.SUSPENDED)

    coming.refresh_from_db()
    assert coming.status == Status.CANCELLED
    assert "not taking appointments" in coming.cancellation_reason
    assert [a.status for a in Appointment.objects.filter(pk__in=[here_now.pk, done.pk]).order_by("start_at")] == [
        Status.COMPLETED, Status.CHECKED_IN,
    ]  # fmt: skip
    assert any(t.startswith("Appointment cancelled") for t in _titles(patient.user))
    assert any(t.startswith("Appointment cancelled") for t in _titles(doctor.user))
    admin_titles = _titles(hospital_admin)
    assert admin_titles == ["City Care is suspended"]
    assert "1 booked appointment(s)" in Notification.objects.get(recipient=hospital_admin).body


# --- the walk-in patient is invited to set a password ---------------------------------------------------


def test_walk_in_gets_an_invitation_to_set_a_password(client_for, client, staff, mailoutbox,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("appointments:desk_register"),
            {"full_name": "Walk In", "email": "walkin@example.org", "phone": "98450 11111"},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["walkin@example.org"] and "City Care" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body)
    assert link, message.body
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200 and "password" in page.content.decode().lower()


# --- the patient's own booking is confirmed; late bookings still get a reminder ---------------------------------


def test_a_booking_made_less_than_a_day_ahead_still_gets_a_reminder(patient, doctor, hospital):
    now = timezone.now().replace(microsecond=0)
    appointment = AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital,
                                     start_at=now + datetime.timedelta(hours=6))  # fmt: skip
    Appointment.objects.filter(pk=appointment.pk).update(created_at=now)
    assert reminders_send_due(now=now + datetime.timedelta(hours=1)) == 0  # 5 hours before: not yet
    assert reminders_send_due(now=now + datetime.timedelta(hours=4, minutes=5)) == 1  # under 2 hours before
    assert reminders_send_due(now=now + datetime.timedelta(hours=4, minutes=30)) == 0  # once
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["day_before"]
    assert len(_titles(patient.user, "appointment_reminder")) == 1


# --- defect 5: reminders run with `make run` alone ------------------------------------------------------------


def test_make_run_starts_the_embedded_scheduler():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "HMS_EMBEDDED_SCHEDULER=1 $(BIN)/daphne" in run_target


@pytest.mark.django_db(transaction=True)
def test_embedded_scheduler_sends_due_reminders_in_the_web_process(monkeypatch, settings, patient, doctor, hospital):
    settings.REDIS_URL = ""
    settings.EMBEDDED_SCHEDULER_SECONDS = 0.2
    monkeypatch.setattr(scheduler, "_started", None)
    monkeypatch.setenv(scheduler.ENV_FLAG, "1")
    AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital,
                       start_at=timezone.now() + datetime.timedelta(minutes=10))  # fmt: skip
    Appointment.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    stop = scheduler.maybe_start_from_environment()
    try:
        deadline = time.monotonic() + 15
        while not ReminderSent.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ReminderSent.objects.filter(kind="shortly_before").count() == 1
    finally:
        stop.set()


def test_embedded_scheduler_stays_off_where_celery_beat_runs(monkeypatch, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/1"
    monkeypatch.setattr(scheduler, "_started", None)
    assert scheduler.start_embedded_scheduler() is None
