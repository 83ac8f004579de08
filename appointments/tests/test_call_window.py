"""The call window and the "Join video call" button on the dashboards."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from appointments import calls
from appointments.models import Appointment
from appointments.tests.conftest import video_appointment_for
from appointments.tests.factories import AppointmentFactory
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_window_opens_ten_minutes_before_and_closes_thirty_after_the_end(video_appointment):
    window = calls.call_window(video_appointment)
    assert window.opens_at == video_appointment.start_at - datetime.timedelta(minutes=10)
    assert window.closes_at == video_appointment.end_at + datetime.timedelta(minutes=30)
    before = window.opens_at - datetime.timedelta(seconds=1)
    assert calls.call_status(video_appointment, now=before).state == "before"
    assert calls.call_status(video_appointment, now=window.opens_at).state == "open"
    assert calls.call_status(video_appointment, now=window.closes_at).state == "open"
    assert calls.call_status(video_appointment, now=window.closes_at + datetime.timedelta(seconds=1)).state == "after"


def test_window_follows_settings(settings, video_appointment):
    settings.CALL_OPENS_MINUTES_BEFORE = 2
    settings.CALL_CLOSES_MINUTES_AFTER = 5
    window = calls.call_window(video_appointment)
    assert window.opens_at == video_appointment.start_at - datetime.timedelta(minutes=2)
    assert window.closes_at == video_appointment.end_at + datetime.timedelta(minutes=5)


def test_in_person_cancelled_and_completed_appointments_have_no_call(doctor, patient, hospital):
    in_person = video_appointment_for(doctor, patient, hospital, mode=Appointment.Mode.IN_PERSON)
    assert calls.call_status(in_person).state == "unavailable"
    in_person.mode = Appointment.Mode.VIDEO
    for status in (Appointment.Status.CANCELLED, Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        in_person.status = status
        assert calls.call_status(in_person).state == "unavailable"


def test_opening_time_is_shown_in_the_hospital_zone(doctor, patient, hospital):
    # 12:00 UTC is 17:30 in Asia/Kolkata; the call opens at 17:20 IST.
    start = (timezone.now() + datetime.timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    appt = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, start_at=start,
                              end_at=start + datetime.timedelta(minutes=30), mode=Appointment.Mode.VIDEO)  # fmt: skip
    status = calls.call_status(appt)
    assert status.state == "before"
    assert "17:20 IST (Asia/Kolkata)" in status.opens_at_local


def test_patient_dashboard_join_button_active_inside_the_window(client_for, patient, video_appointment):
    response = client_for(patient.user).get(reverse("patients:dashboard"))
    assert response.status_code == 200
    url = reverse("appointments:call", args=[video_appointment.pk])
    assert f'href="{url}"' in response.content.decode()
    assert "Join video call" in response.content.decode()


def test_doctor_dashboard_keeps_the_button_after_the_start(client_for, doctor, patient, hospital):
    # Started 20 minutes ago: no longer "upcoming", but the call is still open.
    appt = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-20)
    response = client_for(doctor.user).get(reverse("doctors:dashboard"))
    assert f'href="{reverse("appointments:call", args=[appt.pk])}"' in response.content.decode()


def test_dashboard_says_when_the_call_opens(client_for, patient, doctor, hospital):
    start = (timezone.now() + datetime.timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    appt = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, start_at=start,
                              end_at=start + datetime.timedelta(minutes=30), mode=Appointment.Mode.VIDEO)  # fmt: skip
    html = client_for(patient.user).get(reverse("patients:dashboard")).content.decode()
    assert "Opens " in html and "17:20 IST (Asia/Kolkata)" in html
    assert reverse("appointments:call", args=[appt.pk]) not in html


def test_join_button_says_the_window_has_passed(patient, doctor, hospital):
    # An appointment that ended 31 minutes ago (the window closes 30 minutes after the end).
    appt = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-61)
    html = render_to_string("appointments/_join_call_button.html", {"appt": appt})
    assert "The call window has passed." in html
    assert reverse("appointments:call", args=[appt.pk]) not in html
    assert "disabled" in html


def test_in_person_appointment_has_no_button(client_for, patient, doctor, hospital):
    video_appointment_for(doctor, patient, hospital, mode=Appointment.Mode.IN_PERSON)
    html = client_for(patient.user).get(reverse("patients:dashboard")).content.decode()
    assert "Join video call" not in html


def test_doctor_dashboard_query_count_does_not_grow_with_video_appointments(
    client_for, doctor, hospital, django_assert_max_num_queries
):
    client = client_for(doctor.user)
    video_appointment_for(doctor, PatientFactory(), hospital, starts_in_minutes=5)
    with django_assert_max_num_queries(15) as one:
        client.get(reverse("doctors:dashboard"))
    for minutes in range(60, 60 * 9, 60):
        video_appointment_for(doctor, PatientFactory(), hospital, starts_in_minutes=minutes)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("doctors:dashboard"))
