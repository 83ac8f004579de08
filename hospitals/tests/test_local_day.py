"""Issue 10, defect 6: "a local day at this hospital" is one selector, and every view that needs today or a day's
bounds reads it in the hospital's zone, never in UTC. Tested in zones far from UTC on both sides and across DST."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from appointments.models import Appointment, TimeOff
from appointments.services import AppointmentError, appointment_mark
from appointments.tests.factories import AppointmentFactory
from hospitals.models import HospitalMembership
from hospitals.selectors import local_day, local_today
from hospitals.tests.factories import AffiliationFactory, HospitalFactory, MembershipFactory
from patients.tests.factories import PatientFactory

UTC = datetime.UTC
KOLKATA, AUCKLAND, LOS_ANGELES = "Asia/Kolkata", "Pacific/Auckland", "America/Los_Angeles"


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def local(zone: str, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


@pytest.fixture
def clock(db, monkeypatch):
    """clock(moment): from now on "now" is `moment` everywhere Django asks for it."""

    def set_now(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


# --- the selector ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "expected_day", "start", "end"),
    [
        # 00:30 on 2 Dec in India is still 1 Dec in UTC.
        (
            KOLKATA,
            utc(2026, 12, 1, 19, 0),
            datetime.date(2026, 12, 2),
            utc(2026, 12, 1, 18, 30),
            utc(2026, 12, 2, 18, 30),
        ),
        # 09:00 on 10 Mar in Auckland (NZDT, UTC+13) is 20:00 on 9 Mar in UTC.
        (AUCKLAND, utc(2026, 3, 9, 20, 0), datetime.date(2026, 3, 10), utc(2026, 3, 9, 11, 0), utc(2026, 3, 10, 11, 0)),
        # Auckland leaves DST on 5 Apr 2026: that day is 25 hours long.
        (AUCKLAND, utc(2026, 4, 5, 0, 0), datetime.date(2026, 4, 5), utc(2026, 4, 4, 11, 0), utc(2026, 4, 5, 12, 0)),
        # 22:00 on 9 Mar in Los Angeles (PDT since 8 Mar) is already 10 Mar in UTC.
        (LOS_ANGELES, utc(2026, 3, 10, 5, 0), datetime.date(2026, 3, 9), utc(2026, 3, 9, 7, 0), utc(2026, 3, 10, 7, 0)),
        # Los Angeles springs forward on 8 Mar 2026: that day is 23 hours long.
        (LOS_ANGELES, utc(2026, 3, 8, 20, 0), datetime.date(2026, 3, 8), utc(2026, 3, 8, 8, 0), utc(2026, 3, 9, 7, 0)),
    ],
)
def test_local_day_is_the_hospitals_calendar_day(db, zone, now, expected_day, start, end):
    hospital = HospitalFactory(time_zone=zone)
    assert local_today(hospital, now=now) == expected_day
    day = local_day(hospital, now=now)
    assert (day.date, day.start, day.end) == (expected_day, start, end)


# --- the staff dashboard's "today" -----------------------------------------------------------------------


def _desk_person(hospital) -> User:
    user = UserFactory(role=User.Role.STAFF, full_name="Desk Person")
    MembershipFactory(user=user, hospital=hospital, role=HospitalMembership.Role.FRONT_DESK)
    return user


def _appointment(hospital, start_at, name: str, **extra) -> Appointment:
    patient = PatientFactory(user=UserFactory(full_name=name, role=User.Role.PATIENT))
    return AppointmentFactory(
        hospital=hospital, patient=patient, start_at=start_at, end_at=start_at + datetime.timedelta(minutes=30),
        **extra,
    )  # fmt: skip


def test_los_angeles_desk_lists_its_own_evening_not_tomorrow_by_utc(clock, client_for):
    hospital = HospitalFactory(time_zone=LOS_ANGELES)
    _appointment(hospital, local(LOS_ANGELES, 2026, 3, 9, 21, 0), "Evening Today")
    _appointment(hospital, local(LOS_ANGELES, 2026, 3, 10, 9, 0), "Morning Tomorrow")
    _appointment(hospital, local(LOS_ANGELES, 2026, 3, 8, 16, 0), "Sunday Yesterday")
    clock(utc(2026, 3, 10, 5, 0))  # 22:00 on Mon 9 Mar in Los Angeles, already Tue 10 Mar in UTC
    page = client_for(_desk_person(hospital)).get(reverse("hospitals:staff_dashboard")).content.decode()
    assert "Evening Today" in page
    assert "Morning Tomorrow" not in page
    assert "Sunday Yesterday" not in page
    assert "21:00" in page  # shown in the hospital's time, with the zone


def test_auckland_desk_lists_its_nine_oclock_appointment(clock, client_for):
    hospital = HospitalFactory(time_zone=AUCKLAND)
    _appointment(hospital, local(AUCKLAND, 2026, 3, 10, 9, 0), "Nine Oclock")
    _appointment(hospital, local(AUCKLAND, 2026, 3, 9, 23, 30), "Last Night")
    clock(utc(2026, 3, 9, 20, 30))  # 09:30 on 10 Mar in Auckland, 9 Mar in UTC
    page = client_for(_desk_person(hospital)).get(reverse("hospitals:staff_dashboard")).content.decode()
    assert "Nine Oclock" in page
    assert "Last Night" not in page


def test_front_desk_day_list_uses_the_hospital_day(clock, client_for):
    hospital = HospitalFactory(time_zone=KOLKATA)
    _appointment(hospital, local(KOLKATA, 2026, 12, 2, 0, 30), "Just After Midnight")
    _appointment(hospital, local(KOLKATA, 2026, 12, 1, 23, 30), "Just Before Midnight")
    clock(utc(2026, 12, 1, 19, 30))  # 01:00 on 2 Dec in India
    page = client_for(_desk_person(hospital)).get(reverse("appointments:desk")).content.decode()
    assert "Just After Midnight" in page
    assert "Just Before Midnight" not in page


# --- check-in: "same day" is the hospital's day ----------------------------------------------------------


def test_check_in_same_day_is_computed_in_the_hospital_zone(clock, doctor):
    hospital = HospitalFactory(time_zone=LOS_ANGELES)
    AffiliationFactory(doctor=doctor, hospital=hospital)
    tonight = _appointment(hospital, local(LOS_ANGELES, 2026, 3, 9, 22, 30), "Tonight", doctor=doctor)
    tomorrow = _appointment(hospital, local(LOS_ANGELES, 2026, 3, 10, 9, 0), "Tomorrow", doctor=doctor)
    clock(utc(2026, 3, 10, 5, 0))  # 22:00 on 9 Mar local; both appointments share the UTC date 10 Mar
    assert appointment_mark(actor=doctor.user, appointment=tonight, action="check_in").status == "checked_in"
    with pytest.raises(AppointmentError, match="only on the day"):
        appointment_mark(actor=doctor.user, appointment=tomorrow, action="check_in")
    tomorrow.refresh_from_db()
    assert tomorrow.status == Appointment.Status.BOOKED


# --- the doctor's week grid and time-off pages -------------------------------------------------------------


def test_week_grid_marks_the_hospitals_today(clock, client_for, doctor, hospital):
    assert hospital.time_zone == KOLKATA
    clock(utc(2026, 12, 1, 20, 0))  # 01:30 on Wed 2 Dec in India, still Tue 1 Dec in UTC
    page = client_for(doctor.user).get(reverse("appointments:doctor_week")).content.decode()
    today_section = page.split("is-today", 1)[1].split("</h3>", 1)[0]
    assert "Wed 2 Dec" in today_section
    assert page.count("is-today") == 1


def test_time_off_page_shows_a_day_off_as_that_local_day(client_for, doctor, hospital):
    start = datetime.datetime(2026, 12, 2, tzinfo=hospital.tz)
    off = TimeOff.objects.create(
        doctor=doctor, hospital=hospital, start_at=start.astimezone(UTC),
        end_at=(start + datetime.timedelta(days=1)).astimezone(UTC),
    )  # fmt: skip
    client = client_for(doctor.user)
    for url in (reverse("appointments:time_off_detail", args=[off.pk]), reverse("appointments:time_off")):
        page = client.get(url).content.decode()
        assert "Wed 2 Dec 2026" in page, url
        assert "18:30" not in page, url
        assert "Tue 1 Dec" not in page, url


def test_access_log_and_upload_times_are_in_the_hospital_zone(client_for, doctor, hospital, patient):
    from patients.models import AccessLogEntry

    AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital)
    AccessLogEntry.objects.create(
        accessor=doctor.user, accessor_role="doctor", hospital=hospital, patient=patient, kind="history"
    )
    entry = AccessLogEntry.objects.get()
    expected = entry.created_at.astimezone(hospital.tz).strftime("%H:%M:%S")
    page = client_for(patient.user).get(reverse("patients:access_log")).content.decode()
    assert expected in page
    assert "Asia/Kolkata" in page


def test_part_day_time_off_over_several_days_is_those_hours_each_day(doctor, hospital):
    from appointments.services import time_off_add

    rows = time_off_add(
        actor=doctor.user, doctor=doctor, hospital=hospital, first_day=datetime.date(2026, 12, 7),
        last_day=datetime.date(2026, 12, 9), start_time=datetime.time(14), end_time=datetime.time(16),
    )  # fmt: skip
    stretches = [(row.start_at.astimezone(hospital.tz), row.end_at.astimezone(hospital.tz)) for row in rows]
    assert [(start.day, start.hour, end.day, end.hour) for start, end in stretches] == [
        (7, 14, 7, 16), (8, 14, 8, 16), (9, 14, 9, 16),
    ]  # fmt: skip


def test_time_off_conflicts_are_not_pre_ticked_for_cancellation(client_for, doctor, hospital, patient):
    start = datetime.datetime(2026, 12, 2, 10, tzinfo=hospital.tz).astimezone(UTC)
    booked = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital, start_at=start,
                                end_at=start + datetime.timedelta(minutes=30))  # fmt: skip
    off = TimeOff.objects.create(
        doctor=doctor, hospital=hospital, start_at=start - datetime.timedelta(hours=2),
        end_at=start + datetime.timedelta(hours=2),
    )  # fmt: skip
    page = client_for(doctor.user).get(reverse("appointments:time_off_detail", args=[off.pk])).content.decode()
    checkbox = (
        page.split(f'id="conflict-{booked.pk}"', 1)[0].rsplit("<input", 1)[1]
        + page.split(f'id="conflict-{booked.pk}"', 1)[1].split(">", 1)[0]
    )
    assert "checked" not in checkbox
