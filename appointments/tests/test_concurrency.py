"""Many clients booking at the same instant: the database lets exactly one through, everyone else gets the
"slot taken" answer, and no exception escapes. Runs on SQLite (IMMEDIATE transactions + busy timeout) and on
PostgreSQL (the constraints decide; the losers' IntegrityError becomes SlotTakenError inside a savepoint)."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from appointments.models import Appointment
from appointments.services import AppointmentError, SlotTakenError, appointment_book
from appointments.tests.conftest import IN_PERSON
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from hms.testing import race as shared_race
from hospitals.tests.factories import AffiliationFactory
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


def race(attempts) -> list[str]:
    """Every attempt at the same instant; "booked", "slot taken", "refused: …" or an escaped error each."""

    def describe(error: Exception) -> str:
        return "slot taken" if isinstance(error, SlotTakenError) else f"refused: {error}"

    return shared_race(attempts, refused=(AppointmentError,), success="booked", describe_refusal=describe)


def test_twenty_patients_race_for_the_same_slot(working_doctor, hospital, at):
    patients = [PatientFactory() for _ in range(THREADS)]

    def attempt_for(patient):
        return lambda: appointment_book(
            actor=patient.user, patient=patient, doctor=working_doctor, hospital=hospital, start_at=at("09:00"),
            mode=IN_PERSON,
        )  # fmt: skip

    outcomes = race([attempt_for(patient) for patient in patients])

    assert sorted(outcomes) == ["booked"] + ["slot taken"] * (THREADS - 1), outcomes
    assert Appointment.objects.filter(doctor=working_doctor, start_at=at("09:00")).count() == 1


def test_one_patient_races_to_book_twenty_doctors_at_the_same_time(hospital, patient, make_schedule, at):
    doctors = []
    for _ in range(THREADS):
        doctor = DoctorFactory()
        AffiliationFactory(doctor=doctor, hospital=hospital)
        make_schedule(doctor, hospital, [(range(7), "09:00", "12:00")])
        doctors.append(doctor)

    def attempt_with(doctor):
        return lambda: appointment_book(
            actor=patient.user, patient=patient, doctor=doctor, hospital=hospital, start_at=at("10:00"), mode=IN_PERSON
        )

    outcomes = race([attempt_with(doctor) for doctor in doctors])

    assert outcomes.count("booked") == 1, outcomes
    refusals = [outcome for outcome in outcomes if outcome != "booked"]
    assert len(refusals) == THREADS - 1
    assert all("already has an appointment at that time" in outcome for outcome in refusals), outcomes
    assert Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.postgres
def test_postgres_refuses_overlapping_ranges_with_different_starts(doctor, hospital, patient, other_patient):
    start = datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC)
    AppointmentFactory(doctor=doctor, hospital=hospital, patient=patient, start_at=start,
                       end_at=start + datetime.timedelta(minutes=45))  # fmt: skip

    with pytest.raises(IntegrityError, match="appointment_doctor_no_overlap"), transaction.atomic():
        AppointmentFactory(doctor=doctor, hospital=hospital, patient=other_patient,
                           start_at=start + datetime.timedelta(minutes=30))  # fmt: skip
    with pytest.raises(IntegrityError, match="appointment_patient_no_overlap"), transaction.atomic():
        AppointmentFactory(doctor=DoctorFactory(), hospital=hospital, patient=patient,
                           start_at=start + datetime.timedelta(minutes=15))  # fmt: skip
    # Back to back is fine ('[)' ranges), and a cancelled appointment holds nothing.
    AppointmentFactory(doctor=doctor, hospital=hospital, patient=other_patient,
                       start_at=start + datetime.timedelta(minutes=45))  # fmt: skip
    Appointment.objects.filter(patient=patient).update(status=Appointment.Status.CANCELLED)
    AppointmentFactory(
        doctor=doctor, hospital=hospital, patient=patient, start_at=start + datetime.timedelta(minutes=10)
    )
