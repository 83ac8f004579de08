"""Signalling for video consultations: one channel-layer group per appointment, two participants.

The server only relays: SDP descriptions and ICE candidates (perfect negotiation runs in the browsers),
hang-up, and chat (which it also stores). Nothing is kept in module globals; every piece of state is on
the consumer instance, in the channel layer group or in the database, so several Daphne processes on
channels-redis serve one call."""

import asyncio
import hashlib
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection
from django.utils import timezone

from appointments import calls
from appointments.models import Appointment
from appointments.selectors import appointments_visible_to
from hms.sockets import RateLimit, session_alive, session_group, session_key_of

# Close codes the page understands (4000-4999 are free for applications).
CLOSE_REFUSED = 4403
CLOSE_REPLACED = 4409
RELAYED_TYPES = {"description", "candidate", "present", "hangup", "media"}
# Messages that act on the call: each re-checks that the session and the call are still valid (issue 11).
CHECKED_TYPES = {"chat", "description", "candidate", "present", "media"}
CHAT_RATE = (5, 5.0)  # messages per seconds, per socket
SIGNAL_RATE = (200, 10.0)


def group_name(appointment_id: int) -> str:
    # Appointment ids are only unique within one database: several HMS databases sharing one Redis (test
    # workers, staging beside production) must never share a call's group.
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:10]
    return f"call.{database}.{appointment_id}"


class CallConsumer(AsyncJsonWebsocketConsumer):
    appointment: Appointment | None = None
    attendance_id: int | None = None
    group: str | None = None
    replaced = False
    session_group: str | None = None
    expiry: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_REFUSED)
            return
        self.user = user
        try:
            self.appointment, self.attendance_id = await self._join(int(self.scope["url_route"]["kwargs"]["pk"]))
        except (Appointment.DoesNotExist, calls.CallError):
            await self.close(code=CLOSE_REFUSED)
            return
        self.role = calls.call_role(user, self.appointment)
        self.group = group_name(self.appointment.pk)
        # Identifies this socket to the other side, so it can ignore a late "left" of an older session.
        self.session = uuid.uuid4().hex
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.session_key = session_key_of(self.scope)
        if self.session_key:
            self.session_group = session_group(self.session_key)
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        self.chat_limit, self.signal_limit = RateLimit(*CHAT_RATE), RateLimit(*SIGNAL_RATE)
        await self.accept()
        # The socket closes itself when the call window ends (the page then says so).
        closes_in = (calls.call_window(self.appointment).closes_at - timezone.now()).total_seconds()
        self.expiry = asyncio.create_task(self._close_after(max(closes_in, 0)))
        history = await self._history()
        # The patient is the polite peer: on an offer collision it yields to the doctor's offer.
        await self.send_json({"type": "welcome", "role": self.role, "polite": self.role == "patient", "chat": history})
        await self._to_group("joined", {})

    async def disconnect(self, code):
        if self.expiry is not None:
            self.expiry.cancel()
        if self.session_group is not None:
            await self.channel_layer.group_discard(self.session_group, self.channel_name)
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        # The attendance row is closed before "left" goes out, so the other side's call record is up to date.
        if self.attendance_id is not None:
            await database_sync_to_async(calls.call_leave)(actor=self.user, attendance_id=self.attendance_id)
            self.attendance_id = None
        if not self.replaced:
            await self._to_group("left", {})

    async def receive_json(self, content, **kwargs):
        if self.group is None or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind in CHECKED_TYPES:
            limit = self.chat_limit if kind == "chat" else self.signal_limit
            if not limit.allow():
                await self.send_json({"type": "error", "message": "Too many messages; wait a moment."})
                return
            if not await self._still_allowed():
                await self.close(code=CLOSE_REFUSED)
                return
        if kind == "chat":
            await self._chat(content.get("body"))
        elif kind in RELAYED_TYPES:
            payload = {key: content[key] for key in ("description", "candidate", "audio", "video") if key in content}
            await self._to_group(kind, payload)

    # --- group messages -----------------------------------------------------------------------

    async def session_ended(self, event):
        """The user logged out: this session's sockets close."""
        await self.close(code=CLOSE_REFUSED)

    async def call_signal(self, event):
        """A message from a participant's socket to everyone else in this call's group."""
        if event["sender"] == self.channel_name:
            return
        if event["user_id"] == self.user.pk:
            # The same person opened the call again (another tab, or a reload whose old socket the
            # server has not noticed closing yet): the newer session wins, this one steps aside.
            if event["kind"] == "joined":
                self.replaced = True
                await self.send_json({"type": "replaced"})
                await self.close(code=CLOSE_REPLACED)
            return
        await self.send_json(
            {"type": event["kind"], "from": event["role"], "session": event["session"], **event["payload"]}
        )

    async def call_ended(self, event):
        """The appointment left the callable statuses (completed, cancelled, no-show): the call is over for both."""
        reason = event.get("reason") or "The appointment was cancelled; the call is closed."
        await self.send_json({"type": "ended", "reason": reason})
        await self.close(code=CLOSE_REFUSED)

    async def call_chat(self, event):
        # Chat goes to both sides: the sender sees the stored message (with its time) as confirmation.
        await self.send_json({"type": "chat", "message": event["message"]})

    # --- helpers ------------------------------------------------------------------------------

    async def _to_group(self, kind: str, payload: dict) -> None:
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "call.signal",
                "kind": kind,
                "payload": payload,
                "sender": self.channel_name,
                "user_id": self.user.pk,
                "role": self.role,
                "session": self.session,
            },
        )

    async def _chat(self, body) -> None:
        try:
            message = await self._store_chat(body if isinstance(body, str) else "")
        except calls.CallError as error:
            await self.send_json({"type": "error", "message": str(error)})
            return
        await self.channel_layer.group_send(self.group, {"type": "call.chat", "message": message})

    async def _close_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.send_json({"type": "ended"})
        await self.close(code=CLOSE_REFUSED)

    @database_sync_to_async
    def _still_allowed(self) -> bool:
        """The session still exists and the call is still open for this user (not cancelled, within its window)."""
        if not session_alive(self.session_key, self.user.pk):
            return False
        appointment = (
            Appointment.objects.select_related("hospital", "doctor", "patient").filter(pk=self.appointment.pk).first()
        )
        if appointment is None:
            return False
        try:
            calls.ensure_can_use_call(actor=self.user, appointment=appointment)
        except calls.CallError:
            return False
        return True

    @database_sync_to_async
    def _join(self, pk: int) -> tuple[Appointment, int]:
        appointment = appointments_visible_to(self.user).get(pk=pk)
        return appointment, calls.call_join(actor=self.user, appointment=appointment).pk

    @database_sync_to_async
    def _history(self) -> list[dict]:
        return [calls.chat_payload(m, self.appointment) for m in calls.chat_history(self.appointment)]

    @database_sync_to_async
    def _store_chat(self, body: str) -> dict:
        appointment = Appointment.objects.select_related("hospital", "doctor", "patient").get(pk=self.appointment.pk)
        return calls.chat_payload(calls.chat_post(actor=self.user, appointment=appointment, body=body), appointment)
