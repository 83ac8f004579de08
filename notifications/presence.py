"""Doctor presence, kept in the cache (Redis in production, local memory in one process).

A doctor is online while at least one of their tabs holds the notifications websocket. Each
connection is an entry {connection: last heartbeat} under the doctor's key; an entry older than
PRESENCE_TTL_SECONDS no longer counts, so a crashed browser drops out within a minute even though
it never said goodbye. Functions return whether the doctor's online state changed, so the caller
(the consumer) can push the change to the pages that show the doctor."""

import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

PRESENCE_GROUP = "presence"
ONLINE_SET_KEY = "presence:online"


def _key(doctor_id: int) -> str:
    return f"presence:doctor:{doctor_id}"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """A short cache lock (SET NX in Redis): the read-modify-write of one key by two tabs at once
    must not lose a connection."""
    lock = f"presence:lock:{name}"
    token = uuid.uuid4().hex
    deadline = time.monotonic() + 2
    while not cache.add(lock, token, timeout=5):
        if time.monotonic() > deadline:
            break  # a crashed holder: its lock expires anyway, go on rather than hang a socket
        time.sleep(0.01)
    try:
        yield
    finally:
        if cache.get(lock) == token:  # never release another holder's lock
            cache.delete(lock)


def _live(connections: dict[str, float], now: float) -> dict[str, float]:
    return {conn: seen for conn, seen in connections.items() if seen > now - settings.PRESENCE_TTL_SECONDS}


def _store(doctor_id: int, connections: dict[str, float]) -> None:
    if connections:
        cache.set(_key(doctor_id), connections, timeout=settings.PRESENCE_TTL_SECONDS * 2)
    else:
        cache.delete(_key(doctor_id))


def _set_online_member(doctor_id: int, online: bool) -> None:
    with _locked("online-set"):
        members = set(cache.get(ONLINE_SET_KEY) or ())
        members.add(doctor_id) if online else members.discard(doctor_id)
        cache.set(ONLINE_SET_KEY, members, timeout=None)


# The online set (which doctors the sweep watches) is changed only while the doctor's own lock is held.
# It used to be changed after that lock was released: on a reload, the old tab's "leave" (pagehide close)
# and the new tab's "touch" raced, and the leave's "remove from the set" could land after the touch's "add".
# The doctor was then online but outside the set, so when their last tab later died without a goodbye
# (crash, lost network) the sweep never looked at them and the "offline" push was never sent.


def presence_touch(*, doctor_id: int, connection: str) -> bool:
    """A tab connected or sent a heartbeat. Returns True if the doctor just came online."""
    now = time.time()
    with _locked(str(doctor_id)):
        connections = _live(cache.get(_key(doctor_id)) or {}, now)
        was_online = bool(connections)
        connections[connection] = now
        _store(doctor_id, connections)
        # Every touch (heartbeats too) re-asserts membership, so a set damaged before this fix heals.
        _set_online_member(doctor_id, True)
    return not was_online


def presence_leave(*, doctor_id: int, connection: str) -> bool:
    """A tab closed its socket. Returns True if that was the doctor's last tab."""
    now = time.time()
    with _locked(str(doctor_id)):
        connections = _live(cache.get(_key(doctor_id)) or {}, now)
        was_online = bool(connections)
        connections.pop(connection, None)
        _store(doctor_id, connections)
        if not connections:
            _set_online_member(doctor_id, False)
    return was_online and not connections


def is_online(doctor_id: int) -> bool:
    return bool(_live(cache.get(_key(doctor_id)) or {}, time.time()))


def online_among(doctor_ids: Iterable[int]) -> set[int]:
    ids = list(doctor_ids)
    found = cache.get_many([_key(i) for i in ids])
    now = time.time()
    return {i for i in ids if _live(found.get(_key(i)) or {}, now)}


def presence_sweep(*, every_seconds: int = 10) -> list[int]:
    """Doctors whose tabs all went silent (crashed browser, lost network): mark them offline and return
    them so the caller pushes the change. Runs at most once per `every_seconds` across all processes."""
    if not cache.add("presence:sweep", 1, timeout=every_seconds):
        return []
    gone = []
    for doctor_id in set(cache.get(ONLINE_SET_KEY) or ()):
        # Decide and remove under the doctor's lock: a tab that touches in between keeps the doctor in the set.
        with _locked(str(doctor_id)):
            if not is_online(doctor_id):
                _set_online_member(doctor_id, False)
                gone.append(doctor_id)
    return gone


# --- busy: in a consultation or a video call (the hospitals asked for it) ---------------------------------------
# Kept beside presence in the cache, as a set of reasons ("call:12", "visit:12") per doctor, so a doctor in a
# call and a visit at once stays busy until both end. A reason expires on its own after BUSY_TTL_SECONDS, so a
# server that died mid-call cannot leave a doctor "busy" forever.

BUSY_TTL_SECONDS = 4 * 60 * 60


def _busy_key(doctor_id: int) -> str:
    return f"presence:busy:{doctor_id}"


def presence_set_busy(*, doctor_id: int, reason: str, busy: bool) -> bool:
    """Add or remove one reason the doctor is busy; returns True if the doctor's busy state changed."""
    now = time.time()
    with _locked(f"busy:{doctor_id}"):
        reasons = {r: t for r, t in (cache.get(_busy_key(doctor_id)) or {}).items() if t > now - BUSY_TTL_SECONDS}
        was_busy = bool(reasons)
        if busy:
            reasons[reason] = now
        else:
            reasons.pop(reason, None)
        if reasons:
            cache.set(_busy_key(doctor_id), reasons, timeout=BUSY_TTL_SECONDS)
        else:
            cache.delete(_busy_key(doctor_id))
    return was_busy != bool(reasons)


def busy_among(doctor_ids: Iterable[int]) -> set[int]:
    ids = list(doctor_ids)
    found = cache.get_many([_busy_key(i) for i in ids])
    now = time.time()
    return {i for i in ids if any(t > now - BUSY_TTL_SECONDS for t in (found.get(_busy_key(i)) or {}).values())}


def presence_state(doctor_id: int) -> str:
    """ "busy", "online" or "offline": busy only while also online (a badge never says busy for a closed tab)."""
    if not is_online(doctor_id):
        return "offline"
    return "busy" if busy_among([doctor_id]) else "online"


def push_presence_now(doctor_id: int) -> None:
    """Tell every page showing this doctor's badge their state now (sync callers: services, after commit)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    state = presence_state(doctor_id)
    async_to_sync(layer.group_send)(
        PRESENCE_GROUP,
        {"type": "presence.changed", "doctor": doctor_id, "online": state != "offline", "state": state},
    )
