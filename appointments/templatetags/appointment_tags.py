"""Times in the hospital's own zone (Django's date filters would turn them back into UTC)."""

from zoneinfo import ZoneInfo

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


def _zone(zone) -> ZoneInfo:
    if hasattr(zone, "tz"):
        return zone.tz
    return ZoneInfo(str(zone))


@register.simple_tag
def local_time(moment, zone, fmt: str = "D j M Y, H:i") -> str:
    """{% local_time appointment.start_at appointment.hospital "H:i" %} -> "09:30" in that hospital's zone."""
    if moment is None:
        return ""
    return date_format(moment.astimezone(_zone(zone)), fmt)


@register.inclusion_tag("appointments/_status.html")
def status_badge(appointment):
    colours = {
        "booked": "primary", "checked_in": "info", "in_progress": "warning", "completed": "success",
        "cancelled": "secondary", "no_show": "danger",
    }  # fmt: skip
    return {"label": appointment.get_status_display(), "colour": colours.get(appointment.status, "secondary")}
