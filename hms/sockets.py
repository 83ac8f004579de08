"""Websocket lifetime and abuse limits shared by the consumers (issue 11).

* Every socket of a signed-in user joins its session's group; logging out (allauth or Django logout) sends that
  group "session.ended" and each of the session's sockets closes itself.
* `session_alive(scope)`: the session behind a socket still exists (re-checked on each message that matters).
* `RateLimit`: a per-socket token bucket for chat and heartbeats."""

import hashlib
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import connection
from django.dispatch import receiver

logger = logging.getLogger(__name__)


def session_group(session_key: str) -> str:
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:10]
    return f"session.{database}.{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"


def session_key_of(scope) -> str | None:
    session = scope.get("session")
    return getattr(session, "session_key", None) if session is not None else None


def session_alive(session_key: str | None, user_id: int) -> bool:
    """Blocking (call through database_sync_to_async): the session still exists, has not expired and still
    belongs to this user (logout flushes it)."""
    if not session_key:
        return False
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key).get("_auth_user_id") == str(user_id)


@receiver(user_logged_out)
def _close_sockets_of_session(sender, request, user, **kwargs) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None) if request is not None else None
    layer = get_channel_layer()
    if not key or layer is None:
        return
    try:
        async_to_sync(layer.group_send)(session_group(key), {"type": "session.ended"})
    except Exception:  # the channel layer being down must not break logout; sockets re-check on each message
        logger.warning("Could not close the websockets of a session on logout", exc_info=True)


class RateLimit:
    """At most `count` events per `seconds` on one socket (a token bucket)."""

    def __init__(self, count: int, seconds: float) -> None:
        self.capacity, self.rate = float(count), count / seconds
        self.tokens, self.updated = float(count), time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
