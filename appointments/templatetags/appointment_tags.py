"""Times in the hospital's own zone (Django's date filters would turn them back into UTC)."""

import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext

register = template.Library()
DASH = "\u2013"


def _zone(zone) -> datetime.tzinfo:
    if zone is None or zone == "":
        return datetime.UTC
    if hasattr(zone, "tz"):
        return zone.tz
    return ZoneInfo(str(zone))


@register.simple_tag
def local_time(moment, zone, fmt: str = "D j M Y, H:i") -> str:
    """{% local_time appointment.start_at appointment.hospital "H:i" %} -> "09:30" in that hospital's zone."""
    if moment is None:
        return ""
    return date_format(moment.astimezone(_zone(zone)), fmt)


@register.simple_tag
def zone_name(zone) -> str:
    """The zone a local_time is shown in ("Asia/Kolkata"; "UTC" when there is no hospital)."""
    return str(getattr(zone, "time_zone", None) or zone or "UTC")


@register.simple_tag
def time_off_when(off) -> str:
    """A stretch of time off in its hospital's own calendar: whole local days as dates ("Wed 2 Dec 2026",
    "Wed 2 Dec - Fri 4 Dec 2026", with an en dash), part of a day with its hours; the zone follows."""
    tz = _zone(off.hospital)
    start = off.start_at.astimezone(tz)
    end = off.end_at.astimezone(tz)
    if start.time() == datetime.time.min and end.time() == datetime.time.min:
        last_day = end - datetime.timedelta(days=1)
        if last_day.date() == start.date():
            text = date_format(start, "D j M Y")
        else:
            text = f"{date_format(start, 'D j M')} {DASH} {date_format(last_day, 'D j M Y')}"
        return f"{text} ({gettext('whole day')}, {zone_name(off.hospital)})"
    if start.date() == end.date():
        return f"{date_format(start, 'D j M Y, H:i')}{DASH}{date_format(end, 'H:i')} ({zone_name(off.hospital)})"
    return f"{date_format(start, 'D j M Y H:i')} {DASH} {date_format(end, 'D j M Y H:i')} ({zone_name(off.hospital)})"


@register.inclusion_tag("appointments/_status.html")
def status_badge(appointment):
    colours = {
        "booked": "primary", "checked_in": "info", "in_progress": "warning", "completed": "success",
        "cancelled": "secondary", "no_show": "danger",
    }  # fmt: skip
    return {"label": appointment.get_status_display(), "colour": colours.get(appointment.status, "secondary")}
