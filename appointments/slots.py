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
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

UTC = datetime.UTC


class Slot(NamedTuple):
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
    def label(self) -> str:
        """ "Mon 23 Nov, 09:00 (Asia/Kolkata)": the slot in its hospital's local time, with the zone."""
        return f"{self.local_start:%a %d %b, %H:%M} ({self.time_zone})"

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


def range_slots(
    day: datetime.date, start: datetime.time, end: datetime.time, tz: ZoneInfo, length: datetime.timedelta | None = None
) -> Iterator[tuple]:
    """(start_utc, end_utc) of every slot in one wall-clock range on one day."""
    length = length or slot_length()
    cursor = datetime.datetime.combine(day, start)
    range_end = datetime.datetime.combine(day, end)
    offset = _fixed_offset(day, tz)
    if offset is not None:
        # No DST change that day: wall clock and UTC differ by one fixed offset (the common, fast path).
        while cursor + length <= range_end:
            slot_start = (cursor - offset).replace(tzinfo=UTC)
            yield slot_start, slot_start + length
            cursor += length
        return
    while cursor + length <= range_end:
        slot_start = wall_clock_to_utc(day, cursor.time(), tz)
        # The end may fall on the next calendar day only if a range ran to midnight, which TimeField forbids.
        slot_end = wall_clock_to_utc(day, (cursor + length).time(), tz)
        if slot_start is not None and slot_end is not None and slot_end - slot_start == length:
            yield slot_start, slot_end
        cursor += length


def _fixed_offset(day: datetime.date, tz: ZoneInfo) -> datetime.timedelta | None:
    """The zone's UTC offset on `day` when it is the same from midnight to midnight, else None."""
    midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    next_midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    offset = midnight.utcoffset()
    if offset != next_midnight.utcoffset() or wall_clock_to_utc(day, datetime.time.min, tz) is None:
        return None
    return offset


def _overlaps(start, end, intervals: Iterable[tuple]) -> bool:
    return any(other_start < end and start < other_end for other_start, other_end in intervals)


class BusyIndex:
    """Answers "does [start, end) overlap any busy interval?" in O(log n): among the intervals starting before
    `end`, the latest end must reach past `start`."""

    def __init__(self, intervals: Iterable[tuple]):
        ordered = sorted(intervals)
        self.starts = [start for start, _ in ordered]
        self.max_end: list = []
        latest = None
        for _, end in ordered:
            latest = end if latest is None or end > latest else latest
            self.max_end.append(latest)

    def overlaps(self, start, end) -> bool:
        index = bisect_left(self.starts, end)
        return index > 0 and self.max_end[index - 1] > start


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
    busy_index = BusyIndex(busy)
    length = slot_length()
    slots: set[Slot] = set()
    for day in days:
        for schedule_range in by_weekday.get(day.weekday(), ()):
            schedule = schedule_range.schedule
            if not schedule.applies_on(day):
                continue
            hospital = schedule.hospital
            tz = hospital.tz
            blocked = [(s, e) for s, e, h in time_off if h is None or h == hospital.pk]
            for start, end in range_slots(day, schedule_range.start_time, schedule_range.end_time, tz, length):
                if earliest is not None and start < earliest:
                    continue
                if latest is not None and start > latest:
                    continue
                if (busy and busy_index.overlaps(start, end)) or (blocked and _overlaps(start, end, blocked)):
                    continue
                slots.add(Slot(start, end, hospital.pk, schedule_range.mode, hospital.time_zone))
    return sorted(slots, key=_slot_key)


def _slot_key(slot: Slot) -> tuple:
    return (slot.start_at, slot.hospital_id, slot.mode)


def days_between(start_date: datetime.date, end_date: datetime.date) -> list[datetime.date]:
    return [start_date + datetime.timedelta(days=n) for n in range((end_date - start_date).days + 1)]
