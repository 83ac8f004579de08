import datetime

import factory
from django.utils import timezone

from appointments.models import Appointment
from doctors.tests.factories import DoctorFactory
from hospitals.tests.factories import HospitalFactory
from patients.tests.factories import PatientFactory


def _on_the_hour_in_two_days() -> datetime.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    hospital = factory.SubFactory(HospitalFactory)
    start_at = factory.LazyFunction(_on_the_hour_in_two_days)
    end_at = factory.LazyAttribute(lambda a: a.start_at + datetime.timedelta(minutes=30))
    mode = Appointment.Mode.IN_PERSON
    status = Appointment.Status.BOOKED
    reason = "Check-up"
