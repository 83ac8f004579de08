"""The patient's history as pictures: vitals over time and a visit timeline, from one query."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import PatientProfile

MAX_READINGS = 100  # the latest readings drawn per chart; the summary says how many visits exist in all


@dataclass
class Chart:
    slug: str
    title: str
    unit: str
    columns: list[str]
    rows: list[tuple]  # (label, value, value, ...)
    summary: str
    kind: str = "line"

    @property
    def series(self) -> str:
        return ",".join(str(i) for i in range(1, len(self.columns) + 1))


VITAL_CHARTS = [
    ("bp", gettext_lazy("Blood pressure"), "mmHg",
     [(gettext_lazy("Systolic"), "bp_systolic"), (gettext_lazy("Diastolic"), "bp_diastolic")]),
    ("pulse", gettext_lazy("Pulse"), gettext_lazy("beats/min"), [(gettext_lazy("Pulse"), "pulse")]),
    ("weight", gettext_lazy("Weight and BMI"), gettext_lazy("kg; BMI in kg/m²"),
     [(gettext_lazy("Weight (kg)"), "weight_kg"), (gettext_lazy("BMI"), "bmi")]),
    ("spo2", gettext_lazy("Oxygen saturation (SpO2)"), "%", [(gettext_lazy("SpO2"), "spo2")]),
    ("temperature", gettext_lazy("Temperature"), "°C", [(gettext_lazy("Temperature (°C)"), "temperature_c")]),
]  # fmt: skip

FIELDS = ["bp_systolic", "bp_diastolic", "pulse", "weight_kg", "height_cm", "spo2", "temperature_c"]


def _bmi(weight, height) -> Decimal | None:
    if weight and height:
        metres = Decimal(height) / 100
        return (Decimal(weight) / (metres * metres)).quantize(Decimal("0.1"))
    return None


def patient_charts(patient: PatientProfile) -> dict:
    from prescriptions.models import VisitNote

    visits = list(
        VisitNote.objects.filter(patient=patient)
        .order_by("appointment__start_at", "id")
        .values_list("appointment__start_at", "hospital__time_zone", *FIELDS)
    )
    readings = []
    months: Counter = Counter()
    for start_at, zone, *values in visits:
        local = start_at.astimezone(ZoneInfo(zone))
        months[(local.year, local.month)] += 1
        reading = dict(zip(FIELDS, values, strict=True))
        reading["bmi"] = _bmi(reading["weight_kg"], reading["height_cm"])
        reading["label"] = local.date().isoformat()
        readings.append(reading)

    charts = []
    for slug, title, unit, series in VITAL_CHARTS:
        rows = [
            (r["label"], *[r[field] for _label, field in series])
            for r in readings
            if any(r[field] is not None for _label, field in series)
        ]
        total = len(rows)
        rows = rows[-MAX_READINGS:]
        if rows:
            latest = " / ".join(str(v) for v in rows[-1][1:] if v is not None)
            summary = _(
                "%(title)s: %(count)d readings from %(first)s to %(last)s; the latest is %(latest)s %(unit)s."
            ) % {
                "title": title,
                "count": total,
                "first": rows[0][0],
                "last": rows[-1][0],
                "latest": latest,
                "unit": unit,
            }
            if total > len(rows):
                summary += " " + _("The chart shows the latest %(n)d.") % {"n": len(rows)}
        else:
            summary = _("%(title)s: no readings recorded yet.") % {"title": title}
        charts.append(Chart(slug, str(title), str(unit), [str(label) for label, _f in series], rows, summary))

    timeline_rows = []
    if months:
        # Every month from the first visit to the last, empty months included, so the bars keep a time scale.
        (year, month), last = min(months), max(months)
        while (year, month) <= last:
            timeline_rows.append((f"{year}-{month:02d}", months.get((year, month), 0)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if timeline_rows:
        busiest = max(timeline_rows, key=lambda row: row[1])
        timeline_summary = _(
            "%(count)d visits between %(first)s and %(last)s; the most in one month was %(most)d (%(month)s)."
        ) % {"count": len(visits), "first": timeline_rows[0][0], "last": timeline_rows[-1][0], "most": busiest[1],
             "month": busiest[0]}  # fmt: skip
    else:
        timeline_summary = _("No visits recorded yet.")
    timeline = Chart("visits", _("Visits per month"), "", [_("Visits")], timeline_rows, timeline_summary, kind="bar")
    return {"charts": charts, "timeline": timeline, "visit_count": len(visits)}
