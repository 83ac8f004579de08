import datetime
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value: datetime.timedelta | None) -> str:
    """A waiting or lead time in words a person reads at a glance: "12 min", "3 h 5 min", "2 d 4 h"."""
    if value is None:
        return "—"
    negative = value < datetime.timedelta(0)
    seconds = int(abs(value).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)d min") % {"m": minutes}
    return f"-{text}" if negative else text


@register.filter
def minutes(value: datetime.timedelta | None) -> str:
    """Minutes as a plain number, for a chart's data cell."""
    return "" if value is None else f"{value.total_seconds() / 60:.1f}"


@register.filter
def percent(rate) -> str:
    value = rate.percent
    return "—" if value is None else f"{value}%"


@register.simple_tag
def rows_url(params, **row_filter) -> str:
    """The rows behind a number: the report's own parameters plus the drill-down filter."""
    names = {"doctor": "row_doctor", "department": "row_department"}
    query = params.as_query()
    for key, value in row_filter.items():
        if value not in (None, ""):
            query[names.get(key, key)] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{reverse('reports:rows')}?{urlencode(query)}"
