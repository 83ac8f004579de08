"""The slot engine: a doctor's weekly wall-clock schedule → concrete, bookable UTC slots.

Pure functions over rows already fetched, so a whole month costs a fixed handful of queries (see
`selectors.available_slots`). Rules, deliberately:

- Slots are `settings.SLOT_MINUTES` long, aligned to the start of each range; a slot never crosses the end of a
  range (so never a break), and a range shorter than one slot yields nothing.
- Wall-clock times are read in the hospital's zone on each calendar day, so 09:00 stays 09:00 across DST.
- A slot whose wall-clock start does not exist that day (the spring-forward gap) is not offered.
- A wall-clock time that occurs twice (the fall-back overlap) means its first occurrence (fold=0).
- A slot is offered only if it really lasts SLOT_MINUTES of elapsed time; one that straddles a DST jump is
  dropped rather than being silently made 30 minutes shorter or longer.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

UTC = datetime.UTC


@dataclass(frozen=True, order=True)
class Slot:
    start_at: datetime.datetime  # aware, UTC
    end_at: datetime.datetime
    hospital_id: int
    mode: str
    time_zone: str

    @property
    def local_start(self) -> datetime.datetime:
        return self.start_at.astimezone(ZoneInfo(self.time_zone))

    @property
    def local_end(self) -> datetime.datetime:
        return self.end_at.astimezone(ZoneInfo(self.time_zone))

    @property
    def value(self) -> str:
        """The slot as a form value (ISO UTC)."""
        return self.start_at.strftime("%Y-%m-%dT%H:%MZ")


def slot_length() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SLOT_MINUTES)


def wall_clock_to_utc(day: datetime.date, time: datetime.time, tz: ZoneInfo) -> datetime.datetime | None:
    """The UTC instant of a wall-clock time on a day in a zone; None when that time does not exist (DST gap)."""
    naive = datetime.datetime.combine(day, time)
    aware = naive.replace(tzinfo=tz, fold=0)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return as_utc


def range_slots(day: datetime.date, start: datetime.time, end: datetime.time, tz: ZoneInfo) -> Iterator[tuple]:
    """(start_utc, end_utc) of every slot in one wall-clock range on one day."""
    length = slot_length()
    cursor = datetime.datetime.combine(day, start)
    range_end = datetime.datetime.combine(day, end)
    while cursor + length <= range_end:
        slot_start = wall_clock_to_utc(day, cursor.time(), tz)
        # The end may fall on the next calendar day only if a range ran to midnight, which TimeField forbids.
        slot_end = wall_clock_to_utc(day, (cursor + length).time(), tz)
        if slot_start is not None and slot_end is not None and slot_end - slot_start == length:
            yield slot_start, slot_end
        cursor += length


def _overlaps(start, end, intervals: Iterable[tuple]) -> bool:
    return any(other_start < end and start < other_end for other_start, other_end in intervals)


def generate_slots(
    *,
    ranges: Iterable,
    days: Iterable[datetime.date],
    busy: list[tuple],
    time_off: list[tuple],
    earliest: datetime.datetime | None = None,
    latest: datetime.datetime | None = None,
) -> list[Slot]:
    """Every free slot of `ranges` (ScheduleRange rows with .schedule and .schedule.hospital loaded) on `days`.

    busy: (start, end) of the doctor's active appointments, everywhere (a doctor is in one place at a time).
    time_off: (start, end, hospital_id or None).
    earliest/latest bound the slot start (lead time and booking horizon)."""
    by_weekday: dict[int, list] = {}
    for schedule_range in ranges:
        by_weekday.setdefault(schedule_range.weekday, []).append(schedule_range)
    busy = sorted(busy)
    slots: set[Slot] = set()
    for day in days:
        for schedule_range in by_weekday.get(day.weekday(), ()):
            schedule = schedule_range.schedule
            if not schedule.applies_on(day):
                continue
            hospital = schedule.hospital
            tz = hospital.tz
            blocked = [(s, e) for s, e, h in time_off if h is None or h == hospital.pk]
            for start, end in range_slots(day, schedule_range.start_time, schedule_range.end_time, tz):
                if earliest is not None and start < earliest:
                    continue
                if latest is not None and start > latest:
                    continue
                if _overlaps(start, end, blocked) or _overlaps(start, end, busy):
                    continue
                slots.add(Slot(start, end, hospital.pk, schedule_range.mode, hospital.time_zone))
    return sorted(slots)


def days_between(start_date: datetime.date, end_date: datetime.date) -> list[datetime.date]:
    return [start_date + datetime.timedelta(days=n) for n in range((end_date - start_date).days + 1)]
