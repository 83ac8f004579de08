"""Issue 11: call sockets do not outlive the session, the appointment or the call window; chat is rate-limited and a
NUL character in chat is a message, not a crash."""

from django.test import Client
from django.urls import reverse

from appointments.consumers import CLOSE_REFUSED
from appointments.models import Appointment, CallMessage
from appointments.services import appointment_cancel
from appointments.tests.test_call_consumer import TIMEOUT, join, pytestmark, run  # noqa: F401 - same marks

CLOSED = {"type": "websocket.close", "code": CLOSE_REFUSED}


def logged_in(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


async def until_closed(communicator) -> dict:
    while True:
        output = await communicator.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output


def test_logout_closes_the_call_socket_and_it_relays_nothing_more(doctor, patient, video_appointment):
    from asgiref.sync import sync_to_async

    doctor_client, doctor_cookie = logged_in(doctor.user)
    _, patient_cookie = logged_in(patient.user)
    pk = video_appointment.pk

    async def scenario():
        doc, _ = await join(pk, doctor_cookie)
        pat, _ = await join(pk, patient_cookie)
        await doc.receive_json_from(timeout=TIMEOUT)  # "joined"
        await sync_to_async(doctor_client.post)(reverse("account_logout"))

        assert await until_closed(doc) == CLOSED
        await doc.disconnect(timeout=TIMEOUT)  # the browser answers the server's close
        left = await pat.receive_json_from(timeout=TIMEOUT)
        assert left["type"] == "left"
        await pat.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert not CallMessage.objects.exists()


def test_a_socket_whose_session_is_gone_is_refused_on_its_next_message(doctor, patient, video_appointment):
    from asgiref.sync import sync_to_async
    from django.contrib.sessions.models import Session

    _, doctor_cookie = logged_in(doctor.user)
    pk = video_appointment.pk

    async def scenario():
        doc, _ = await join(pk, doctor_cookie)
        # The session disappears without a logout signal (expired, deleted by an admin, another process).
        await sync_to_async(Session.objects.all().delete)()
        await doc.send_json_to({"type": "chat", "body": "still here?"})
        assert await until_closed(doc) == CLOSED

    run(scenario)
    assert not CallMessage.objects.exists()


def test_cancelling_the_appointment_closes_its_call_sockets(doctor, patient, video_appointment, staff):
    from asgiref.sync import sync_to_async

    _, patient_cookie = logged_in(patient.user)
    pk = video_appointment.pk

    async def scenario():
        pat, _ = await join(pk, patient_cookie)
        await sync_to_async(appointment_cancel)(actor=doctor.user, appointment=video_appointment, reason="Ill")
        message = await pat.receive_json_from(timeout=TIMEOUT)
        assert message["type"] == "ended" and "cancelled" in message["reason"]
        assert await until_closed(pat) == CLOSED

    run(scenario)
    assert Appointment.objects.get(pk=pk).status == Appointment.Status.CANCELLED


def test_socket_closes_when_the_call_window_ends(settings, doctor, patient, hospital):
    from appointments.tests.conftest import video_appointment_for

    # The window closes CALL_CLOSES_MINUTES_AFTER the end: with -29.97 minutes it ends ~2 s from now.
    settings.CALL_CLOSES_MINUTES_AFTER = 0
    appointment = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-29.97)
    _, patient_cookie = logged_in(patient.user)

    async def scenario():
        pat, _ = await join(appointment.pk, patient_cookie)
        assert await pat.receive_json_from(timeout=TIMEOUT) == {"type": "ended"}
        assert await until_closed(pat) == CLOSED

    run(scenario)


def test_chat_is_rate_limited_and_nul_is_a_message(doctor, patient, video_appointment):
    _, patient_cookie = logged_in(patient.user)
    pk = video_appointment.pk

    async def scenario():
        pat, _ = await join(pk, patient_cookie)
        await pat.send_json_to({"type": "chat", "body": "bad\x00byte"})
        error = await pat.receive_json_from(timeout=TIMEOUT)
        assert error["type"] == "error" and "NUL" in error["message"]
        replies = []
        for index in range(12):
            await pat.send_json_to({"type": "chat", "body": f"message {index}"})
            replies.append(await pat.receive_json_from(timeout=TIMEOUT))
        assert any(r["type"] == "error" and "Too many" in r["message"] for r in replies)
        await pat.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert 1 <= CallMessage.objects.count() < 12
