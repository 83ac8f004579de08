"""The signalling consumer at /ws/calls/<id>/, through the real ASGI stack (origin check, session auth)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from appointments.consumers import CLOSE_REFUSED, CLOSE_REPLACED
from appointments.models import Appointment, CallAttendance, CallMessage
from appointments.tests.conftest import video_appointment_for
from hms.asgi import application

# The consumer reads the database from Channels' worker threads: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://testserver"
TIMEOUT = 10  # generous: a loaded CI machine with Redis can be slow; it only matters when a test fails


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # Each scenario runs on its own event loop; a channels-redis layer (and its connection pools) belongs
    # to the loop that used it, so every test gets a new one.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def cookie_for(user) -> bytes:
    if user is None:
        return b""
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(appointment_id: int, cookie: bytes, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/calls/{appointment_id}/", headers=headers)


async def join(appointment_id: int, cookie: bytes) -> tuple[WebsocketCommunicator, dict]:
    communicator = socket(appointment_id, cookie)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    welcome = await communicator.receive_json_from(timeout=TIMEOUT)
    assert welcome["type"] == "welcome"
    return communicator, welcome


def run(scenario):
    """Run an async scenario on its own thread and loop: Playwright (browser tests in the same worker)
    leaves an event loop on the main thread, where async_to_sync refuses to run."""

    def in_thread():
        try:
            async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(in_thread).result()


def test_doctor_and_patient_relay_to_each_other(doctor, patient, video_appointment):
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)
    pk = video_appointment.pk

    async def scenario():
        doc, doc_welcome = await join(pk, doctor_cookie)
        assert doc_welcome["role"] == "doctor" and doc_welcome["polite"] is False
        pat, pat_welcome = await join(pk, patient_cookie)
        assert pat_welcome["role"] == "patient" and pat_welcome["polite"] is True

        joined = await doc.receive_json_from(timeout=TIMEOUT)
        assert joined["type"] == "joined" and joined["from"] == "patient"
        patient_session = joined["session"]

        await doc.send_json_to({"type": "present"})
        present = await pat.receive_json_from(timeout=TIMEOUT)
        assert present["type"] == "present" and present["from"] == "doctor"

        offer = {"type": "offer", "sdp": "v=0 doctor offer"}
        await doc.send_json_to({"type": "description", "description": offer})
        got = await pat.receive_json_from(timeout=TIMEOUT)
        assert got == {"type": "description", "from": "doctor", "session": present["session"], "description": offer}

        candidate = {"candidate": "candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host", "sdpMid": "0"}
        await pat.send_json_to({"type": "candidate", "candidate": candidate})
        got = await doc.receive_json_from(timeout=TIMEOUT)
        assert got == {"type": "candidate", "from": "patient", "session": patient_session, "candidate": candidate}

        # Nobody hears their own signalling back.
        assert await doc.receive_nothing(timeout=0.2)
        assert await pat.receive_nothing(timeout=0.2)

        await pat.send_json_to({"type": "hangup"})
        assert (await doc.receive_json_from(timeout=TIMEOUT))["type"] == "hangup"
        await pat.disconnect(timeout=TIMEOUT)
        left = await doc.receive_json_from(timeout=TIMEOUT)
        assert left["type"] == "left" and left["session"] == patient_session
        await doc.disconnect(timeout=TIMEOUT)

    run(scenario)
    rows = {row.user_id: row for row in CallAttendance.objects.filter(appointment=video_appointment)}
    assert set(rows) == {doctor.user.pk, patient.user.pk}
    assert all(row.left_at is not None and row.left_at >= row.joined_at for row in rows.values())


def test_patient_may_join_first(doctor, patient, video_appointment):
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)

    async def scenario():
        pat, _ = await join(video_appointment.pk, patient_cookie)
        doc, _ = await join(video_appointment.pk, doctor_cookie)
        joined = await pat.receive_json_from(timeout=TIMEOUT)
        assert joined["type"] == "joined" and joined["from"] == "doctor"
        await pat.disconnect(timeout=TIMEOUT)
        await doc.disconnect(timeout=TIMEOUT)

    run(scenario)


@pytest.mark.parametrize("persona", ["other_patient", "other_doctor", "hospital_admin", "staff", "super_admin", None])
def test_everyone_else_is_refused_and_hears_nothing(request, persona, doctor, patient, video_appointment):
    intruder = None if persona is None else request.getfixturevalue(persona)
    intruder = getattr(intruder, "user", intruder)
    doctor_cookie, patient_cookie, intruder_cookie = (
        cookie_for(doctor.user), cookie_for(patient.user), cookie_for(intruder)
    )  # fmt: skip

    async def scenario():
        doc, _ = await join(video_appointment.pk, doctor_cookie)
        outsider = socket(video_appointment.pk, intruder_cookie)
        connected, code = await outsider.connect(timeout=TIMEOUT)
        assert not connected and code == CLOSE_REFUSED
        pat, _ = await join(video_appointment.pk, patient_cookie)
        assert (await doc.receive_json_from(timeout=TIMEOUT))["type"] == "joined"
        await doc.send_json_to({"type": "description", "description": {"type": "offer", "sdp": "secret"}})
        assert (await pat.receive_json_from(timeout=TIMEOUT))["description"]["sdp"] == "secret"
        assert await outsider.receive_nothing(timeout=0.2)
        await outsider.disconnect(timeout=TIMEOUT)
        await doc.disconnect(timeout=TIMEOUT)
        await pat.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert not CallAttendance.objects.exclude(user__in=[doctor.user, patient.user]).exists()


def test_foreign_origin_is_refused(doctor, video_appointment):
    doctor_cookie = cookie_for(doctor.user)

    async def scenario():
        communicator = socket(video_appointment.pk, doctor_cookie, origin=b"https://evil.example")
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert not connected
        await communicator.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert not CallAttendance.objects.exists()


@pytest.mark.parametrize(
    ("starts_in_minutes", "extra"),
    [
        (11, {}),  # the window opens 10 minutes before the start
        (60 * 24, {}),
        (-61, {}),  # ended 31 minutes ago: the window closed a minute ago
        (5, {"mode": Appointment.Mode.IN_PERSON}),
        (5, {"status": Appointment.Status.CANCELLED}),
        (5, {"status": Appointment.Status.COMPLETED}),
    ],
)
def test_outside_the_window_or_not_a_video_call_is_refused(doctor, patient, hospital, starts_in_minutes, extra):
    appointment = video_appointment_for(doctor, patient, hospital, starts_in_minutes=starts_in_minutes, **extra)
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)

    async def scenario():
        for cookie in (doctor_cookie, patient_cookie):
            communicator = socket(appointment.pk, cookie)
            connected, code = await communicator.connect(timeout=TIMEOUT)
            assert not connected and code == CLOSE_REFUSED
            await communicator.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert not CallAttendance.objects.exists()


def test_unknown_appointment_is_refused(doctor):
    doctor_cookie = cookie_for(doctor.user)

    async def scenario():
        communicator = socket(987654, doctor_cookie)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected and code == CLOSE_REFUSED
        await communicator.disconnect(timeout=TIMEOUT)

    run(scenario)


def test_messages_from_one_call_never_reach_another(
    doctor, patient, hospital, other_doctor, other_patient, other_hospital
):
    call_a = video_appointment_for(doctor, patient, hospital)
    call_b = video_appointment_for(other_doctor, other_patient, other_hospital)
    cookies = {name: cookie_for(user) for name, user in
               [("a_doc", doctor.user), ("a_pat", patient.user), ("b_doc", other_doctor.user),
                ("b_pat", other_patient.user)]}  # fmt: skip

    async def scenario():
        a_doc, _ = await join(call_a.pk, cookies["a_doc"])
        b_doc, _ = await join(call_b.pk, cookies["b_doc"])
        a_pat, _ = await join(call_a.pk, cookies["a_pat"])
        b_pat, _ = await join(call_b.pk, cookies["b_pat"])
        assert (await a_doc.receive_json_from(timeout=TIMEOUT))["from"] == "patient"
        assert (await b_doc.receive_json_from(timeout=TIMEOUT))["from"] == "patient"

        await a_doc.send_json_to({"type": "description", "description": {"type": "offer", "sdp": "call A"}})
        await a_pat.send_json_to({"type": "chat", "body": "only for call A"})
        await a_pat.send_json_to({"type": "hangup"})
        assert (await a_pat.receive_json_from(timeout=TIMEOUT))["description"]["sdp"] == "call A"
        assert (await a_doc.receive_json_from(timeout=TIMEOUT))["message"]["body"] == "only for call A"
        assert await b_doc.receive_nothing(timeout=0.3)
        assert await b_pat.receive_nothing(timeout=0.3)
        for communicator in (a_doc, a_pat, b_doc, b_pat):
            await communicator.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert not CallMessage.objects.filter(appointment=call_b).exists()


def test_chat_from_one_side_appears_on_the_other_and_is_kept(doctor, patient, video_appointment):
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)

    async def scenario():
        doc, _ = await join(video_appointment.pk, doctor_cookie)
        pat, _ = await join(video_appointment.pk, patient_cookie)
        await doc.receive_json_from(timeout=TIMEOUT)  # joined
        await pat.send_json_to({"type": "chat", "body": "  The pain started on Monday.  "})
        at_doctor = await doc.receive_json_from(timeout=TIMEOUT)
        assert at_doctor["type"] == "chat"
        assert at_doctor["message"]["body"] == "The pain started on Monday."
        assert at_doctor["message"]["sender_role"] == "patient"
        assert at_doctor["message"]["sender_name"] == "Pat Kumar"
        assert at_doctor["message"]["time"].endswith("IST")
        echo = await pat.receive_json_from(timeout=TIMEOUT)
        assert echo["message"]["id"] == at_doctor["message"]["id"]

        # An empty message is refused to its sender only, and nothing is stored.
        await pat.send_json_to({"type": "chat", "body": "   "})
        error = await pat.receive_json_from(timeout=TIMEOUT)
        assert error == {"type": "error", "message": "Write a message before sending it."}
        assert await doc.receive_nothing(timeout=0.2)

        # The history comes with the welcome when someone (re)joins.
        await doc.disconnect(timeout=TIMEOUT)
        assert (await pat.receive_json_from(timeout=TIMEOUT))["type"] == "left"
        doc, welcome = await join(video_appointment.pk, doctor_cookie)
        assert [m["body"] for m in welcome["chat"]] == ["The pain started on Monday."]
        await doc.disconnect(timeout=TIMEOUT)
        await pat.disconnect(timeout=TIMEOUT)

    run(scenario)
    message = CallMessage.objects.get()
    assert message.appointment == video_appointment and message.sender == patient.user


def test_opening_the_call_again_replaces_the_older_session(doctor, patient, video_appointment):
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)

    async def scenario():
        doc, _ = await join(video_appointment.pk, doctor_cookie)
        old_pat, _ = await join(video_appointment.pk, patient_cookie)
        first = await doc.receive_json_from(timeout=TIMEOUT)
        new_pat, _ = await join(video_appointment.pk, patient_cookie)
        assert (await old_pat.receive_json_from(timeout=TIMEOUT))["type"] == "replaced"
        assert (await old_pat.receive_output(timeout=TIMEOUT)) == {"type": "websocket.close", "code": CLOSE_REPLACED}
        second = await doc.receive_json_from(timeout=TIMEOUT)
        assert second["type"] == "joined" and second["session"] != first["session"]
        # The old session steps aside quietly: the doctor does not hear a "left" that would drop the new one.
        assert await doc.receive_nothing(timeout=0.3)
        await doc.send_json_to({"type": "present"})
        assert (await new_pat.receive_json_from(timeout=TIMEOUT))["type"] == "present"
        await new_pat.disconnect(timeout=TIMEOUT)
        await doc.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert CallAttendance.objects.filter(user=patient.user).count() == 2


def test_unknown_message_types_are_not_relayed(doctor, patient, video_appointment):
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)

    async def scenario():
        doc, _ = await join(video_appointment.pk, doctor_cookie)
        pat, _ = await join(video_appointment.pk, patient_cookie)
        await doc.receive_json_from(timeout=TIMEOUT)
        await pat.send_json_to({"type": "call.chat", "message": {"body": "forged"}})
        await pat.send_json_to(["not", "an", "object"])
        assert await doc.receive_nothing(timeout=0.3)
        await doc.disconnect(timeout=TIMEOUT)
        await pat.disconnect(timeout=TIMEOUT)

    run(scenario)


def test_a_quiet_call_keeps_relaying(doctor, patient, video_appointment):
    # With channels-redis, a consumer waits for group messages in 5 s blocking reads; a quiet spell longer
    # than that must not break the socket (it did with redis-py 8's default 5 s socket timeout).
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)

    async def scenario():
        doc, _ = await join(video_appointment.pk, doctor_cookie)
        pat, _ = await join(video_appointment.pk, patient_cookie)
        await doc.receive_json_from(timeout=TIMEOUT)  # joined
        await asyncio.sleep(6.5)
        await pat.send_json_to({"type": "hangup"})
        assert (await doc.receive_json_from(timeout=TIMEOUT))["type"] == "hangup"
        await doc.disconnect(timeout=TIMEOUT)
        await pat.disconnect(timeout=TIMEOUT)

    run(scenario)


# --- issue 10, defect 3: the end of a video visit ------------------------------------------------------


def test_completing_the_visit_ends_the_call_for_the_patient(doctor, patient, hospital):
    """The doctor marks the visit completed (any button): the patient's socket is told the call is over and
    closed, instead of waiting "Reconnecting…" for a doctor who will not come back."""
    from appointments.services import appointment_mark

    appointment = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-5)
    patient_cookie = cookie_for(patient.user)

    async def scenario():
        from channels.db import database_sync_to_async

        pat, _ = await join(appointment.pk, patient_cookie)
        await database_sync_to_async(appointment_mark)(actor=doctor.user, appointment=appointment, action="complete")
        ended = await pat.receive_json_from(timeout=TIMEOUT)
        assert ended == {"type": "ended", "reason": "The doctor marked the appointment completed; the call is over."}
        closed = await pat.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": CLOSE_REFUSED}
        await pat.disconnect(timeout=TIMEOUT)  # the browser closes its end

    run(scenario)
    assert not CallAttendance.objects.filter(appointment=appointment, left_at__isnull=True).exists()


def test_left_goes_out_after_the_attendance_row_is_closed(doctor, patient, video_appointment):
    """The doctor's call record panel re-reads on "left": the row must already say when the patient left."""
    doctor_cookie, patient_cookie = cookie_for(doctor.user), cookie_for(patient.user)
    seen = {}

    async def scenario():
        from channels.db import database_sync_to_async

        doc, _ = await join(video_appointment.pk, doctor_cookie)
        pat, _ = await join(video_appointment.pk, patient_cookie)
        assert (await doc.receive_json_from(timeout=TIMEOUT))["type"] == "joined"
        await pat.disconnect(timeout=TIMEOUT)
        assert (await doc.receive_json_from(timeout=TIMEOUT))["type"] == "left"
        seen["open"] = await database_sync_to_async(
            lambda: CallAttendance.objects.filter(user=patient.user, left_at__isnull=True).count()
        )()
        await doc.disconnect(timeout=TIMEOUT)

    run(scenario)
    assert seen["open"] == 0
