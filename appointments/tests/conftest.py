import datetime

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory


def video_appointment_for(doctor, patient, hospital, *, starts_in_minutes: float = 5, **extra) -> Appointment:
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=starts_in_minutes)
    fields = {"mode": Appointment.Mode.VIDEO, "reason": "Chest pain on stairs", **extra}
    return AppointmentFactory(
        doctor=doctor, patient=patient, hospital=hospital, start_at=start,
        end_at=start + datetime.timedelta(minutes=30), **fields,
    )  # fmt: skip


@pytest.fixture
def video_appointment(doctor, patient, hospital) -> Appointment:
    """A video appointment of `doctor` with `patient` at `hospital` whose call window is open now."""
    return video_appointment_for(doctor, patient, hospital)
