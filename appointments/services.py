"""Every change to an appointment goes through here: status transitions with their history."""

from django.db import transaction

from accounts.models import User
from appointments.models import Appointment, AppointmentEvent

Status = Appointment.Status


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
    return locked
