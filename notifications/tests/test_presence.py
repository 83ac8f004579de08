import time

import pytest
from django.template import Context, Template
from django.urls import reverse

from notifications.presence import is_online, online_among, presence_leave, presence_sweep, presence_touch


def test_online_while_any_tab_is_connected(db, doctor):
    assert presence_touch(doctor_id=doctor.pk, connection="tab-1") is True
    assert presence_touch(doctor_id=doctor.pk, connection="tab-2") is False
    assert presence_leave(doctor_id=doctor.pk, connection="tab-1") is False
    assert is_online(doctor.pk)
    assert presence_leave(doctor_id=doctor.pk, connection="tab-2") is True
    assert not is_online(doctor.pk)


def test_a_crashed_browser_goes_offline_after_the_ttl_and_the_sweep_reports_it(db, settings, doctor, other_doctor):
    settings.PRESENCE_TTL_SECONDS = 1
    presence_touch(doctor_id=doctor.pk, connection="crashed-tab")
    presence_touch(doctor_id=other_doctor.pk, connection="live-tab")
    assert online_among([doctor.pk, other_doctor.pk]) == {doctor.pk, other_doctor.pk}

    time.sleep(0.7)
    presence_touch(doctor_id=other_doctor.pk, connection="live-tab")  # heartbeat
    time.sleep(0.5)

    assert online_among([doctor.pk, other_doctor.pk]) == {other_doctor.pk}
    assert presence_sweep(every_seconds=1) == [doctor.pk]
    assert presence_sweep(every_seconds=1) == []  # at most once per interval


def test_presence_endpoint_is_public_and_answers_for_the_asked_doctors(client, db, doctor, other_doctor):
    presence_touch(doctor_id=doctor.pk, connection="tab")
    response = client.get(reverse("notifications:presence"), {"doctor": [doctor.pk, other_doctor.pk, "x"]})
    assert response.json() == {"online": [doctor.pk], "busy": []}


@pytest.mark.parametrize("online", [True, False])
def test_badge_template_tag(db, doctor, online):
    if online:
        presence_touch(doctor_id=doctor.pk, connection="tab")
    html = Template("{% load presence %}{% doctor_presence_badge doctor %}").render(Context({"doctor": doctor}))
    assert f'data-presence-doctor="{doctor.pk}"' in html
    assert ("Online" if online else "Offline") in html
    assert "js/presence.js" in html


def test_doctor_dashboard_shows_the_doctors_own_badge(client_for, doctor):
    html = client_for(doctor.user).get(reverse("doctors:dashboard")).content.decode()
    assert f'data-presence-doctor="{doctor.pk}"' in html


def test_a_reload_racing_the_old_tabs_close_does_not_lose_the_later_offline(db, settings, doctor, monkeypatch):
    """Issue 10, defect 9 (one loaded run in six lost the "offline" push). On a reload the old tab's close and
    the new tab's connect race. The old tab's "remove from the online set" used to land after the new tab's
    "add", so the doctor was online but unwatched, and when the new tab later died silently the sweep never
    reported them offline. Here the interleaving is forced: the leave is paused just before it updates the set."""
    import threading

    from notifications import presence

    settings.PRESENCE_TTL_SECONDS = 1
    presence_touch(doctor_id=doctor.pk, connection="old-tab")
    real = presence._set_online_member
    paused, release = threading.Event(), threading.Event()

    def slow_set(doctor_id, online):
        if not online and not paused.is_set():
            paused.set()
            release.wait(5)
        real(doctor_id, online)

    monkeypatch.setattr(presence, "_set_online_member", slow_set)
    leaver = threading.Thread(target=presence_leave, kwargs={"doctor_id": doctor.pk, "connection": "old-tab"})
    leaver.start()
    assert paused.wait(5)
    toucher = threading.Thread(target=presence_touch, kwargs={"doctor_id": doctor.pk, "connection": "new-tab"})
    toucher.start()
    toucher.join(0.3)
    release.set()
    leaver.join(5)
    toucher.join(5)
    assert is_online(doctor.pk)

    time.sleep(1.3)  # the new tab dies without a goodbye
    assert presence_sweep(every_seconds=1) == [doctor.pk]


# --- busy during a consultation or a video call (issue 10, defect 9) -------------------------------------------


def _badge(doctor) -> str:
    return Template("{% load presence %}{% doctor_presence_badge doctor %}").render(Context({"doctor": doctor}))


def test_doctor_is_busy_during_a_consultation(
    db, client, doctor, patient, hospital, django_capture_on_commit_callbacks
):
    from appointments.models import Appointment
    from appointments.services import appointment_transition
    from appointments.tests.factories import AppointmentFactory

    presence_touch(doctor_id=doctor.pk, connection="tab")
    visit = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, status="checked_in")
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(actor=doctor.user, appointment=visit, to_status=Appointment.Status.IN_PROGRESS)
    assert "Busy" in _badge(doctor)
    assert client.get(reverse("notifications:presence"), {"doctor": doctor.pk}).json() == {
        "online": [doctor.pk], "busy": [doctor.pk],
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(actor=doctor.user, appointment=visit, to_status=Appointment.Status.COMPLETED)
    assert "Online" in _badge(doctor) and "Busy" not in _badge(doctor)


def test_doctor_is_busy_in_a_video_call_and_never_when_offline(db, doctor, patient, hospital,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    from appointments import calls
    from appointments.tests.conftest import video_appointment_for

    appointment = video_appointment_for(doctor, patient, hospital)
    presence_touch(doctor_id=doctor.pk, connection="tab")
    with django_capture_on_commit_callbacks(execute=True):
        patient_row = calls.call_join(actor=patient.user, appointment=appointment)
    assert "Online" in _badge(doctor)  # the patient waiting does not make the doctor busy
    with django_capture_on_commit_callbacks(execute=True):
        row = calls.call_join(actor=doctor.user, appointment=appointment)
    assert "Busy" in _badge(doctor)
    presence_leave(doctor_id=doctor.pk, connection="tab")
    assert "Offline" in _badge(doctor)
    presence_touch(doctor_id=doctor.pk, connection="tab")
    with django_capture_on_commit_callbacks(execute=True):
        calls.call_leave(actor=doctor.user, attendance_id=row.pk)
        calls.call_leave(actor=patient.user, attendance_id=patient_row.pk)
    assert "Online" in _badge(doctor)
