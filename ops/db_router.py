"""Read replica routing (DATABASE_REPLICA_URL): opt-in, never for writes, never right after the user's own write.

Reads go to the replica only where a view or selector asks for it, so booking, payments, dispensing and every
other read-modify-write path stay on the primary without doing anything:

    from ops.db_router import replica_reads, use_replica

    @replica_reads                      # a report, a long list, a FHIR search
    def report(request): ...

    with use_replica():                 # or around one query (an API view, a Celery export task)
        rows = list(selectors.visits_per_month(...))

Even inside those, the primary answers when
* the user wrote something in the last REPLICA_PIN_SECONDS (read-your-writes: a replica may lag behind), or
  earlier in this same request, or
* the code runs inside transaction.atomic() (a write path reading what it is about to change), or
* no replica is configured (the embedded default and single-database deployments).
"""

import contextvars
import functools
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Writes to these do not pin a user to the primary (the session row is saved on every request).
_IGNORED_WRITES = {"sessions.session"}


@dataclass
class _RequestState:
    pin_key: str | None = None
    wrote: bool = False


_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_allowed", default=False)
_request: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar("replica_request", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _pin_key(request) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"primary-pin:u{user.pk}"
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    return f"primary-pin:s{session_key}" if session_key else None


def _in_real_transaction() -> bool:
    # Test cases wrap every test in atomic blocks of their own; those do not count.
    blocks = getattr(connections[DEFAULT_DB_ALIAS], "atomic_blocks", [])
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


@contextmanager
def use_replica():
    """Let reads in this block go to the replica (when one is configured and the user is not pinned)."""
    state = _request.get()
    pinned = bool(state and state.pin_key and cache.get(state.pin_key))
    token = _allowed.set(replica_configured() and not pinned)
    try:
        yield
    finally:
        _allowed.reset(token)


def replica_reads(view):
    """View decorator: this view's reads may come from the replica (reports, lists, FHIR searches)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with use_replica():
            return view(request, *args, **kwargs)

    return wrapper


class PrimaryPinMiddleware:
    """After a request that wrote, the same user reads from the primary for REPLICA_PIN_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _RequestState(pin_key=_pin_key(request))
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        pin_key = state.pin_key or _pin_key(request)  # a login or signup makes the key only now
        if state.wrote and pin_key and replica_configured():
            cache.set(pin_key, 1, settings.REPLICA_PIN_SECONDS)
        return response


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _allowed.get():
            return None
        state = _request.get()
        if (state and state.wrote) or _in_real_transaction():
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None and model._meta.label_lower not in _IGNORED_WRITES:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either may relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a streaming replica follows the primary's schema by itself
