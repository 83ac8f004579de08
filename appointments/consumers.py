"""Signalling for video consultations: one channel-layer group per appointment, two participants.

The server only relays: SDP descriptions and ICE candidates (perfect negotiation runs in the browsers),
hang-up, and chat (which it also stores). Nothing is kept in module globals; every piece of state is on
the consumer instance, in the channel layer group or in the database, so several Daphne processes on
channels-redis serve one call."""

import hashlib
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection

from appointments import calls
from appointments.models import Appointment
from appointments.selectors import appointments_visible_to

# Close codes the page understands (4000-4999 are free for applications).
CLOSE_REFUSED = 4403
CLOSE_REPLACED = 4409
RELAYED_TYPES = {"description", "candidate", "present", "hangup", "media"}


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
        await self.accept()
        history = await self._history()
        # The patient is the polite peer: on an offer collision it yields to the doctor's offer.
        await self.send_json({"type": "welcome", "role": self.role, "polite": self.role == "patient", "chat": history})
        await self._to_group("joined", {})

    async def disconnect(self, code):
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
        if kind == "chat":
            await self._chat(content.get("body"))
        elif kind in RELAYED_TYPES:
            payload = {key: content[key] for key in ("description", "candidate", "audio", "video") if key in content}
            await self._to_group(kind, payload)

    # --- group messages -----------------------------------------------------------------------

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
        await self.send_json({"type": "ended", "reason": event["reason"]})
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
