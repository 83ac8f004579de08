"""Websockets. The database is the truth: sockets only carry small "something changed" messages and
the page re-reads what it shows over HTTP."""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.db.models import Count, Max, Q

from doctors.models import DoctorProfile
from hms.sockets import RateLimit, session_group, session_key_of
from notifications.models import Notification
from notifications.presence import PRESENCE_GROUP, busy_among, presence_leave, presence_sweep, presence_touch
from notifications.services import user_group_name
from reports.live import PLATFORM_STATS_GROUP

# Close codes (4000-4999 are ours): the client does not retry a 4401.
CLOSE_NOT_LOGGED_IN = 4401


HEARTBEAT_RATE = (5, 20.0)  # heartbeats per seconds, per socket


def _doctor_id_of(user) -> int | None:
    return DoctorProfile.objects.filter(user=user).values_list("pk", flat=True).first()


def _inbox_state(user_id: int) -> tuple:
    return tuple(
        Notification.objects.filter(recipient_id=user_id)
        .aggregate(latest=Max("id"), unread=Count("id", filter=Q(read_at__isnull=True)))
        .values()
    )


class PresencePushMixin:
    heartbeats = None  # set per socket in __init__

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.heartbeats = RateLimit(*HEARTBEAT_RATE)

    async def push_presence(self, doctor_id: int, online: bool) -> None:
        state = "offline"
        if online:
            state = "busy" if await database_sync_to_async(busy_among)([doctor_id]) else "online"
        await self.channel_layer.group_send(
            PRESENCE_GROUP, {"type": "presence.changed", "doctor": doctor_id, "online": online, "state": state}
        )
        # "Doctors online now" on the platform statistics page.
        await self.channel_layer.group_send(PLATFORM_STATS_GROUP, {"type": "platform.stats"})

    async def sweep_presence(self) -> None:
        for doctor_id in await database_sync_to_async(presence_sweep)():
            await self.push_presence(doctor_id, False)


class NotificationConsumer(PresencePushMixin, AsyncJsonWebsocketConsumer):
    """/ws/notifications/: one per open tab of a signed-in user. Joins only that user's group; a
    doctor's tab also counts as the doctor being online."""

    doctor_id: int | None = None
    group: str | None = None
    watches_platform_stats = False
    watcher: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept then close so the client sees why (a refused handshake carries no code).
            await self.accept()
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        self.group = user_group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.session_group = session_group(session_key_of(self.scope) or "none")
        await self.channel_layer.group_add(self.session_group, self.channel_name)  # closed on logout (issue 11)
        if user.is_superuser:
            self.watches_platform_stats = True
            await self.channel_layer.group_add(PLATFORM_STATS_GROUP, self.channel_name)
        await self.accept()
        self.doctor_id = await database_sync_to_async(_doctor_id_of)(user)
        if self.doctor_id is not None:
            await self._touch()
        if isinstance(self.channel_layer, InMemoryChannelLayer):
            self.watcher = asyncio.create_task(self._watch_inbox(user.pk))

    async def _watch_inbox(self, user_id: int) -> None:
        """Embedded mode only (no Redis): the in-memory channel layer cannot hear notifications recorded
        by another process (`manage.py send_due_reminders` from cron, a second server), so the socket
        also looks at the user's inbox every few seconds and pokes the tab when it changed."""
        state = await database_sync_to_async(_inbox_state)(user_id)
        while True:
            await asyncio.sleep(settings.NOTIFICATIONS_EMBEDDED_POLL_SECONDS)
            current = await database_sync_to_async(_inbox_state)(user_id)
            if current != state:
                state = current
                await self.send_json({"type": "poke"})

    async def disconnect(self, code):
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(self.session_group, self.channel_name)
        if self.watches_platform_stats:
            await self.channel_layer.group_discard(PLATFORM_STATS_GROUP, self.channel_name)
        if self.doctor_id is not None:
            went_offline = await database_sync_to_async(presence_leave)(
                doctor_id=self.doctor_id, connection=self.channel_name
            )
            if went_offline:
                await self.push_presence(self.doctor_id, False)

    async def session_ended(self, event):
        await self.close(code=CLOSE_NOT_LOGGED_IN)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "heartbeat":
            if not self.heartbeats.allow():  # a tab beats every 20 s; a flood is ignored (issue 11)
                return
            if self.doctor_id is not None:
                await self._touch()
            await self.sweep_presence()
            await self.send_json({"type": "pong"})

    async def _touch(self) -> None:
        came_online = await database_sync_to_async(presence_touch)(
            doctor_id=self.doctor_id, connection=self.channel_name
        )
        if came_online:
            await self.push_presence(self.doctor_id, True)

    async def notification_poke(self, event):
        await self.send_json({"type": "poke"})

    async def platform_stats(self, event):
        await self.send_json({"type": "stats"})


class PresenceConsumer(PresencePushMixin, AsyncJsonWebsocketConsumer):
    """/ws/presence/: read-only, open to everyone (the directory is public). Receives doctors'
    online/offline changes."""

    async def connect(self):
        await self.channel_layer.group_add(PRESENCE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(PRESENCE_GROUP, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "heartbeat":
            if not self.heartbeats.allow():
                return
            await self.sweep_presence()
            await self.send_json({"type": "pong"})

    async def presence_changed(self, event):
        state = event.get("state") or ("online" if event["online"] else "offline")
        await self.send_json({"type": "presence", "doctor": event["doctor"], "online": event["online"], "state": state})
