"""Reads for the reports app: the rows behind each number, saved reports and export jobs in scope,
platform statistics."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from appointments.models import Appointment
from doctors.models import DoctorProfile
from hms.inputs import parse_id
from hospitals.models import Affiliation, Hospital, HospitalMembership
from notifications.presence import ONLINE_SET_KEY, online_among
from patients.models import PatientProfile
from reports.metrics import (
    STATUSES,
    earlier_visit_here,
    report_appointments,
    with_cancel_lead,
    with_wait,
)
from reports.models import ExportJob, SavedReport
from reports.params import Directory, ReportParams

Status = Appointment.Status

# The columns of the rows table, on screen and in both exports, in this order.
ROW_COLUMNS = [
    gettext_lazy("Date"), gettext_lazy("Time"), gettext_lazy("Doctor"), gettext_lazy("Department"),
    gettext_lazy("Kind of visit"), gettext_lazy("Status"), gettext_lazy("Patient"), gettext_lazy("Patient number"),
]  # fmt: skip

METRICS = {
    "cancel_lead": gettext_lazy("cancellations with a recorded time"),
    "waiting": gettext_lazy("visits with check-in and start recorded"),
    "new": gettext_lazy("new patients"),
    "returning": gettext_lazy("returning patients"),
}


@dataclass(frozen=True)
class RowFilter:
    """Which rows behind the report a link points at (all of them when empty)."""

    status: str = ""  # a status, or "booked_slots" for everything not cancelled
    doctor_id: int | None = None
    department_id: int | None = None
    day: datetime.date | None = None
    metric: str = ""

    def as_query(self) -> dict[str, str]:
        query = {}
        if self.status:
            query["status"] = self.status
        if self.doctor_id:
            query["row_doctor"] = str(self.doctor_id)
        if self.department_id:
            query["row_department"] = str(self.department_id)
        if self.day:
            query["day"] = self.day.isoformat()
        if self.metric:
            query["metric"] = self.metric
        return query


class RowFilterError(ValueError):
    pass


def row_filter_from_query(data, params: ReportParams, directory: Directory) -> RowFilter:
    """Validates the drill-down part of a query string; a bad value is a clear message, not a 500."""
    status = data.get("status", "")
    if status and status not in (*STATUSES, "booked_slots"):
        raise RowFilterError(_("Unknown status."))
    doctor_id = None
    if data.get("row_doctor"):
        doctor_id = parse_id(data["row_doctor"])
        if doctor_id is None or doctor_id not in directory.department_of:
            raise RowFilterError(_("That doctor does not work at this hospital."))
    department_id = None
    if data.get("row_department"):
        department_id = parse_id(data["row_department"])
        if department_id is None or department_id not in {d.pk for d in directory.departments}:
            raise RowFilterError(_("That department is not one of this hospital's."))
    day = None
    if data.get("day"):
        try:
            day = datetime.date.fromisoformat(data["day"])
        except ValueError:
            raise RowFilterError(_("Enter the day as YYYY-MM-DD.")) from None
        if not params.date_from <= day <= params.date_to:
            raise RowFilterError(_("That day is outside the chosen dates."))
    metric = data.get("metric", "")
    if metric and metric not in METRICS:
        raise RowFilterError(_("Unknown measure."))
    return RowFilter(status, doctor_id, department_id, day, metric)


def report_rows(params: ReportParams, directory: Directory, rows: RowFilter) -> QuerySet[Appointment]:
    appointments = report_appointments(params, directory)
    if rows.status == "booked_slots":
        appointments = appointments.exclude(status=Status.CANCELLED)
    elif rows.status:
        appointments = appointments.filter(status=rows.status)
    if rows.doctor_id:
        appointments = appointments.filter(doctor_id=rows.doctor_id)
    if rows.department_id:
        ids = [d for d, dept in directory.department_of.items() if dept is not None and dept.pk == rows.department_id]
        appointments = appointments.filter(doctor_id__in=ids)
    if rows.day:
        tz = params.hospital.tz
        start = datetime.datetime.combine(rows.day, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(rows.day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        appointments = appointments.filter(start_at__gte=start, start_at__lt=end)
    if rows.metric == "cancel_lead":
        appointments = with_cancel_lead(appointments)
    elif rows.metric == "waiting":
        appointments = with_wait(appointments)
    elif rows.metric in ("new", "returning"):
        earlier = earlier_visit_here(params, "patient_id")
        appointments = appointments.exclude(status=Status.CANCELLED).filter(
            earlier if rows.metric == "returning" else ~earlier
        )
    return appointments.order_by("start_at", "id")


def row_values(appointments: QuerySet[Appointment]):
    """Only what the table shows: no reason for the visit, no notes, no diagnoses."""
    return appointments.values_list(
        "start_at", "doctor_id", "mode", "status", "patient__user__full_name", "patient__patient_number"
    )


def format_row(values: tuple, params: ReportParams, directory: Directory, doctor_names: dict[int, str]) -> list:
    """(local datetime, doctor, department, mode, status, patient, number) with the date and time as real values."""
    start_at, doctor_id, mode, status, patient_name, patient_number = values
    local = start_at.astimezone(params.hospital.tz)
    department = directory.department_of.get(doctor_id)
    return [
        local.date(),
        local.time().replace(tzinfo=None),
        doctor_names.get(doctor_id, ""),
        department.name if department else "",
        str(dict(Appointment.Mode.choices).get(mode, mode)),
        str(dict(Status.choices).get(status, status)),
        patient_name,
        patient_number,
    ]


def doctor_names(directory: Directory) -> dict[int, str]:
    return {doctor.pk: doctor.display_name for doctor in directory.doctors}


# --- saved reports and exports -------------------------------------------------------------------------


def saved_reports_visible_to(user: User) -> QuerySet[SavedReport]:
    """A hospital admin's own saved reports and those their hospital's other admins shared."""
    if not user.is_authenticated or not user.is_active or user.role != User.Role.HOSPITAL_ADMIN:
        return SavedReport.objects.none()
    hospital_ids = HospitalMembership.objects.filter(
        user=user, is_active=True, role=HospitalMembership.Role.ADMIN
    ).values("hospital_id")
    return (
        SavedReport.objects.filter(hospital_id__in=hospital_ids)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
    )


def export_jobs_visible_to(user: User) -> QuerySet[ExportJob]:
    """Only the person who asked for an export sees it (the file holds patient names)."""
    if not user.is_authenticated or not user.is_active:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(owner=user)


# --- platform statistics -------------------------------------------------------------------------------


def _today_q(now: datetime.datetime, field: str = "start_at", zone_field: str = "hospital__time_zone") -> Q:
    """Appointments on today's date in each hospital's own zone: one condition per zone in use."""
    condition = Q(pk__in=[])
    for zone in Hospital.objects.order_by().values_list("time_zone", flat=True).distinct():
        tz = ZoneInfo(zone)
        today = now.astimezone(tz).date()
        start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        condition |= Q(**{zone_field: zone, f"{field}__gte": start, f"{field}__lt": end})
    return condition


def doctors_online_now() -> int:
    return len(online_among(cache.get(ONLINE_SET_KEY) or ()))


TREND_DAYS = 7


def platform_statistics(now: datetime.datetime | None = None) -> dict:
    """Counts only, never clinical data. A fixed handful of queries whatever the number of hospitals' rows."""
    now = now or timezone.now()
    week = datetime.timedelta(days=TREND_DAYS)
    counts = {
        "hospitals": Hospital.objects.filter(status=Hospital.Status.APPROVED).count(),
        "doctors": DoctorProfile.objects.count(),
        "patients": PatientProfile.objects.count(),
        "appointments_today": Appointment.objects.filter(_today_q(now)).exclude(status=Status.CANCELLED).count(),
        "doctors_online": doctors_online_now(),
    }
    from billing.models import Payment

    payments = list(
        Payment.objects.filter(_today_q(now, "received_at"))
        .values("currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("currency")
    )
    counts["payments_today"] = sum(row["count"] for row in payments)
    counts["payments_today_amounts"] = payments

    def window(start, end):
        return Coalesce(
            Subquery(
                Appointment.objects.filter(hospital=OuterRef("pk"), start_at__gte=start, start_at__lt=end)
                .exclude(status=Status.CANCELLED)
                .order_by()
                .values("hospital")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )

    doctors = (
        Affiliation.objects.filter(hospital=OuterRef("pk"), is_active=True)
        .order_by()
        .values("hospital")
        .annotate(n=Count("pk"))
        .values("n")
    )
    hospitals = (
        Hospital.objects.filter(status=Hospital.Status.APPROVED)
        .annotate(
            doctor_count=Coalesce(Subquery(doctors), 0),
            this_week=window(now - week, now),
            last_week=window(now - 2 * week, now - week),
        )
        .annotate(change=F("this_week") - F("last_week"))
        .order_by("name")
    )
    return {"counts": counts, "hospitals": list(hospitals), "trend_days": TREND_DAYS}
