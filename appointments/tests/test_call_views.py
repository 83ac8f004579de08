"""The call page, its ICE servers (with coturn REST-API credentials), the call record and "mark completed"."""

import base64
import datetime
import hashlib
import hmac
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appointments import calls
from appointments.models import Appointment, CallAttendance
from appointments.tests.conftest import video_appointment_for

pytestmark = pytest.mark.django_db


# --- call page ---------------------------------------------------------------------------------


def test_doctor_sees_the_call_page_with_the_patient_summary(client_for, doctor, patient, video_appointment):
    patient.date_of_birth = datetime.date(1985, 4, 12)
    patient.sex = "male"
    patient.save()
    response = client_for(doctor.user).get(reverse("appointments:call", args=[video_appointment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Video consultation with Pat Kumar" in html
    assert patient.patient_number in html
    assert "Chest pain on stairs" in html
    assert "Male" in html and " years" in html
    assert 'src="/static/js/call.js"' in html
    assert 'id="call-config" type="application/json"' in html
    assert f"/ws/calls/{video_appointment.pk}/" in html
    # It starts in five minutes: "completed" waits for the start, and the page says so.
    assert "Mark appointment completed" not in html
    assert "can be marked completed once it has started" in html
    assert "<script>" not in html  # CSP: no inline script


def test_patient_sees_the_call_page_without_the_doctor_panel(client_for, patient, video_appointment):
    response = client_for(patient.user).get(reverse("appointments:call", args=[video_appointment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Video consultation with Dr Asha Rao" in html
    assert "Mark appointment completed" not in html
    assert "Call record" not in html


@pytest.mark.parametrize("persona", ["other_patient", "other_doctor", "hospital_admin", "staff", "super_admin"])
def test_nobody_else_can_open_the_call_page(request, client_for, persona, video_appointment):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)
    assert client_for(user).get(reverse("appointments:call", args=[video_appointment.pk])).status_code == 404
    assert client_for(user).get(reverse("appointments:call_ice", args=[video_appointment.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client_for, video_appointment):
    response = client_for(None).get(reverse("appointments:call", args=[video_appointment.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_before_the_window_the_page_says_when_it_opens(client_for, patient, doctor, hospital):
    appt = video_appointment_for(doctor, patient, hospital, starts_in_minutes=60 * 24)
    html = client_for(patient.user).get(reverse("appointments:call", args=[appt.pk])).content.decode()
    assert "The video call opens at" in html and "(Asia/Kolkata)" in html
    assert "call.js" not in html


def test_after_the_window_the_page_says_it_has_passed(client_for, patient, doctor, hospital):
    appt = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-120)
    html = client_for(patient.user).get(reverse("appointments:call", args=[appt.pk])).content.decode()
    assert "The call window for this appointment has passed" in html
    assert "call.js" not in html


def test_visit_link_appears_only_when_the_visit_page_exists(client_for, doctor, video_appointment):
    from django.urls import NoReverseMatch

    html = client_for(doctor.user).get(reverse("appointments:call", args=[video_appointment.pk])).content.decode()
    try:
        visit_url = reverse("prescriptions:visit", args=[video_appointment.pk])
    except NoReverseMatch:
        assert "Open the visit page" not in html
    else:
        assert f'href="{visit_url}"' in html


# --- ICE servers / TURN credentials --------------------------------------------------------------


def test_no_ice_servers_by_default(client_for, patient, video_appointment):
    response = client_for(patient.user).get(reverse("appointments:call_ice", args=[video_appointment.pk]))
    assert response.status_code == 200
    assert response.json() == {"iceServers": []}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_turn_credentials_follow_the_coturn_rest_api(client_for, settings, patient, video_appointment):
    settings.CALL_STUN_URLS = ["stun:turn.example.org:3478"]
    settings.CALL_TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.CALL_TURN_SECRET = "north-wind"
    settings.CALL_TURN_TTL_SECONDS = 3600
    before = int(time.time())
    servers = client_for(patient.user).get(reverse("appointments:call_ice", args=[video_appointment.pk])).json()
    stun, turn = servers["iceServers"]
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert turn["urls"] == settings.CALL_TURN_URLS
    expiry, user_id = turn["username"].split(":")
    assert user_id == str(patient.user.pk)
    assert before + 3600 <= int(expiry) <= int(time.time()) + 3600
    expected = base64.b64encode(hmac.new(b"north-wind", turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected


def test_turn_credential_matches_a_known_vector():
    # Computed with: echo -n "1700000000:42" | openssl dgst -sha1 -hmac north-wind -binary | base64
    username, credential = calls.turn_credentials(user_id=42, secret="north-wind", ttl_seconds=0, now=1_700_000_000)
    assert username == "1700000000:42"
    assert credential == "6hwnrZiUDHkxY5CYq4XHhx2DHas="


def test_turn_without_a_secret_is_not_offered(client_for, settings, patient, video_appointment):
    settings.CALL_TURN_URLS = ["turn:turn.example.org:3478"]
    settings.CALL_TURN_SECRET = ""
    servers = client_for(patient.user).get(reverse("appointments:call_ice", args=[video_appointment.pk])).json()
    assert servers == {"iceServers": []}


# --- marking the appointment completed --------------------------------------------------------


def test_doctor_marks_the_appointment_completed(client_for, doctor, patient, hospital):
    video_appointment = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-5)
    url = reverse("appointments:call_complete", args=[video_appointment.pk])
    response = client_for(doctor.user).post(url, follow=True)
    assert response.status_code == 200
    video_appointment.refresh_from_db()
    assert video_appointment.status == Appointment.Status.COMPLETED
    assert video_appointment.events.get().actor == doctor.user
    assert "marked completed" in response.content.decode()
    # A second press explains instead of failing.
    response = client_for(doctor.user).post(url, follow=True)
    assert "cannot be marked completed" in response.content.decode()


@pytest.mark.parametrize("starts_in_minutes", [5, 5 * 24 * 60])
def test_the_call_page_cannot_complete_a_visit_that_has_not_started(client_for, doctor, patient, hospital,
                                                                     starts_in_minutes):  # fmt: skip
    """The same "has not started yet" rule as the visit buttons (it once completed a visit five days early)."""
    appointment = video_appointment_for(doctor, patient, hospital, starts_in_minutes=starts_in_minutes)
    client = client_for(doctor.user)
    if starts_in_minutes < 60:
        assert (
            "Mark appointment completed"
            not in client.get(reverse("appointments:call", args=[appointment.pk])).content.decode()
        )
    response = client.post(reverse("appointments:call_complete", args=[appointment.pk]), follow=True)
    assert "This appointment has not started yet." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_patient_cannot_mark_completed(client_for, patient, video_appointment):
    response = client_for(patient.user).post(reverse("appointments:call_complete", args=[video_appointment.pk]))
    assert response.status_code == 403
    video_appointment.refresh_from_db()
    assert video_appointment.status == Appointment.Status.BOOKED


def test_other_doctor_cannot_mark_completed(client_for, other_doctor, video_appointment):
    response = client_for(other_doctor.user).post(reverse("appointments:call_complete", args=[video_appointment.pk]))
    assert response.status_code == 404


def test_mark_completed_needs_post(client_for, doctor, video_appointment):
    response = client_for(doctor.user).get(reverse("appointments:call_complete", args=[video_appointment.pk]))
    assert response.status_code == 405


# --- call record ----------------------------------------------------------------------------------


@pytest.fixture
def attended(video_appointment, doctor, patient):
    joined = timezone.now().replace(microsecond=0)
    CallAttendance.objects.create(appointment=video_appointment, user=doctor.user, joined_at=joined,
                                  left_at=joined + datetime.timedelta(minutes=12))  # fmt: skip
    CallAttendance.objects.create(appointment=video_appointment, user=patient.user, joined_at=joined)
    return video_appointment


def test_hospital_admin_sees_join_and_leave_times(client_for, hospital_admin, attended):
    response = client_for(hospital_admin).get(reverse("appointments:call_record", args=[attended.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Asha Rao (Doctor)" in html and "Pat Kumar (Patient)" in html
    assert "IST" in html and "Times in Asia/Kolkata" in html
    assert "12.0" in html and "still in the call" in html


def test_doctor_sees_the_record_on_the_call_page(client_for, doctor, attended):
    html = client_for(doctor.user).get(reverse("appointments:call", args=[attended.pk])).content.decode()
    assert "Call record" in html and "Pat Kumar (Patient)" in html


@pytest.mark.parametrize(("persona", "status"), [("other_hospital_admin", 404), ("patient", 403), ("staff", 403)])
def test_call_record_is_not_for_others(request, client_for, persona, status, attended):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)
    assert client_for(user).get(reverse("appointments:call_record", args=[attended.pk])).status_code == status


# --- demo -------------------------------------------------------------------------------------------


def test_make_demo_call_is_idempotent(doctor, patient, hospital):
    doctor.user.email = "doctor@example.com"
    doctor.user.save()
    patient.user.email = "patient@example.com"
    patient.user.save()
    call_command("make_demo_call")
    call_command("make_demo_call")
    appointment = Appointment.objects.get()
    assert appointment.mode == Appointment.Mode.VIDEO
    assert calls.call_status(appointment).is_open
    assert appointment.hospital == hospital


def test_appointment_detail_links_the_call_and_its_record(client_for, doctor, patient, hospital_admin, attended):
    detail = reverse("appointments:detail", args=[attended.pk])
    record = f'href="{reverse("appointments:call_record", args=[attended.pk])}"'
    call = f'href="{reverse("appointments:call", args=[attended.pk])}"'
    admin_html = client_for(hospital_admin).get(detail).content.decode()
    assert record in admin_html and call not in admin_html
    doctor_html = client_for(doctor.user).get(detail).content.decode()
    assert record in doctor_html and call in doctor_html
    patient_html = client_for(patient.user).get(detail).content.decode()
    assert call in patient_html and record not in patient_html
