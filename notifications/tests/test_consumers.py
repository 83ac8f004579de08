"""The websocket consumers, through the real ASGI stack (origin check + session auth)."""

import asyncio
import copy
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from hms.asgi import application
from notifications.consumers import CLOSE_NOT_LOGGED_IN
from notifications.models import Notification
from notifications.presence import is_online
from notifications.services import notify
from notifications.tests.helpers import in_fresh_thread

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def _own_channel_layer(settings):
    # With Redis, keep this test process's groups apart from the other xdist workers' (same user ids).
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    if "CONFIG" in layers["default"]:
        layers["default"]["CONFIG"]["prefix"] = f"test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = layers


def _cookie_for(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def _socket(path: str, *headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=list(headers))


@database_sync_to_async
def _notify(user, title: str) -> None:
    with transaction.atomic():
        notify(recipient=user, kind=Notification.Kind.ACCOUNT, title=title)


def test_anonymous_visitor_is_refused_with_a_close_code(transactional_db):
    async def scenario():
        socket = _socket("/ws/notifications/", ORIGIN)
        connected, _ = await socket.connect()
        assert connected  # accepted only to say why
        closed = await socket.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": CLOSE_NOT_LOGGED_IN}
        await socket.disconnect()

    in_fresh_thread(async_to_sync(scenario))


def test_a_foreign_origin_is_refused_even_with_a_valid_session(transactional_db, patient):
    async def scenario():
        socket = _socket("/ws/notifications/", (b"origin", b"https://evil.example"), _cookie_for(patient.user))
        connected, _ = await socket.connect()
        assert not connected
        # Finish the refused socket inside this loop: left pending, its channel-layer receive is only
        # cancelled at loop teardown, which can stall on Redis.
        await socket.disconnect()
        # And no Origin header at all is refused too.
        socket = _socket("/ws/notifications/", _cookie_for(patient.user))
        connected, _ = await socket.connect()
        assert not connected
        await socket.disconnect()

    in_fresh_thread(async_to_sync(scenario))


def test_a_user_receives_their_own_pokes_and_never_another_users(transactional_db, patient, other_patient):
    async def scenario():
        mine = _socket("/ws/notifications/", ORIGIN, _cookie_for(patient.user))
        theirs = _socket("/ws/notifications/", ORIGIN, _cookie_for(other_patient.user))
        assert (await mine.connect())[0]
        assert (await theirs.connect())[0]

        await _notify(patient.user, "For Pat only")
        assert await mine.receive_json_from(timeout=3) == {"type": "poke"}
        assert await theirs.receive_nothing(timeout=0.5)

        await _notify(other_patient.user, "For Paula only")
        assert await theirs.receive_json_from(timeout=3) == {"type": "poke"}
        assert await mine.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()

    in_fresh_thread(async_to_sync(scenario))


def test_a_rolled_back_notification_pokes_nobody(transactional_db, patient):
    @database_sync_to_async
    def notify_then_roll_back():
        with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - work and failure roll back together
            notify(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="Never happened")
            raise RuntimeError

    async def scenario():
        socket = _socket("/ws/notifications/", ORIGIN, _cookie_for(patient.user))
        assert (await socket.connect())[0]
        await notify_then_roll_back()
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    in_fresh_thread(async_to_sync(scenario))


def test_doctor_presence_follows_their_tabs_and_is_pushed_to_watchers(transactional_db, doctor, patient):
    async def scenario():
        watcher = _socket("/ws/presence/", ORIGIN)  # anonymous visitors may watch presence
        assert (await watcher.connect())[0]

        tab1 = _socket("/ws/notifications/", ORIGIN, _cookie_for(doctor.user))
        tab2 = _socket("/ws/notifications/", ORIGIN, _cookie_for(doctor.user))
        assert (await tab1.connect())[0]
        assert await watcher.receive_json_from(timeout=3) == {
            "type": "presence",
            "doctor": doctor.pk,
            "online": True,
            "state": "online",
        }
        assert (await tab2.connect())[0]
        assert await watcher.receive_nothing(timeout=0.3)  # already online: no change to push
        assert await database_sync_to_async(is_online)(doctor.pk)

        await tab1.send_json_to({"type": "heartbeat"})
        assert await tab1.receive_json_from(timeout=3) == {"type": "pong"}

        await tab1.disconnect()
        assert await watcher.receive_nothing(timeout=0.3)  # one tab still open
        await tab2.disconnect()
        assert await watcher.receive_json_from(timeout=3) == {
            "type": "presence",
            "doctor": doctor.pk,
            "online": False,
            "state": "offline",
        }
        assert not await database_sync_to_async(is_online)(doctor.pk)

        # A patient's socket does not make anyone "online".
        patient_tab = _socket("/ws/notifications/", ORIGIN, _cookie_for(patient.user))
        assert (await patient_tab.connect())[0]
        assert await watcher.receive_nothing(timeout=0.3)
        await patient_tab.disconnect()
        await watcher.disconnect()

    in_fresh_thread(async_to_sync(scenario))


def test_embedded_mode_hears_notifications_recorded_by_another_process(transactional_db, settings, patient):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.NOTIFICATIONS_EMBEDDED_POLL_SECONDS = 0.2

    @database_sync_to_async
    def record_elsewhere():
        # As `manage.py send_due_reminders` run from cron does: its in-memory poke reaches nobody here.
        Notification.objects.create(recipient=patient.user, kind=Notification.Kind.ACCOUNT, title="From cron")

    async def scenario():
        socket = _socket("/ws/notifications/", ORIGIN, _cookie_for(patient.user))
        assert (await socket.connect())[0]
        await asyncio.sleep(0.3)
        assert await socket.receive_nothing(timeout=0.3)  # nothing changed, nothing sent
        await record_elsewhere()
        assert await socket.receive_json_from(timeout=3) == {"type": "poke"}
        await socket.disconnect()

    in_fresh_thread(async_to_sync(scenario))
