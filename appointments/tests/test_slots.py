"""Slot generation: the weekly wall-clock schedule turned into bookable UTC slots."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from appointments.models import Appointment, TimeOff
from appointments.selectors import available_slots, next_free_slot
from appointments.services import time_off_add
from appointments.slots import range_slots
from appointments.tests.conftest import EVERY_DAY, IN_PERSON, VIDEO
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from hospitals.tests.factories import AffiliationFactory, HospitalFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
HALF_HOUR = datetime.timedelta(minutes=30)


KOLKATA = ZoneInfo("Asia/Kolkata")


def local_times(slots, tz=KOLKATA) -> list[str]:
    return [slot.start_at.astimezone(tz).strftime("%H:%M") for slot in slots]


def slots_on(doctor, day, **kwargs):
    return available_slots(doctor=doctor, start_date=day, end_date=day, **kwargs)


def test_ranges_with_a_break_give_slots_aligned_to_each_range(working_doctor, day):
    slots = slots_on(working_doctor, day, mode=IN_PERSON)

    assert local_times(slots) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30",
        "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert all(slot.end_at - slot.start_at == HALF_HOUR for slot in slots)
    assert {slot.mode for slot in slots} == {IN_PERSON}


def test_video_ranges_are_offered_as_video(working_doctor, day):
    slots = slots_on(working_doctor, day, mode=VIDEO)

    assert local_times(slots) == ["17:00", "17:30"]
    assert {slot.mode for slot in slots} == {VIDEO}
    assert len(slots_on(working_doctor, day)) == 16


def test_range_not_a_multiple_of_the_slot_never_runs_past_its_end(doctor, hospital, make_schedule, day):
    make_schedule(doctor, hospital, [(EVERY_DAY, "09:10", "10:55"), (EVERY_DAY, "12:00", "12:20")])

    assert local_times(slots_on(doctor, day)) == ["09:10", "09:40", "10:10"]


def test_slot_minutes_is_a_setting(doctor, hospital, make_schedule, day, settings):
    settings.SLOT_MINUTES = 20
    make_schedule(doctor, hospital, [(EVERY_DAY, "09:00", "10:00")])

    assert local_times(slots_on(doctor, day)) == ["09:00", "09:20", "09:40"]


def test_full_day_time_off_removes_that_day_only(working_doctor, hospital, day):
    time_off_add(actor=working_doctor.user, doctor=working_doctor, hospital=None, first_day=day, last_day=day)

    assert slots_on(working_doctor, day) == []
    assert len(slots_on(working_doctor, day + datetime.timedelta(days=1))) == 16
    assert len(slots_on(working_doctor, day - datetime.timedelta(days=1))) == 16


def test_partial_day_time_off_removes_only_overlapping_slots(working_doctor, hospital, day):
    time_off_add(
        actor=working_doctor.user, doctor=working_doctor, hospital=hospital, first_day=day, last_day=day,
        start_time=datetime.time(10, 15), end_time=datetime.time(12, 0), kind=TimeOff.Kind.CONFERENCE,
    )  # fmt: skip

    assert local_times(slots_on(working_doctor, day, mode=IN_PERSON))[:4] == ["09:00", "09:30", "12:00", "12:30"]


def test_time_off_at_another_hospital_leaves_this_one_alone(working_doctor, hospital, other_hospital, day):
    AffiliationFactory(doctor=working_doctor, hospital=other_hospital)
    time_off_add(actor=working_doctor.user, doctor=working_doctor, hospital=other_hospital, first_day=day, last_day=day)

    assert len(slots_on(working_doctor, day, hospital=hospital)) == 16


def test_schedule_start_and_end_dates_bound_the_slots(doctor, hospital, make_schedule, day):
    make_schedule(doctor, hospital, [(EVERY_DAY, "09:00", "10:00")], valid_from=day, valid_until=day)

    assert slots_on(doctor, day - datetime.timedelta(days=1)) == []
    assert len(slots_on(doctor, day)) == 2
    assert slots_on(doctor, day + datetime.timedelta(days=1)) == []


def test_booked_slots_disappear_and_cancelled_ones_come_back(working_doctor, hospital, patient, day, at):
    appointment = AppointmentFactory(
        doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("09:30"), end_at=at("10:00")
    )
    assert "09:30" not in local_times(slots_on(working_doctor, day))

    appointment.status = Appointment.Status.CANCELLED
    appointment.save()
    assert "09:30" in local_times(slots_on(working_doctor, day))


def test_a_booking_at_another_hospital_blocks_the_same_time_here(working_doctor, hospital, other_hospital, day, at):
    AffiliationFactory(doctor=working_doctor, hospital=other_hospital)
    AppointmentFactory(doctor=working_doctor, hospital=other_hospital, start_at=at("11:00"), end_at=at("11:30"))

    assert "11:00" not in local_times(slots_on(working_doctor, day, hospital=hospital))


def test_lead_time_hides_slots_too_soon(working_doctor, hospital, day, at, settings):
    settings.BOOKING_MIN_LEAD_MINUTES = 90
    now = at("09:45")

    times = local_times(available_slots(doctor=working_doctor, start_date=day, end_date=day, now=now))
    assert times[:2] == ["11:30", "12:00"]  # 11:15 is the earliest start; 11:00 is 75 minutes away


def test_horizon_hides_slots_too_far_ahead(working_doctor, hospital, day, at, settings):
    settings.BOOKING_HORIZON_DAYS = 3
    now = at("10:00", on=day - datetime.timedelta(days=3))

    slots = available_slots(doctor=working_doctor, start_date=day, end_date=day + datetime.timedelta(days=5), now=now)
    assert local_times(slots) == ["09:00", "09:30", "10:00"]  # nothing starts more than 3 days after now
    assert {slot.start_at.astimezone(hospital.tz).date() for slot in slots} == {day}


def test_past_days_and_far_future_days_give_nothing(working_doctor, day):
    assert slots_on(working_doctor, day - datetime.timedelta(days=10)) == []
    assert slots_on(working_doctor, day + datetime.timedelta(days=4000)) == []


def test_inactive_affiliation_and_unapproved_hospital_give_nothing(working_doctor, hospital, day):
    hospital.status = hospital.Status.SUSPENDED
    hospital.save()
    assert slots_on(working_doctor, day) == []

    hospital.status = hospital.Status.APPROVED
    hospital.save()
    working_doctor.affiliations.update(is_active=False)
    assert slots_on(working_doctor, day) == []


def test_next_free_slot_skips_booked_and_empty_days(doctor, hospital, make_schedule, day, at):
    make_schedule(doctor, hospital, [(day.weekday(), "09:00", "09:30")])
    assert next_free_slot(doctor).start_at == at("09:00")

    AppointmentFactory(doctor=doctor, hospital=hospital, start_at=at("09:00"), end_at=at("09:30"))
    assert next_free_slot(doctor).start_at == at("09:00", on=day + datetime.timedelta(days=7))


def test_two_hospitals_in_two_zones_each_use_their_own_wall_clock(working_doctor, other_hospital, make_schedule, day):
    AffiliationFactory(doctor=working_doctor, hospital=other_hospital)
    make_schedule(working_doctor, other_hospital, [(EVERY_DAY, "09:00", "10:00")])

    berlin = available_slots(doctor=working_doctor, hospital=other_hospital, start_date=day, end_date=day)
    assert local_times(berlin, ZoneInfo("Europe/Berlin")) == ["09:00", "09:30"]
    assert all(slot.time_zone == "Europe/Berlin" for slot in berlin)


def test_query_count_does_not_grow_with_appointments(
    working_doctor, hospital, day, at, django_assert_max_num_queries
):  # fmt: skip
    for offset in range(40):
        other = DoctorFactory()
        AppointmentFactory(doctor=other, hospital=hospital, start_at=at("09:00") + datetime.timedelta(days=offset % 20))
    for offset in range(20):
        AppointmentFactory(
            doctor=working_doctor, hospital=hospital, start_at=at("10:00") + datetime.timedelta(days=offset)
        )
    with django_assert_max_num_queries(3):
        slots = available_slots(doctor=working_doctor, start_date=day, end_date=day + datetime.timedelta(days=27))
    assert len(slots) == 28 * 16 - 20


# --- DST ---------------------------------------------------------------------------------------


def wall(slots, tz) -> list[str]:
    return [start.astimezone(tz).strftime("%H:%M") for start, _ in slots]


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # Spring forward: 02:00-03:00 does not exist; 01:30-02:00 would end in the gap.
        ("Europe/Berlin", datetime.date(2027, 3, 28), ["01:00", "03:00", "03:30"]),
        ("America/New_York", datetime.date(2027, 3, 14), ["01:00", "03:00", "03:30"]),
        # Fall back: 02:00-03:00 (Berlin) / 01:00-02:00 (New York) happen twice; the first occurrence counts,
        # and the slot that would last 90 real minutes is dropped.
        ("Europe/Berlin", datetime.date(2027, 10, 31), ["01:00", "01:30", "02:00", "03:00", "03:30"]),
        ("America/New_York", datetime.date(2027, 11, 7), ["01:00", "02:00", "02:30", "03:00", "03:30"]),
    ],
)
def test_dst_transition_nights(zone, day, expected):
    tz = ZoneInfo(zone)
    slots = list(range_slots(day, datetime.time(1, 0), datetime.time(4, 0), tz))

    assert wall(slots, tz) == expected
    assert all(end - start == HALF_HOUR for start, end in slots)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(slots))


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        ("Europe/Berlin", datetime.date(2027, 3, 27), datetime.date(2027, 3, 29)),
        ("Europe/Berlin", datetime.date(2027, 10, 30), datetime.date(2027, 11, 1)),
        ("America/New_York", datetime.date(2027, 3, 13), datetime.date(2027, 3, 15)),
        ("Australia/Sydney", datetime.date(2027, 4, 3), datetime.date(2027, 4, 5)),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_dst(zone, before, after):
    tz = ZoneInfo(zone)
    first = next(range_slots(before, datetime.time(9), datetime.time(10), tz))[0]
    second = next(range_slots(after, datetime.time(9), datetime.time(10), tz))[0]

    assert first.astimezone(tz).hour == second.astimezone(tz).hour == 9
    assert first.utcoffset() == second.utcoffset() == datetime.timedelta(0)
    assert second - first != datetime.timedelta(days=2)  # the UTC instant moved by the DST shift


def test_schedule_at_a_dst_hospital_keeps_wall_clock_through_available_slots(doctor, make_schedule):
    berlin = HospitalFactory(time_zone="Europe/Berlin")
    AffiliationFactory(doctor=doctor, hospital=berlin)
    make_schedule(doctor, berlin, [(EVERY_DAY, "09:00", "10:00")])
    now = datetime.datetime(2027, 3, 25, 12, tzinfo=UTC)

    slots = available_slots(
        doctor=doctor, start_date=datetime.date(2027, 3, 27), end_date=datetime.date(2027, 3, 29), now=now
    )
    assert local_times(slots, berlin.tz) == ["09:00", "09:30"] * 3
    assert [slot.start_at.hour for slot in slots[::2]] == [8, 7, 7]  # CET, then CEST (UTC+2)


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago",
         "Europe/London", "Asia/Kolkata", "Pacific/Chatham", "America/Havana", "Africa/Casablanca"]  # fmt: skip


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2035, 12, 31)),
    start_minute=st.integers(min_value=0, max_value=23 * 60),
    length=st.integers(min_value=0, max_value=10 * 60),
)
def test_property_slots_are_real_half_hours_on_the_wall_clock_grid(zone, day, start_minute, length):
    tz = ZoneInfo(zone)
    start = datetime.time(start_minute // 60, start_minute % 60)
    end_minute = min(start_minute + length, 23 * 60 + 59)
    end = datetime.time(end_minute // 60, end_minute % 60)
    slots = list(range_slots(day, start, end, tz))

    grid = datetime.datetime.combine(day, start)
    for slot_start, slot_end in slots:
        assert slot_end - slot_start == HALF_HOUR  # really 30 elapsed minutes
        local = slot_start.astimezone(tz)
        assert local.date() == day
        offset = datetime.datetime.combine(day, local.time()) - grid
        assert offset >= datetime.timedelta(0) and offset % HALF_HOUR == datetime.timedelta(0)  # on the grid
        assert local.time() >= start and (datetime.datetime.combine(day, local.time()) + HALF_HOUR).time() <= end
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(slots))  # ordered, never overlapping
    midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    next_midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
    if midnight.utcoffset() == next_midnight.utcoffset():  # no transition that day: every grid slot is there
        assert len(slots) == max(0, (end_minute - start_minute) // 30)
