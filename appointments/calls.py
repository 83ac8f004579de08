"""Video consultations: the call window, who may join, attendance, chat and ICE (STUN/TURN) configuration.

Every rule about calls lives here, so the page, the websocket consumer and the dashboards agree."""

import base64
import datetime
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, CallAttendance, CallMessage
from appointments.selectors import active_appointments, overlapping
from appointments.services import AppointmentError

Status = Appointment.Status

# Statuses in which the call can be held. A completed, cancelled or no-show appointment has no call.
CALLABLE_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.IN_PROGRESS)
CHAT_MAX_LENGTH = 2000
CHAT_HISTORY_LIMIT = 200


class CallError(AppointmentError):
    """The call cannot be joined or used right now; the message says why, in words for the user."""


@dataclass(frozen=True)
class CallWindow:
    opens_at: datetime.datetime
    closes_at: datetime.datetime

    def contains(self, moment: datetime.datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


@dataclass(frozen=True)
class CallStatus:
    """What the "Join video call" button should say for one appointment at one moment."""

    state: str  # "open", "before", "after" or "unavailable"
    window: CallWindow
    opens_at_local: str  # opening time in the hospital's zone, with the zone name

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def call_window(appointment: Appointment) -> CallWindow:
    return CallWindow(
        opens_at=appointment.start_at - datetime.timedelta(minutes=settings.CALL_OPENS_MINUTES_BEFORE),
        closes_at=appointment.end_at + datetime.timedelta(minutes=settings.CALL_CLOSES_MINUTES_AFTER),
    )


def format_in_hospital_zone(appointment: Appointment, moment: datetime.datetime) -> str:
    local = moment.astimezone(appointment.hospital.tz)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()} ({appointment.hospital.time_zone})"


def format_time_in_hospital_zone(appointment: Appointment, moment: datetime.datetime) -> str:
    local = moment.astimezone(appointment.hospital.tz)
    return f"{local:%H:%M:%S} {local.tzname()}"


def call_status(appointment: Appointment, *, now: datetime.datetime | None = None) -> CallStatus:
    now = now or timezone.now()
    window = call_window(appointment)
    if appointment.mode != Appointment.Mode.VIDEO or appointment.status not in CALLABLE_STATUSES:
        state = "unavailable"
    elif now < window.opens_at:
        state = "before"
    elif now > window.closes_at:
        state = "after"
    else:
        state = "open"
    return CallStatus(state=state, window=window, opens_at_local=format_in_hospital_zone(appointment, window.opens_at))


def is_call_participant(user: User, appointment: Appointment) -> bool:
    return user.is_authenticated and user.pk in (appointment.doctor.user_id, appointment.patient.user_id)


def call_role(user: User, appointment: Appointment) -> str:
    return "doctor" if user.pk == appointment.doctor.user_id else "patient"


def ensure_can_use_call(*, actor: User, appointment: Appointment, now: datetime.datetime | None = None) -> None:
    """Raise CallError unless `actor` may be in this call right now."""
    if not is_call_participant(actor, appointment):
        raise CallError("Only the doctor and the patient of this appointment can join its video call.")
    status = call_status(appointment, now=now)
    if status.state == "unavailable":
        if appointment.mode != Appointment.Mode.VIDEO:
            raise CallError("This appointment is in person, not a video consultation.")
        raise CallError(f"This appointment is {appointment.get_status_display().lower()}; its call is closed.")
    if status.state == "before":
        raise CallError(f"The video call opens at {status.opens_at_local}.")
    if status.state == "after":
        raise CallError("The call window for this appointment has passed.")


# --- attendance --------------------------------------------------------------------------------


def call_join(*, actor: User, appointment: Appointment) -> CallAttendance:
    ensure_can_use_call(actor=actor, appointment=appointment)
    now = timezone.now()
    # A person has one live session per call: a newer one replaces the older (the consumer closes it).
    # Rows left open by a server that died mid-call are closed here instead of staying "in the call".
    CallAttendance.objects.filter(appointment=appointment, user=actor, left_at__isnull=True).update(left_at=now)
    attendance = CallAttendance.objects.create(appointment=appointment, user=actor, joined_at=now)
    if actor.pk == appointment.doctor.user_id:
        doctor_busy(appointment.doctor_id, f"call:{appointment.pk}", busy=True)
    return attendance


def call_leave(*, actor: User, attendance_id: int) -> None:
    """Close this session's attendance row (idempotent: a second leave keeps the first time)."""
    CallAttendance.objects.filter(pk=attendance_id, user=actor, left_at__isnull=True).update(left_at=timezone.now())
    row = CallAttendance.objects.select_related("appointment__doctor").filter(pk=attendance_id, user=actor).first()
    if row is not None and row.appointment.doctor.user_id == actor.pk:
        still_in = CallAttendance.objects.filter(appointment=row.appointment, user=actor, left_at__isnull=True)
        if not still_in.exists():  # a reload's new session keeps the doctor busy
            doctor_busy(row.appointment.doctor_id, f"call:{row.appointment_id}", busy=False)


def doctor_busy(doctor_id: int, reason: str, *, busy: bool) -> None:
    """The doctor's presence badge says "Busy" while they are in a call or a consultation."""
    from notifications.presence import presence_set_busy, push_presence_now

    def apply() -> None:  # after commit: a rolled-back visit or call leaves the badge alone
        if presence_set_busy(doctor_id=doctor_id, reason=reason, busy=busy):
            push_presence_now(doctor_id)

    transaction.on_commit(apply, robust=True)


CALL_END_REASONS = {
    Status.COMPLETED: "The doctor marked the appointment completed; the call is over.",
    Status.CANCELLED: "The appointment was cancelled; the call is closed.",
    Status.NO_SHOW: "The appointment was marked as a no-show; the call is closed.",
}


def call_end_broadcast(appointment_id: int, status: str) -> None:
    """Tell every socket in the call that it is over (after the status change is committed)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from appointments.consumers import group_name

    layer = get_channel_layer()
    if layer is None:
        return
    reason = str(CALL_END_REASONS.get(status, "The call is closed."))
    async_to_sync(layer.group_send)(group_name(appointment_id), {"type": "call.ended", "reason": reason})


def call_attendance(appointment: Appointment) -> QuerySet[CallAttendance]:
    return CallAttendance.objects.filter(appointment=appointment).select_related("user")


# --- chat --------------------------------------------------------------------------------------


def chat_post(*, actor: User, appointment: Appointment, body: str) -> CallMessage:
    ensure_can_use_call(actor=actor, appointment=appointment)
    body = (body or "").strip()
    if not body:
        raise CallError("Write a message before sending it.")
    if "\x00" in body:  # PostgreSQL text cannot hold NUL; refuse with a message instead of crashing the socket
        raise CallError("A message cannot contain a NUL character.")
    if len(body) > CHAT_MAX_LENGTH:
        raise CallError(f"A message can be at most {CHAT_MAX_LENGTH} characters long.")
    return CallMessage.objects.create(appointment=appointment, sender=actor, body=body)


def chat_history(appointment: Appointment) -> list[CallMessage]:
    latest = CallMessage.objects.filter(appointment=appointment).select_related("sender").order_by("-created_at", "-id")
    return list(reversed(latest[:CHAT_HISTORY_LIMIT]))


def chat_payload(message: CallMessage, appointment: Appointment) -> dict:
    return {
        "id": message.pk,
        "sender_role": call_role(message.sender, appointment),
        "sender_name": message.sender.full_name or message.sender.email,
        "body": message.body,
        "time": format_time_in_hospital_zone(appointment, message.created_at),
        "created_at": message.created_at.isoformat(),
    }


# --- ICE servers -------------------------------------------------------------------------------


def turn_credentials(*, user_id: int, secret: str, ttl_seconds: int, now: float | None = None) -> tuple[str, str]:
    """coturn REST-API credentials (`use-auth-secret`): username "<expiry unix time>:<user id>",
    credential = base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC and checks the expiry."""
    expiry = int((now if now is not None else time.time()) + ttl_seconds)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(user: User) -> list[dict]:
    """The RTCPeerConnection `iceServers` list for this user, from settings."""
    servers: list[dict] = []
    if settings.CALL_STUN_URLS:
        servers.append({"urls": list(settings.CALL_STUN_URLS)})
    if settings.CALL_TURN_URLS and settings.CALL_TURN_SECRET:
        username, credential = turn_credentials(
            user_id=user.pk, secret=settings.CALL_TURN_SECRET, ttl_seconds=settings.CALL_TURN_TTL_SECONDS
        )
        servers.append({"urls": list(settings.CALL_TURN_URLS), "username": username, "credential": credential})
    return servers


# --- dashboards --------------------------------------------------------------------------------


def upcoming_or_callable(now: datetime.datetime | None = None) -> Q:
    """Dashboard filter: appointments still to come, plus video appointments whose call is still open
    (a call that started five minutes ago must keep its "Join video call" button)."""
    now = now or timezone.now()
    grace = datetime.timedelta(minutes=settings.CALL_CLOSES_MINUTES_AFTER)
    return Q(start_at__gte=now) | Q(mode=Appointment.Mode.VIDEO, end_at__gte=now - grace)


# --- demo --------------------------------------------------------------------------------------


@transaction.atomic
def call_demo_appointment(
    *, doctor_email: str = "doctor@example.com", patient_email: str = "patient@example.com", minutes: int = 30
) -> tuple[Appointment, bool]:
    """A video appointment of the demo doctor with the demo patient whose call is open now.

    Reuses one if it exists (idempotent); otherwise books the first free start near now.
    Returns (appointment, created)."""
    from doctors.models import DoctorProfile
    from patients.models import PatientProfile

    now = timezone.now()
    doctor = DoctorProfile.objects.select_related("user").get(user__email=doctor_email)
    patient = PatientProfile.objects.select_related("user").get(user__email=patient_email)
    for appointment in (
        Appointment.objects.filter(doctor=doctor, patient=patient, mode=Appointment.Mode.VIDEO)
        .filter(status__in=CALLABLE_STATUSES)
        .select_related("hospital", "doctor__user", "patient__user")
    ):
        if call_status(appointment, now=now).is_open and appointment.end_at > now:
            return appointment, False
    affiliation = doctor.affiliations.select_related("hospital").filter(is_active=True).first()
    if affiliation is None:
        raise CallError(f"{doctor_email} works at no hospital, so no appointment can be booked.")
    length = datetime.timedelta(minutes=minutes)
    base = now.replace(second=0, microsecond=0)
    # Start a few minutes from now if free, else a little earlier: the window is open either way.
    for offset in (5, 0, -5, -10, -15, -20, 10):
        start = base + datetime.timedelta(minutes=offset)
        busy = overlapping(active_appointments(), start, start + length).filter(Q(doctor=doctor) | Q(patient=patient))
        if busy.exists():
            continue
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    doctor=doctor,
                    patient=patient,
                    hospital=affiliation.hospital,
                    start_at=start,
                    end_at=start + length,
                    mode=Appointment.Mode.VIDEO,
                    reason="Follow-up by video (demo call)",
                    booked_by=patient.user,
                )
        except IntegrityError:
            continue
        return appointment, True
    raise CallError("The demo doctor and patient have no free half hour around now for a demo call.")
