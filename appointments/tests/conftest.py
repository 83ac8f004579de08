import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, ScheduleRange, WeeklySchedule
from appointments.tests.factories import AppointmentFactory

IN_PERSON, VIDEO = Appointment.Mode.IN_PERSON, Appointment.Mode.VIDEO


def _t(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


@pytest.fixture
def make_schedule():
    """make_schedule(doctor, hospital, [(weekdays, "09:00", "13:00", mode), ...], valid_from=, valid_until=)."""

    def make(doctor, hospital, ranges, valid_from=datetime.date(2000, 1, 1), valid_until=None) -> WeeklySchedule:
        schedule = WeeklySchedule.objects.create(
            doctor=doctor, hospital=hospital, valid_from=valid_from, valid_until=valid_until
        )
        for weekdays, start, end, *mode in ranges:
            for weekday in [weekdays] if isinstance(weekdays, int) else weekdays:
                ScheduleRange.objects.create(
                    schedule=schedule, weekday=weekday, start_time=_t(start), end_time=_t(end),
                    mode=mode[0] if mode else IN_PERSON,
                )  # fmt: skip
        return schedule

    return make


EVERY_DAY = range(7)


@pytest.fixture
def working_doctor(doctor, hospital, make_schedule):
    """`doctor` works every day at `hospital` (Asia/Kolkata): 09:00-13:00 and 14:00-17:00 in person,
    17:00-18:00 video."""
    make_schedule(
        doctor, hospital,
        [(EVERY_DAY, "09:00", "13:00"), (EVERY_DAY, "14:00", "17:00"), (EVERY_DAY, "17:00", "18:00", VIDEO)],
    )  # fmt: skip
    return doctor


@pytest.fixture
def day(hospital) -> datetime.date:
    """A local day three days ahead: inside the lead time and the horizon."""
    return timezone.now().astimezone(hospital.tz).date() + datetime.timedelta(days=3)


@pytest.fixture
def at(hospital, day):
    """at("09:30") -> the aware UTC instant of that wall-clock time at `hospital` on `day`."""

    def make(value: str, on: datetime.date | None = None, place=None) -> datetime.datetime:
        place = place or hospital
        local = datetime.datetime.combine(on or day, _t(value), tzinfo=place.tz)
        return local.astimezone(datetime.UTC)

    return make


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` exercise PostgreSQL-only features (exclusion constraints). They are collected
    only when the suite runs on PostgreSQL (the CI's second pass), so a SQLite run neither skips nor fakes them."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    here = str(__file__).rsplit("/", 1)[0]
    deselected = [item for item in items if item.get_closest_marker("postgres") and str(item.path).startswith(here)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


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


def desk_link(client, query: str, full_name: str) -> str:
    """Search the front desk for `query` and return the "Book for <full_name>" link, as a person would click it."""
    page = client.get(reverse("appointments:desk_book"), {"q": query}).content.decode()
    match = re.search(r'href="([^"]+)">Book for ' + re.escape(full_name) + "<", page)
    assert match, f"no result link for {full_name!r} when searching {query!r}"
    return html.unescape(match.group(1))
