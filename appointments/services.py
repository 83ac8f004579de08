"""Every change to an appointment goes through here: status transitions with their history."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appointments.models import (
    Appointment,
    AppointmentEvent,
    AppointmentRating,
    ScheduleRange,
    TimeOff,
    WeeklySchedule,
)
from appointments.selectors import (
    active_appointments,
    bookable_hospitals,
    bookable_window,
    nearest_free_slots,
    overlapping,
    slot_at,
    time_off_conflicts,
)
from appointments.slots import Slot, slot_length
from doctors.models import DoctorProfile
from hospitals.models import Affiliation, Hospital, HospitalMembership
from notifications.models import Notification
from notifications.services import notify
from patients.models import PatientProfile

Status = Appointment.Status
logger = logging.getLogger(__name__)


class AppointmentError(Exception):
    """A business rule refused the change; the message is shown to the user as it is."""


# booked -> checked_in -> in_progress -> completed; cancelled / no_show end an appointment early.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.BOOKED: {Status.CHECKED_IN, Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
    Status.CHECKED_IN: {Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW},
    Status.IN_PROGRESS: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
    Status.NO_SHOW: set(),
}


def record_event(*, appointment: Appointment, from_status: str, actor: User | None, note: str = "") -> None:
    AppointmentEvent.objects.create(
        appointment=appointment, from_status=from_status, to_status=appointment.status, actor=actor, note=note
    )


@transaction.atomic
def appointment_transition(*, actor: User, appointment: Appointment, to_status: str, note: str = "") -> Appointment:
    """Move an appointment to `to_status` if the state machine allows it; records who and when.

    Locks the row so two people pressing buttons at once cannot both move it."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if to_status not in ALLOWED_TRANSITIONS.get(locked.status, set()):
        raise AppointmentError(
            f"An appointment that is {locked.get_status_display().lower()} cannot be marked "
            f"{Status(to_status).label.lower() if to_status in Status.values else to_status}."
        )
    from_status = locked.status
    locked.status = to_status
    update_fields = ["status"]
    if to_status == Status.CANCELLED:
        locked.cancelled_by = actor
        locked.cancellation_reason = note
        update_fields += ["cancelled_by", "cancellation_reason"]
    locked.save(update_fields=update_fields)
    record_event(appointment=locked, from_status=from_status, actor=actor, note=note)
    if to_status == Status.COMPLETED:
        # Every way a visit completes (visit page, call page, prescription) passes here: bill it once.
        from billing.services import invoice_generate_for_visit

        invoice_generate_for_visit(appointment=locked, actor=actor)
    return locked


# --- who may do what ---------------------------------------------------------------------------


def _works_at(user: User, hospital_id: int, hospital_ids: frozenset[int] | None = None) -> bool:
    if hospital_ids is not None:  # a list page looked the memberships up once (see visit_actions_for)
        return hospital_id in hospital_ids
    return HospitalMembership.objects.filter(user=user, hospital_id=hospital_id, is_active=True).exists()


def _workplaces(user: User) -> frozenset[int]:
    return frozenset(HospitalMembership.objects.filter(user=user, is_active=True).values_list("hospital_id", flat=True))


def can_book_for(actor: User, patient: PatientProfile, hospital: Hospital) -> bool:
    if actor.is_platform_admin:
        return True
    if actor.role == User.Role.PATIENT:
        return patient.user_id == actor.pk
    if actor.role in (User.Role.STAFF, User.Role.HOSPITAL_ADMIN):
        return _works_at(actor, hospital.pk)
    return False


def can_manage(actor: User, appointment: Appointment, *, hospital_ids: frozenset[int] | None = None) -> bool:
    """Front desk, hospital admin and the doctor manage the visit (check-in, no-show, cancel)."""
    if actor.is_platform_admin:
        return True
    if actor.role == User.Role.DOCTOR:
        return appointment.doctor.user_id == actor.pk
    if actor.role in (User.Role.STAFF, User.Role.HOSPITAL_ADMIN):
        return _works_at(actor, appointment.hospital_id, hospital_ids)
    return False


def can_change_booking(actor: User, appointment: Appointment) -> bool:
    """The patient, the hospital's desk/admin and a platform admin may reschedule or cancel."""
    if actor.role == User.Role.PATIENT:
        return appointment.patient.user_id == actor.pk
    if actor.role == User.Role.DOCTOR:
        return False
    return can_manage(actor, appointment)


# --- the care relationship a booking opens ----------------------------------------------------------


def booking_opens_record(*, actor: User, patient: PatientProfile, hospital: Hospital) -> bool:
    """Does a new booking by `actor` open the patient's earlier record to the booked doctor? (issue 11)

    The rule: a patient's record (history, documents, prescriptions from every hospital) opens to a doctor only
    with the patient's say-so or because the hospital already knows the patient. So it opens when the patient
    books themselves, or when the front desk books a patient who already has a record-opening appointment at
    this hospital or whom this hospital's desk registered as a walk-in. A desk booking of anyone else (e.g. a
    patient found by number from another hospital) opens nothing until the patient shares their record from
    the appointment page (appointment_share_record); until then the doctor sees only what they record at this
    visit themselves."""
    if actor.pk == patient.user_id:
        return True
    if patient.registered_at_id == hospital.pk:
        return True
    return (
        Appointment.objects.filter(patient=patient, hospital=hospital, opens_record=True)
        .exclude(status=Status.CANCELLED)
        .exists()
    )


@transaction.atomic
def appointment_share_record(*, actor: User, appointment: Appointment) -> Appointment:
    """The patient opens their earlier record to the doctor of a desk-booked appointment."""
    if actor.pk != appointment.patient.user_id:
        raise PermissionDenied("Only the patient can share their record.")
    if appointment.status == Status.CANCELLED:
        raise AppointmentError("This appointment is cancelled.")
    if not appointment.opens_record:
        Appointment.objects.filter(pk=appointment.pk).update(opens_record=True)
        appointment.opens_record = True
        record_event(appointment=appointment, from_status=appointment.status, actor=actor,
                     note="Patient shared their record with the doctor")  # fmt: skip
    return appointment


# --- front-desk patient lookup ----------------------------------------------------------------------

DESK_LOOKUP_WINDOW_SECONDS = 3600


def desk_patient_lookup(*, actor: User, hospital: Hospital, query: str) -> list[PatientProfile]:
    """A front-desk search for a walk-in: rate-limited per desk user and logged (issue 11).

    Each desk user may search settings.DESK_LOOKUPS_PER_HOUR times an hour. Every patient found outside
    this hospital (by exact number, e-mail or phone) gets a "found by a front desk" row in their access log,
    which they see under "Who viewed my record"; every search is also written to the application log."""
    from django.core.cache import cache

    from appointments.selectors import desk_patient_search
    from patients.models import AccessLogEntry
    from patients.services import access_log_record

    key = f"desk-lookup:{actor.pk}:{int(timezone.now().timestamp()) // DESK_LOOKUP_WINDOW_SECONDS}"
    try:
        cache.add(key, 0, DESK_LOOKUP_WINDOW_SECONDS)
        used = cache.incr(key)
    except Exception:
        used = AccessLogEntry.objects.filter(
            accessor=actor, kind=AccessLogEntry.Kind.DESK_LOOKUP,
            created_at__gte=timezone.now() - datetime.timedelta(seconds=DESK_LOOKUP_WINDOW_SECONDS),
        ).count()  # fmt: skip
    if used > settings.DESK_LOOKUPS_PER_HOUR:
        logger.warning("Desk lookup refused (limit): user %s at hospital %s", actor.pk, hospital.pk)
        raise AppointmentError("Too many patient searches in the last hour. Try again later or ask an administrator.")
    found = desk_patient_search(hospital, query)
    logger.info("Desk lookup: user %s at hospital %s, %d result(s)", actor.pk, hospital.pk, len(found))
    for patient in found:
        if not patient.is_local:
            access_log_record(
                actor=actor, patient=patient, kind=AccessLogEntry.Kind.DESK_LOOKUP, hospital_id=hospital.pk
            )
    return found


# --- booking -----------------------------------------------------------------------------------


class SlotTakenError(AppointmentError):
    """The slot went to someone else first; `alternatives` are the nearest free slots."""

    def __init__(self, message: str, alternatives: list[Slot]):
        super().__init__(message)
        self.alternatives = alternatives


def _as_utc(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        raise AppointmentError("The appointment time must carry its time zone.")
    return value.astimezone(datetime.UTC)


def _slot_taken(*, doctor, hospital, mode, start_at) -> SlotTakenError:
    alternatives = nearest_free_slots(doctor=doctor, hospital=hospital, mode=mode, around=start_at)
    return SlotTakenError("That slot was just taken — here are the nearest free ones.", alternatives)


def _check_bookable(*, patient, doctor, hospital, mode, start_at, ignore_pk=None) -> Slot:
    """Every rule a new slot must satisfy; raises AppointmentError with the reason."""
    if mode not in Appointment.Mode.values:
        raise AppointmentError("Choose in-person or video consultation.")
    if hospital.status != Hospital.Status.APPROVED:
        raise AppointmentError(f"{hospital.name} is not accepting bookings.")
    if not Affiliation.objects.filter(doctor=doctor, hospital=hospital, is_active=True).exists():
        raise AppointmentError(f"{doctor.display_name} no longer works at {hospital.name}.")
    earliest, latest = bookable_window()
    if start_at < earliest:
        if start_at < timezone.now():
            raise AppointmentError("That time has already passed. Choose a future slot.")
        raise AppointmentError(
            f"Appointments must be booked at least {settings.BOOKING_MIN_LEAD_MINUTES} minutes in advance."
        )
    if start_at > latest:
        raise AppointmentError(f"Appointments can be booked at most {settings.BOOKING_HORIZON_DAYS} days ahead.")
    slot = slot_at(doctor=doctor, hospital=hospital, mode=mode, start_at=start_at, include_taken=True)
    if slot is None:
        raise AppointmentError(
            f"{doctor.display_name} does not see patients at that time ({mode.replace('_', '-')}) at {hospital.name}."
        )
    doctor_busy = overlapping(active_appointments().filter(doctor=doctor), slot.start_at, slot.end_at)
    if doctor_busy.exclude(pk=ignore_pk).exists():
        raise _slot_taken(doctor=doctor, hospital=hospital, mode=mode, start_at=start_at)
    _check_patient_free(patient=patient, start_at=slot.start_at, end_at=slot.end_at, ignore_pk=ignore_pk)
    return slot


def _check_patient_free(*, patient, start_at, end_at, ignore_pk=None) -> None:
    clash = (
        overlapping(active_appointments().filter(patient=patient), start_at, end_at)
        .exclude(pk=ignore_pk)
        .select_related("doctor__user")
        .first()
    )
    if clash is not None:
        raise AppointmentError(
            f"{patient.user.full_name} already has an appointment at that time (with {clash.doctor.display_name})."
        )


def _integrity_to_domain(*, patient, doctor, hospital, mode, start_at, end_at, ignore_pk=None) -> AppointmentError:
    """A constraint refused the row: say which one, in words (the competing row is committed and visible now)."""
    try:
        _check_patient_free(patient=patient, start_at=start_at, end_at=end_at, ignore_pk=ignore_pk)
    except AppointmentError as error:
        return error
    return _slot_taken(doctor=doctor, hospital=hospital, mode=mode, start_at=start_at)


def _notify_other_party(
    *, actor: User, appointment: Appointment, kind: str, title: str, body: str, patient_kind: str | None = None
) -> None:
    """Tell the patient and the doctor, except whoever made the change (rows now, delivery after commit)."""
    url = reverse("appointments:detail", args=[appointment.pk])
    for recipient in (appointment.patient.user, appointment.doctor.user):
        if recipient.pk != actor.pk:
            is_patient = recipient.pk == appointment.patient.user_id
            notify(recipient=recipient, kind=(patient_kind if is_patient else None) or kind, title=title, body=body,
                   url=url)  # fmt: skip


def describe_time(appointment: Appointment) -> str:
    local = appointment.start_at.astimezone(appointment.hospital.tz)
    return f"{local:%a %d %b %Y, %H:%M} ({appointment.hospital.time_zone})"


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    patient: PatientProfile,
    doctor: DoctorProfile,
    hospital: Hospital,
    start_at: datetime.datetime,
    mode: str,
    reason: str = "",
) -> Appointment:
    """Book one slot. The database constraints decide races: a losing insert becomes SlotTakenError with
    the nearest free slots, and the caller's transaction stays usable (the insert runs in a savepoint)."""
    if not can_book_for(actor, patient, hospital):
        raise PermissionDenied("You cannot book appointments for this patient at this hospital.")
    start_at = _as_utc(start_at)
    slot = _check_bookable(patient=patient, doctor=doctor, hospital=hospital, mode=mode, start_at=start_at)
    opens_record = booking_opens_record(actor=actor, patient=patient, hospital=hospital)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                patient=patient, doctor=doctor, hospital=hospital, start_at=slot.start_at, end_at=slot.end_at,
                mode=mode, reason=reason.strip()[:300], booked_by=actor, opens_record=opens_record,
            )  # fmt: skip
    except IntegrityError:
        logger.info("Booking race lost: doctor %s at %s", doctor.pk, slot.start_at)
        raise _integrity_to_domain(
            patient=patient, doctor=doctor, hospital=hospital, mode=mode, start_at=slot.start_at, end_at=slot.end_at
        ) from None
    record_event(appointment=appointment, from_status="", actor=actor, note="Booked")
    _notify_other_party(
        actor=actor, appointment=appointment, kind=Notification.Kind.APPOINTMENT_BOOKED,
        patient_kind=Notification.Kind.APPOINTMENT_CONFIRMED,  # booked for them by the front desk
        title=f"Appointment booked: {describe_time(appointment)}",
        body=f"{patient.user.full_name} with {doctor.display_name} at {hospital.name}"
        f" ({appointment.get_mode_display().lower()}).",
    )  # fmt: skip
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    actor: User,
    appointment: Appointment,
    start_at: datetime.datetime,
    hospital: Hospital | None = None,
    mode: str | None = None,
) -> Appointment:
    """Move a booked appointment to another free slot in one step: a single UPDATE inside a savepoint, so
    the old slot is released only if the new one is secured."""
    locked = (
        Appointment.objects.select_for_update().select_related("patient__user", "doctor__user").get(pk=appointment.pk)
    )
    if not can_change_booking(actor, locked):
        raise PermissionDenied("You cannot reschedule this appointment.")
    locked.hospital = hospital or Hospital.objects.get(pk=locked.hospital_id)
    if not can_change_booking(actor, locked):  # the front desk moves visits only within its own hospital
        raise PermissionDenied("You cannot move this appointment to that hospital.")
    if locked.status != Status.BOOKED:
        raise AppointmentError(f"An appointment that is {locked.get_status_display().lower()} cannot be moved.")
    if locked.start_at <= timezone.now():
        raise AppointmentError("This appointment has already started and cannot be moved.")
    start_at = _as_utc(start_at)
    mode = mode or locked.mode
    if start_at == locked.start_at and locked.hospital.pk == appointment.hospital_id and mode == locked.mode:
        raise AppointmentError("Choose a different time to move the appointment to.")
    slot = _check_bookable(
        patient=locked.patient, doctor=locked.doctor, hospital=locked.hospital, mode=mode, start_at=start_at,
        ignore_pk=locked.pk,
    )  # fmt: skip
    old_time = describe_time(appointment)
    locked.start_at, locked.end_at, locked.mode = slot.start_at, slot.end_at, mode
    try:
        with transaction.atomic():
            locked.save(update_fields=["start_at", "end_at", "mode", "hospital"])
    except IntegrityError:
        raise _integrity_to_domain(
            patient=locked.patient, doctor=locked.doctor, hospital=locked.hospital, mode=mode,
            start_at=slot.start_at, end_at=slot.end_at, ignore_pk=locked.pk,
        ) from None  # fmt: skip
    record_event(appointment=locked, from_status=Status.BOOKED, actor=actor, note=f"Rescheduled from {old_time}")
    _notify_other_party(
        actor=actor, appointment=locked, kind=Notification.Kind.APPOINTMENT_RESCHEDULED,
        title=f"Appointment moved to {describe_time(locked)}",
        body=f"{locked.patient.user.full_name} with {locked.doctor.display_name}: was {old_time}.",
    )  # fmt: skip
    return locked


@transaction.atomic
def appointment_cancel(*, actor: User, appointment: Appointment, reason: str = "") -> Appointment:
    """Cancel (patient, doctor, desk or admin); the slot is free again at once. The other party is told."""
    if not (can_change_booking(actor, appointment) or can_manage(actor, appointment)):
        raise PermissionDenied("You cannot cancel this appointment.")
    if actor.role == User.Role.PATIENT and appointment.start_at <= timezone.now():
        raise AppointmentError("This appointment has already started; please contact the hospital.")
    reason = reason.strip()[:300]
    if actor.role != User.Role.PATIENT and not reason:
        raise AppointmentError("Give the patient a reason for the cancellation.")
    cancelled = appointment_transition(actor=actor, appointment=appointment, to_status=Status.CANCELLED, note=reason)
    transaction.on_commit(lambda: _end_call_sockets(appointment.pk), robust=True)
    who = {User.Role.PATIENT: "the patient", User.Role.DOCTOR: "the doctor"}.get(actor.role, "the hospital")
    _notify_other_party(
        actor=actor, appointment=appointment, kind=Notification.Kind.APPOINTMENT_CANCELLED,
        title=f"Appointment cancelled: {describe_time(appointment)}",
        body=f"Cancelled by {who}{': ' + reason if reason else '.'}",
    )  # fmt: skip
    return cancelled


def _end_call_sockets(appointment_id: int) -> None:
    """Open call sockets of a cancelled appointment close themselves (issue 11)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from appointments.consumers import group_name

    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group_name(appointment_id), {"type": "call.ended"})


VISIT_ACTIONS = {"check_in": Status.CHECKED_IN, "complete": Status.COMPLETED, "no_show": Status.NO_SHOW}


def visit_actions_for(user: User, appointments, now: datetime.datetime) -> list[tuple[Appointment, list]]:
    """[(appointment, visit buttons)] for a list page: the user's workplaces are read once, not per row."""
    hospital_ids = _workplaces(user) if user.role in (User.Role.STAFF, User.Role.HOSPITAL_ADMIN) else None
    return [
        (appointment, visit_actions(user, appointment, now, hospital_ids=hospital_ids)) for appointment in appointments
    ]


def visit_actions(
    user: User, appointment: Appointment, now: datetime.datetime, *, hospital_ids: frozenset[int] | None = None
) -> list[tuple[str, str]]:
    """The visit buttons this user gets for this appointment right now: (action, label)."""
    if not can_manage(user, appointment, hospital_ids=hospital_ids) or appointment.status not in (
        Appointment.Status.BOOKED,
        Appointment.Status.CHECKED_IN,
    ):
        return []
    actions = []
    if appointment.status == Appointment.Status.BOOKED:
        actions.append(("check_in", "Check in"))
    if appointment.start_at <= now:
        if appointment.doctor.user_id == user.pk or user.is_platform_admin:
            actions.append(("complete", "Mark completed"))
        actions.append(("no_show", "Mark no-show"))
    return actions


@transaction.atomic
def appointment_mark(*, actor: User, appointment: Appointment, action: str) -> Appointment:
    """Check-in, completed or no-show, by the doctor or the hospital's desk (completed: the doctor only)."""
    if action not in VISIT_ACTIONS or not can_manage(actor, appointment):
        raise PermissionDenied("You cannot change this appointment.")
    if action == "complete" and not (actor.is_platform_admin or appointment.doctor.user_id == actor.pk):
        raise PermissionDenied("Only the doctor completes a visit.")
    if action != "check_in" and appointment.start_at > timezone.now():
        raise AppointmentError("This appointment has not started yet.")
    if action == "check_in":
        local_day = timezone.now().astimezone(appointment.hospital.tz).date()
        if appointment.start_at.astimezone(appointment.hospital.tz).date() != local_day:
            raise AppointmentError("Patients can be checked in only on the day of their appointment.")
    return appointment_transition(actor=actor, appointment=appointment, to_status=VISIT_ACTIONS[action])


@transaction.atomic
def appointment_rate(*, actor: User, appointment: Appointment, score: int, comment: str = "") -> AppointmentRating:
    if appointment.patient.user_id != actor.pk:
        raise PermissionDenied("Only the patient rates a visit.")
    if appointment.status != Status.COMPLETED:
        raise AppointmentError("You can rate a visit once it is completed.")
    if not 1 <= int(score) <= 5:
        raise AppointmentError("Choose a rating from 1 to 5.")
    try:
        with transaction.atomic():
            return AppointmentRating.objects.create(
                appointment=appointment, doctor_id=appointment.doctor_id, score=score, comment=comment.strip()[:500]
            )
    except IntegrityError:
        raise AppointmentError("You have already rated this visit.") from None


# --- schedules and time off --------------------------------------------------------------------


def _own_doctor(actor: User, doctor: DoctorProfile) -> None:
    if not (actor.is_platform_admin or doctor.user_id == actor.pk):
        raise PermissionDenied("You can change only your own schedule.")


@transaction.atomic
def schedule_range_add(
    *,
    actor: User,
    doctor: DoctorProfile,
    hospital: Hospital,
    weekdays: list[int],
    start_time: datetime.time,
    end_time: datetime.time,
    mode: str,
    valid_from: datetime.date | None = None,
) -> list[ScheduleRange]:
    """Add a working range on each of `weekdays` to the doctor's current schedule at a hospital (the schedule
    is created on first use). Existing bookings are untouched; new slots are offered at once."""
    _own_doctor(actor, doctor)
    if not Affiliation.objects.filter(doctor=doctor, hospital=hospital, is_active=True).exists():
        raise AppointmentError(f"You do not work at {hospital.name}.")
    if mode not in Appointment.Mode.values:
        raise AppointmentError("Choose in-person or video consultation.")
    if end_time <= start_time:
        raise AppointmentError("The range must end after it starts.")
    if (
        datetime.datetime.combine(datetime.date.min, end_time)
        - datetime.datetime.combine(datetime.date.min, start_time)
    ) < slot_length():
        raise AppointmentError(f"A range must be at least {settings.SLOT_MINUTES} minutes long to hold a slot.")
    today = timezone.now().astimezone(hospital.tz).date()
    schedule = current_schedule(doctor, hospital, today)
    if schedule is None:
        schedule = WeeklySchedule.objects.create(doctor=doctor, hospital=hospital, valid_from=valid_from or today)
    if not weekdays:
        raise AppointmentError("Choose at least one day of the week.")
    created = []
    for weekday in sorted(set(weekdays)):
        # A doctor is in one place at a time: no overlapping ranges on the same weekday in any schedule still in
        # force (wall-clock comparison; bookings across zones are kept apart by the database constraints).
        clash = (
            ScheduleRange.objects.filter(
                schedule__doctor=doctor, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
            )
            .filter(Q(schedule__valid_until__isnull=True) | Q(schedule__valid_until__gte=today))
            .select_related("schedule__hospital")
            .first()
        )
        if clash is not None:
            raise AppointmentError(f"That overlaps {clash} at {clash.schedule.hospital.name}.")
        created.append(
            ScheduleRange.objects.create(
                schedule=schedule, weekday=weekday, start_time=start_time, end_time=end_time, mode=mode
            )
        )
    return created


def current_schedule(doctor: DoctorProfile, hospital: Hospital, day: datetime.date) -> WeeklySchedule | None:
    return (
        WeeklySchedule.objects.filter(doctor=doctor, hospital=hospital)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("valid_from")
        .first()
    )


@transaction.atomic
def schedule_range_remove(*, actor: User, schedule_range: ScheduleRange) -> None:
    """Remove a range: its slots stop being offered; appointments already booked in it stay booked."""
    _own_doctor(actor, schedule_range.schedule.doctor)
    schedule_range.delete()


@transaction.atomic
def schedule_set_validity(
    *, actor: User, schedule: WeeklySchedule, valid_from: datetime.date, valid_until: datetime.date | None
) -> WeeklySchedule:
    _own_doctor(actor, schedule.doctor)
    if valid_until is not None and valid_until < valid_from:
        raise AppointmentError("The end date must be on or after the start date.")
    schedule.valid_from, schedule.valid_until = valid_from, valid_until
    schedule.save(update_fields=["valid_from", "valid_until"])
    return schedule


@transaction.atomic
def time_off_add(
    *,
    actor: User,
    doctor: DoctorProfile,
    hospital: Hospital | None,
    first_day: datetime.date,
    last_day: datetime.date,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    kind: str = TimeOff.Kind.HOLIDAY,
    note: str = "",
) -> list[TimeOff]:
    """Time off on local days first_day..last_day (whole days, or from start_time to end_time each day's
    stretch). Without a hospital it applies at every hospital, each read in that hospital's own zone."""
    _own_doctor(actor, doctor)
    if last_day < first_day:
        raise AppointmentError("The last day must be on or after the first day.")
    if (start_time is None) != (end_time is None):
        raise AppointmentError("Give both a start and an end time, or neither for whole days.")
    if start_time is not None and end_time <= start_time:
        raise AppointmentError("The time off must end after it starts.")
    if (last_day - first_day).days > 366:
        raise AppointmentError("Time off can cover at most a year at once.")
    today = timezone.now().date()
    if first_day < today - datetime.timedelta(days=366) or last_day > today + datetime.timedelta(days=3 * 366):
        # Also keeps year 1 / year 9999 away from time-zone arithmetic that would overflow (issue 11).
        raise AppointmentError("Choose days from a year ago to three years ahead.")
    if hospital is not None:
        hospitals = [hospital]
    else:
        hospitals = list(bookable_hospitals(doctor)) or list(
            Hospital.objects.filter(affiliations__doctor=doctor).distinct()
        )
    if not hospitals:
        raise AppointmentError("You are not linked to a hospital yet.")
    rows = []
    for place in hospitals:
        tz = place.tz
        start = datetime.datetime.combine(first_day, start_time or datetime.time.min, tzinfo=tz)
        if end_time is None:
            end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        else:
            end = datetime.datetime.combine(last_day, end_time, tzinfo=tz)
        rows.append(
            TimeOff.objects.create(
                doctor=doctor,
                hospital=place,
                start_at=start.astimezone(datetime.UTC),
                end_at=end.astimezone(datetime.UTC),
                kind=kind,
                note=note.strip()[:200],
            )
        )
    return rows


@transaction.atomic
def time_off_remove(*, actor: User, time_off: TimeOff) -> None:
    _own_doctor(actor, time_off.doctor)
    time_off.delete()


@transaction.atomic
def time_off_cancel_conflicts(
    *, actor: User, time_off: TimeOff, appointment_ids: list[int], reason: str
) -> list[Appointment]:
    """Cancel the chosen appointments that fall inside the time off (patients are notified); others stay."""
    _own_doctor(actor, time_off.doctor)
    chosen = time_off_conflicts(time_off).filter(pk__in=appointment_ids)
    reason = reason.strip() or f"The doctor is unavailable ({time_off.get_kind_display().lower()})."
    return [appointment_cancel(actor=actor, appointment=appointment, reason=reason) for appointment in chosen]
