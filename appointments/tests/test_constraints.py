"""Issue 10: the portable half of "no double booking" (unique (doctor, start) and (patient, start) among active
appointments) exists on every database, SQLite included, and refuses the second row by itself."""

import pytest
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from patients.tests.factories import PatientFactory

Status = Appointment.Status
pytestmark = pytest.mark.django_db


def test_the_unique_constraints_are_in_the_database():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Appointment._meta.db_table)
    for name, columns in (
        ("doctor_one_active_appointment_per_start", ["doctor_id", "start_at"]),
        ("patient_one_active_appointment_per_start", ["patient_id", "start_at"]),
    ):
        assert name in constraints, f"{name} is missing on {connection.vendor}"
        assert constraints[name]["unique"] and constraints[name]["columns"] == columns


@pytest.mark.parametrize("shared", ["doctor", "patient"])
def test_a_second_active_row_at_the_same_start_is_refused(doctor, patient, hospital, shared):
    first = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital)
    other = {"doctor": doctor, "patient": PatientFactory()} if shared == "doctor" else {
        "patient": patient, "doctor": DoctorFactory()}  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(hospital=hospital, start_at=first.start_at, end_at=first.end_at, **other)
    # Cancelled rows do not hold the slot: the same start can be booked again.
    Appointment.objects.filter(pk=first.pk).update(status=Status.CANCELLED)
    Appointment.objects.create(hospital=hospital, start_at=first.start_at, end_at=first.end_at, **other)
