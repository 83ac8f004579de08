import pytest

from appointments.models import Appointment, AppointmentEvent
from appointments.selectors import appointments_visible_to
from appointments.services import AppointmentError, appointment_transition
from appointments.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def appointment(doctor, patient, hospital):
    return AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital)


def test_allowed_transition_is_recorded_with_actor(appointment, staff):
    moved = appointment_transition(actor=staff, appointment=appointment, to_status=Status.CHECKED_IN)

    assert moved.status == Status.CHECKED_IN
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.from_status, event.to_status, event.actor) == (Status.BOOKED, Status.CHECKED_IN, staff)


def test_cancel_keeps_reason_and_who(appointment, doctor):
    moved = appointment_transition(actor=doctor.user, appointment=appointment, to_status=Status.CANCELLED, note="Ill")

    assert (moved.cancelled_by, moved.cancellation_reason) == (doctor.user, "Ill")


@pytest.mark.parametrize("final", [Status.CANCELLED, Status.NO_SHOW, Status.COMPLETED])
def test_final_states_cannot_move(appointment, doctor, final):
    appointment_transition(actor=doctor.user, appointment=appointment, to_status=final)

    with pytest.raises(AppointmentError, match="cannot be marked"):
        appointment_transition(actor=doctor.user, appointment=appointment, to_status=Status.CHECKED_IN)
    appointment.refresh_from_db()
    assert appointment.status == final


def test_visibility_by_role(appointment, patient, other_patient, doctor, other_doctor, hospital_admin,
                            other_hospital_admin, staff, super_admin):  # fmt: skip
    def sees(user) -> bool:
        return appointments_visible_to(user).filter(pk=appointment.pk).exists()

    assert sees(patient.user) and sees(doctor.user) and sees(hospital_admin) and sees(staff) and sees(super_admin)
    assert not sees(other_patient.user)
    assert not sees(other_doctor.user)
    assert not sees(other_hospital_admin)


# --- issue 10: the whole transition table, and the patient's cancel after the start --------------------------

B, CI, IP, C, X, NS = (Status.BOOKED, Status.CHECKED_IN, Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED,
                       Status.NO_SHOW)  # fmt: skip
# Written out here on purpose (not read from the code): a change to the state machine must change this table too.
EXPECTED = {
    B: {CI, IP, C, X, NS},
    CI: {IP, C, X, NS},
    IP: {C},
    C: set(),
    X: set(),
    NS: set(),
}


@pytest.mark.parametrize("from_status", Status.values)
def test_every_transition_is_allowed_or_refused_as_the_table_says(doctor, patient, hospital, from_status):
    import datetime

    for hours, to_status in enumerate(Status.values):
        start = AppointmentFactory.start_at.function() + datetime.timedelta(hours=hours)
        appointment = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, status=from_status,
                                         start_at=start)  # fmt: skip
        if to_status in EXPECTED[from_status]:
            assert appointment_transition(actor=doctor.user, appointment=appointment, to_status=to_status).status == (
                to_status
            )
        else:
            with pytest.raises(AppointmentError):
                appointment_transition(actor=doctor.user, appointment=appointment, to_status=to_status)
            appointment.refresh_from_db()
            assert appointment.status == from_status, (from_status, to_status)


def test_a_completed_appointment_cannot_be_cancelled_by_anyone(doctor, patient, hospital, staff, super_admin):
    from appointments.services import appointment_cancel

    done = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, status=Status.COMPLETED)
    for actor in (doctor.user, staff, super_admin):
        with pytest.raises(AppointmentError):
            appointment_cancel(actor=actor, appointment=done, reason="Mistake")
    done.refresh_from_db()
    assert done.status == Status.COMPLETED


def test_patient_cannot_cancel_once_the_appointment_has_started(doctor, patient, hospital):
    import datetime

    from django.utils import timezone

    from appointments.services import appointment_cancel

    started = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital,
                                 start_at=timezone.now() - datetime.timedelta(minutes=5))  # fmt: skip
    with pytest.raises(AppointmentError, match="already started"):
        appointment_cancel(actor=patient.user, appointment=started)
    started.refresh_from_db()
    assert started.status == Status.BOOKED
    coming = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital,
                                start_at=timezone.now() + datetime.timedelta(minutes=40))  # fmt: skip
    assert appointment_cancel(actor=patient.user, appointment=coming).status == Status.CANCELLED
