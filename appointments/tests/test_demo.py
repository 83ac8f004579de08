import datetime
import itertools

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import Appointment, WeeklySchedule
from appointments.selectors import active_appointments, next_free_slot
from hospitals.models import Affiliation

pytestmark = pytest.mark.django_db


def test_demo_schedules_appointments_and_a_video_call_starting_now():
    call_command("seed_demo")
    call_command("seed_demo")
    now = timezone.now()

    for affiliation in Affiliation.objects.filter(is_active=True, hospital__status="approved"):
        assert WeeklySchedule.objects.filter(doctor=affiliation.doctor, hospital=affiliation.hospital).exists()
        assert next_free_slot(affiliation.doctor, hospital=affiliation.hospital) is not None
    assert Appointment.objects.filter(status=Appointment.Status.COMPLETED, end_at__lt=now).count() >= 3
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED, start_at__gt=now).count() >= 5
    assert WeeklySchedule.objects.filter(ranges__mode=Appointment.Mode.VIDEO).exists()

    calls = Appointment.objects.filter(
        doctor__user__email="doctor@example.com", patient__user__email="patient@example.com",
        mode=Appointment.Mode.VIDEO, status=Appointment.Status.BOOKED,
        start_at__lte=now + datetime.timedelta(minutes=10), end_at__gte=now - datetime.timedelta(minutes=30),
    )  # fmt: skip
    assert calls.count() == 1
    assert now <= calls.get().start_at <= now + datetime.timedelta(minutes=6)

    active = list(active_appointments())
    for first, second in itertools.combinations(active, 2):
        if first.doctor_id == second.doctor_id or first.patient_id == second.patient_id:
            assert first.end_at <= second.start_at or second.end_at <= first.start_at, (first, second)
