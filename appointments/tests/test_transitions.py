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
