"""The hospital report. Every number is a database aggregate over the hospital's appointments in the chosen
local days; Python only adds up a few per-doctor rows and counts schedule slots with the slot engine.

A fixed number of queries whatever the range or the size of the appointment table (see tests)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, AppointmentEvent, ScheduleRange, TimeOff
from appointments.slots import days_between, generate_slots
from patients.models import PatientProfile
from reports.params import Directory, ReportParams

Status = Appointment.Status
STATUSES = [status.value for status in Status]
STATUS_LABELS = dict(Status.choices)

# Each metric's definition, printed under it on the page (one wording, one place).
DEFINITIONS = {
    "status": _("Appointments that start on the chosen days, by their status now."),
    "no_show": _("No-shows ÷ (completed + no-shows): the share of visits that should have happened and did not."),
    "cancellation": _(
        "Cancelled ÷ all appointments starting on the chosen days. Lead time: from the moment of cancelling to the "
        "appointment's start (median, so one very early cancellation does not move it)."
    ),
    "utilisation": _(
        "Booked slots ÷ offered slots. Offered: every slot of the doctors' weekly schedules on the chosen days minus "
        "time off (the same rules as booking). Booked: appointments not cancelled (a no-show still took the slot)."
    ),
    "waiting": _(
        "From check-in at the desk to the doctor starting the visit, for visits with both steps recorded: median "
        "and 90th percentile (9 in 10 patients waited at most this long)."
    ),
    "patients": _(
        "Patients with an appointment that was not cancelled. New: no earlier such appointment at this hospital; "
        "returning: at least one before the first chosen day."
    ),
    "daily": _("Appointments per day in the hospital's time zone."),
}


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        value = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class StatusRow:
    key: int | None
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    offered: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def booked(self) -> int:
        return self.total - self.counts.get(Status.CANCELLED, 0)

    @property
    def no_show(self) -> Rate:
        no_shows = self.counts.get(Status.NO_SHOW, 0)
        return Rate(no_shows, self.counts.get(Status.COMPLETED, 0) + no_shows)

    @property
    def cancellation(self) -> Rate:
        return Rate(self.counts.get(Status.CANCELLED, 0), self.total)

    @property
    def utilisation(self) -> Rate:
        return Rate(self.booked, self.offered)

    def status_cells(self) -> list[tuple[str, int]]:
        return [(status, self.counts.get(status, 0)) for status in STATUSES]

    def labelled_cells(self) -> list[tuple[str, str, int]]:
        """Only the statuses that occur: (status, label, count)."""
        return [(status, STATUS_LABELS[status], count) for status, count in self.status_cells() if count]

    def add(self, other: "StatusRow") -> None:
        for status, count in other.counts.items():
            self.counts[status] = self.counts.get(status, 0) + count
        self.offered += other.offered


@dataclass
class DayRow:
    day: datetime.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def booked(self) -> int:
        return self.total - self.counts.get(Status.CANCELLED, 0)


@dataclass
class Report:
    params: ReportParams
    doctors: list[StatusRow]
    departments: list[StatusRow]
    totals: StatusRow
    days: list[DayRow]
    cancel_lead_count: int
    cancel_lead_median: datetime.timedelta | None
    wait_count: int
    wait_median: datetime.timedelta | None
    wait_p90: datetime.timedelta | None
    patients_total: int
    patients_returning: int

    @property
    def patients_new(self) -> int:
        return self.patients_total - self.patients_returning

    @property
    def busiest_day(self) -> DayRow | None:
        busiest = max(self.days, key=lambda day: day.total, default=None)
        return busiest if busiest is not None and busiest.total else None

    @property
    def is_empty(self) -> bool:
        return self.totals.total == 0 and self.totals.offered == 0


# --- querysets -----------------------------------------------------------------------------------------


def report_appointments(params: ReportParams, directory: Directory) -> QuerySet[Appointment]:
    """The hospital's appointments starting on the chosen local days, with the chosen filters."""
    appointments = Appointment.objects.filter(
        hospital=params.hospital, start_at__gte=params.start_utc, start_at__lt=params.end_utc
    )
    if params.doctor is not None:
        appointments = appointments.filter(doctor=params.doctor)
    if params.department is not None:
        appointments = appointments.filter(doctor_id__in=department_doctor_ids(params, directory))
    if params.mode:
        appointments = appointments.filter(mode=params.mode)
    return appointments


def department_doctor_ids(params: ReportParams, directory: Directory) -> list[int]:
    """A doctor belongs to the department of their current (else latest) affiliation at the hospital."""
    return [
        doctor_id
        for doctor_id, department in directory.department_of.items()
        if department is not None and department.pk == params.department.pk
    ]


def _event_time(to_status: str):
    return (
        AppointmentEvent.objects.filter(appointment=OuterRef("pk"), to_status=to_status)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )


def with_cancel_lead(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return (
        appointments.filter(status=Status.CANCELLED)
        .annotate(cancelled_at=Subquery(_event_time(Status.CANCELLED)))
        .filter(cancelled_at__isnull=False)
        .annotate(lead=ExpressionWrapper(F("start_at") - F("cancelled_at"), output_field=DurationField()))
    )


def with_wait(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return (
        appointments.annotate(
            checked_in_at=Subquery(_event_time(Status.CHECKED_IN)),
            visit_started_at=Subquery(_event_time(Status.IN_PROGRESS)),
        )
        .filter(checked_in_at__isnull=False, visit_started_at__isnull=False)
        .annotate(wait=ExpressionWrapper(F("visit_started_at") - F("checked_in_at"), output_field=DurationField()))
    )


def earlier_visit_here(params: ReportParams, patient_ref: str = "pk"):
    return Exists(
        Appointment.objects.filter(
            hospital=params.hospital, patient_id=OuterRef(patient_ref), start_at__lt=params.start_utc
        ).exclude(status=Status.CANCELLED)
    )


# --- medians and percentiles, in the database ------------------------------------------------------------


@dataclass(frozen=True)
class DurationStats:
    count: int = 0
    median: datetime.timedelta | None = None
    p90: datetime.timedelta | None = None


def _as_timedelta(value) -> datetime.timedelta | None:
    if value is None or isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(microseconds=int(value))  # SQLite returns a duration as microseconds


# `inner` is Django's own compiled SQL and `column` a quoted annotation name; every value is a parameter.
RANKED_SQL = (
    "SELECT %s AS name, n, MIN(CASE WHEN rn = (n + 1) / 2 THEN d END), MIN(CASE WHEN rn = (n + 2) / 2 THEN d END), "
    "MIN(CASE WHEN rn = (9 * n + 9) / 10 THEN d END) FROM (SELECT d, ROW_NUMBER() OVER (ORDER BY d) AS rn, "
    "COUNT(*) OVER () AS n FROM (SELECT source.{column} AS d FROM ({inner}) source "
    "WHERE source.{column} IS NOT NULL) AS present) AS ranked GROUP BY n"
)


def duration_stats(**durations: QuerySet) -> dict[str, DurationStats]:
    """Count, median and 90th percentile of several duration columns, in one query on any database.

    Each queryset yields one duration column. The database numbers the sorted values (ROW_NUMBER) and keeps the
    middle one or two (median: their mean) and the nearest-rank 90th percentile: the ceil(0.9 n)-th value, the
    smallest value that at least 90% of values do not exceed. Only three values per column leave the database."""
    parts, params = [], []
    for name, values in durations.items():
        # `name` is also the annotation that holds the duration (the inner SELECT's only column).
        inner_sql, inner_params = values.order_by().values_list(name).query.get_compiler(using=values.db).as_sql()
        column = connection.ops.quote_name(name)
        parts.append(RANKED_SQL.format(column=column, inner=inner_sql))
        params += [name, *inner_params]
    result = {name: DurationStats() for name in durations}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for name, count, low, high, p90 in cursor.fetchall():
            low, high = _as_timedelta(low), _as_timedelta(high)
            result[name] = DurationStats(count, low + (high - low) / 2, _as_timedelta(p90))
    return result


# --- offered slots --------------------------------------------------------------------------------------


def offered_slots_by_doctor(params: ReportParams, directory: Directory) -> dict[int, int]:
    """Slots the weekly schedules offered on the chosen days, minus time off: the slot engine's own rules
    (DST, breaks, ranges too short for a slot), with taken slots counted too. Two queries."""
    ranges = ScheduleRange.objects.filter(
        schedule__hospital=params.hospital, schedule__valid_from__lte=params.date_to
    ).filter(Q(schedule__valid_until__isnull=True) | Q(schedule__valid_until__gte=params.date_from))
    if params.doctor is not None:
        ranges = ranges.filter(schedule__doctor=params.doctor)
    if params.department is not None:
        ranges = ranges.filter(schedule__doctor_id__in=department_doctor_ids(params, directory))
    if params.mode:
        ranges = ranges.filter(mode=params.mode)
    by_doctor: dict[int, list] = defaultdict(list)
    for schedule_range in ranges.select_related("schedule__hospital"):
        by_doctor[schedule_range.schedule.doctor_id].append(schedule_range)
    if not by_doctor:
        return {}
    window_start = params.start_utc - datetime.timedelta(days=1)
    window_end = params.end_utc + datetime.timedelta(days=1)
    time_off: dict[int, list] = defaultdict(list)
    for doctor_id, start, end, hospital_id in TimeOff.objects.filter(
        doctor_id__in=list(by_doctor), start_at__lt=window_end, end_at__gt=window_start
    ).values_list("doctor_id", "start_at", "end_at", "hospital_id"):
        time_off[doctor_id].append((start, end, hospital_id))
    days = days_between(params.date_from, params.date_to)
    return {
        doctor_id: len(generate_slots(ranges=ranges_, days=days, busy=[], time_off=time_off[doctor_id]))
        for doctor_id, ranges_ in by_doctor.items()
    }


# --- the report -----------------------------------------------------------------------------------------


def _status_counts() -> dict:
    return {status: Count("id", filter=Q(status=status)) for status in STATUSES}


def build_report(params: ReportParams, directory: Directory) -> Report:
    appointments = report_appointments(params, directory)

    doctors_by_id = {doctor.pk: doctor for doctor in directory.doctors}
    doctor_rows: dict[int, StatusRow] = {}
    for row in appointments.values("doctor_id").annotate(**_status_counts()).order_by():
        doctor_id = row.pop("doctor_id")
        doctor = doctors_by_id.get(doctor_id)
        label = doctor.display_name if doctor else str(_("Doctor %(id)s")) % {"id": doctor_id}
        doctor_rows[doctor_id] = StatusRow(doctor_id, label, {k: v for k, v in row.items() if v})
    for doctor_id, offered in offered_slots_by_doctor(params, directory).items():
        if doctor_id not in doctor_rows:
            doctor = doctors_by_id.get(doctor_id)
            doctor_rows[doctor_id] = StatusRow(doctor_id, doctor.display_name if doctor else str(doctor_id))
        doctor_rows[doctor_id].offered = offered

    department_rows: dict[int | None, StatusRow] = {}
    totals = StatusRow(None, str(_("All")))
    for doctor_id, row in doctor_rows.items():
        department = directory.department_of.get(doctor_id)
        key = department.pk if department else None
        if key not in department_rows:
            department_rows[key] = StatusRow(key, department.name if department else str(_("No department")))
        department_rows[key].add(row)
        totals.add(row)

    day_counts = {
        row.pop("day"): {k: v for k, v in row.items() if v}
        for row in appointments.annotate(day=TruncDate("start_at", tzinfo=params.hospital.tz))
        .values("day")
        .annotate(**_status_counts())
        .order_by("day")
    }
    days = [DayRow(day, day_counts.get(day, {})) for day in days_between(params.date_from, params.date_to)]

    stats = duration_stats(lead=with_cancel_lead(appointments), wait=with_wait(appointments))

    patients = PatientProfile.objects.filter(
        pk__in=appointments.exclude(status=Status.CANCELLED).values("patient_id")
    ).aggregate(total=Count("pk"), returning=Count("pk", filter=Q(earlier_visit_here(params))))

    return Report(
        params=params,
        doctors=sorted(doctor_rows.values(), key=lambda r: r.label.lower()),
        departments=sorted(department_rows.values(), key=lambda r: (r.key is None, r.label.lower())),
        totals=totals,
        days=days,
        cancel_lead_count=stats["lead"].count,
        cancel_lead_median=stats["lead"].median,
        wait_count=stats["wait"].count,
        wait_median=stats["wait"].median,
        wait_p90=stats["wait"].p90,
        patients_total=patients["total"],
        patients_returning=patients["returning"],
    )
