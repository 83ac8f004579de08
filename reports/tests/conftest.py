"""A report fixture with known counts (every number below is worked out by hand in the docstring).

Hospital "Spree Report" in Europe/Berlin; report days Tue 20 Oct .. Mon 26 Oct 2026 (7 days). Summer time ends
on Sunday 25 Oct 2026 at 03:00 (clocks go back to 02:00), so that day has 25 hours.

Doctor A (Cardiology): every day 09:00-12:00 in person (6 slots), Sundays also 02:00-03:00 (on 25 Oct the
  02:30 slot would straddle the jump: the slot engine drops it, so 1 slot), time off 21 Oct 10:00-11:00 (-2).
  Offered: 7 x 6 - 2 + 1 = 41.
Doctor B (Dermatology): Mondays 09:00-10:00 video: 26 Oct, 2 slots.

In range (local times):
  a1 20 Oct 00:15 completed P1   (= 19 Oct 22:15 UTC: inside by local day, outside by UTC day) wait 30 min
  a2 20 Oct 09:00 completed P2   wait 10 min
  a3 20 Oct 09:30 no-show   P3
  a4 21 Oct 09:00 cancelled P4   cancelled 48 h before
  a5 22 Oct 09:00 cancelled P5   cancelled 2 h before
  a6 25 Oct 02:00 (first occurrence, summer time) completed P6   wait 20 min
  a7 26 Oct 23:45 booked    P1   (= 26 Oct 22:45 UTC)
  b1 26 Oct 09:00 video completed P7
  b2 23 Oct 11:00 video cancelled P7 (no cancellation event recorded: counts as cancelled, has no lead time)
Outside: o1 19 Oct 23:45 completed P2 (earlier visit: P2 returns); o2 27 Oct 00:15 booked P3 (= 26 Oct 23:15 UTC);
  o3 a visit of A at another hospital on 20 Oct.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from appointments.models import Appointment, AppointmentEvent, ScheduleRange, TimeOff, WeeklySchedule
from doctors.tests.factories import DoctorFactory
from hospitals.models import HospitalMembership
from hospitals.tests.factories import AffiliationFactory, DepartmentFactory, HospitalFactory, MembershipFactory
from patients.tests.factories import PatientFactory

BERLIN = ZoneInfo("Europe/Berlin")
FIRST, LAST = datetime.date(2026, 10, 20), datetime.date(2026, 10, 26)
S = Appointment.Status


def local(day: int, hour: int, minute: int = 0, month: int = 10, fold: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=BERLIN, fold=fold).astimezone(datetime.UTC)


def _event(appointment, to_status, when) -> None:
    event = AppointmentEvent.objects.create(appointment=appointment, from_status="", to_status=to_status)
    AppointmentEvent.objects.filter(pk=event.pk).update(created_at=when)


def _range(schedule, weekdays, start, end, mode=Appointment.Mode.IN_PERSON):
    for weekday in weekdays:
        ScheduleRange.objects.create(
            schedule=schedule, weekday=weekday, start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end), mode=mode,
        )  # fmt: skip


@pytest.fixture
def known(db):
    hospital = HospitalFactory(name="Spree Report", slug="spree-report", city="Berlin", time_zone="Europe/Berlin")
    elsewhere = HospitalFactory(name="Elsewhere", slug="elsewhere", time_zone="Europe/Berlin")
    cardiology = DepartmentFactory(hospital=hospital, name="Cardiology")
    dermatology = DepartmentFactory(hospital=hospital, name="Dermatology")
    doctor_a = DoctorFactory(user=UserFactory(email="a@example.org", full_name="Anna Alpha", role=User.Role.DOCTOR))
    doctor_b = DoctorFactory(user=UserFactory(email="b@example.org", full_name="Bert Beta", role=User.Role.DOCTOR))
    AffiliationFactory(doctor=doctor_a, hospital=hospital, department=cardiology)
    AffiliationFactory(doctor=doctor_b, hospital=hospital, department=dermatology)
    AffiliationFactory(doctor=doctor_a, hospital=elsewhere)
    admin = MembershipFactory(
        hospital=hospital, role=HospitalMembership.Role.ADMIN,
        user=UserFactory(email="radmin@example.org", full_name="Report Admin", role=User.Role.HOSPITAL_ADMIN),
    ).user  # fmt: skip

    schedule_a = WeeklySchedule.objects.create(doctor=doctor_a, hospital=hospital, valid_from=datetime.date(2026, 1, 1))
    _range(schedule_a, range(7), "09:00", "12:00")
    _range(schedule_a, [6], "02:00", "03:00")
    TimeOff.objects.create(doctor=doctor_a, hospital=hospital, start_at=local(21, 10), end_at=local(21, 11))
    schedule_b = WeeklySchedule.objects.create(doctor=doctor_b, hospital=hospital, valid_from=datetime.date(2026, 1, 1))
    _range(schedule_b, [0], "09:00", "10:00", Appointment.Mode.VIDEO)

    patients = [
        PatientFactory(user=UserFactory(email=f"p{n}@example.org", full_name=f"Patient {n}", role=User.Role.PATIENT))
        for n in range(1, 8)
    ]
    p = dict(enumerate(patients, start=1))

    def book(doctor, patient, start, status, mode=Appointment.Mode.IN_PERSON, where=hospital):
        return Appointment.objects.create(
            doctor=doctor, patient=patient, hospital=where, start_at=start,
            end_at=start + datetime.timedelta(minutes=30), status=status, mode=mode,
        )  # fmt: skip

    a1 = book(doctor_a, p[1], local(20, 0, 15), S.COMPLETED)
    _event(a1, S.CHECKED_IN, local(20, 0, 5))
    _event(a1, S.IN_PROGRESS, local(20, 0, 35))
    a2 = book(doctor_a, p[2], local(20, 9), S.COMPLETED)
    _event(a2, S.CHECKED_IN, local(20, 8, 50))
    _event(a2, S.IN_PROGRESS, local(20, 9))
    book(doctor_a, p[3], local(20, 9, 30), S.NO_SHOW)
    a4 = book(doctor_a, p[4], local(21, 9), S.CANCELLED)
    _event(a4, S.CANCELLED, local(21, 9) - datetime.timedelta(hours=48))
    a5 = book(doctor_a, p[5], local(22, 9), S.CANCELLED)
    _event(a5, S.CANCELLED, local(22, 9) - datetime.timedelta(hours=2))
    a6 = book(doctor_a, p[6], local(25, 2), S.COMPLETED)
    _event(a6, S.CHECKED_IN, a6.start_at - datetime.timedelta(minutes=10))
    _event(a6, S.IN_PROGRESS, a6.start_at + datetime.timedelta(minutes=10))
    book(doctor_a, p[1], local(26, 23, 45), S.BOOKED)
    book(doctor_b, p[7], local(26, 9), S.COMPLETED, Appointment.Mode.VIDEO)
    book(doctor_b, p[7], local(23, 11), S.CANCELLED, Appointment.Mode.VIDEO)
    book(doctor_a, p[2], local(19, 23, 45), S.COMPLETED)
    book(doctor_a, p[3], local(27, 0, 15), S.BOOKED)
    book(doctor_a, p[4], local(20, 10), S.COMPLETED, where=elsewhere)
    return {
        "hospital": hospital, "elsewhere": elsewhere, "admin": admin, "a": doctor_a, "b": doctor_b,
        "cardiology": cardiology, "dermatology": dermatology, "patients": p,
    }  # fmt: skip


@pytest.fixture
def params_for(known):
    from reports.params import ReportForm, hospital_directory

    def make(**data):
        query = {"date_from": FIRST.isoformat(), "date_to": LAST.isoformat(), **data}
        hospital = data.pop("hospital", known["hospital"])
        query.pop("hospital", None)
        form = ReportForm(query, hospital=hospital)
        assert form.is_valid(), form.errors
        return form.params(), hospital_directory(hospital)

    return make
