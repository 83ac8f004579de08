"""Report parameters: one form turns a query string into a validated `ReportParams`, for the page, the
exports, saved reports and the background export task alike (one set of rules for bad input)."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment
from doctors.models import DoctorProfile
from hms.inputs import parse_id, validate_sensible_date
from hospitals.models import Affiliation, Department, Hospital

DEFAULT_DAYS = 30


def local_today(hospital: Hospital) -> datetime.date:
    return timezone.now().astimezone(hospital.tz).date()


@dataclass(frozen=True)
class ReportParams:
    hospital: Hospital
    date_from: datetime.date
    date_to: datetime.date
    department: Department | None = None
    doctor: DoctorProfile | None = None
    mode: str = ""

    @property
    def start_utc(self) -> datetime.datetime:
        return _local_midnight(self.date_from, self.hospital)

    @property
    def end_utc(self) -> datetime.datetime:
        """Exclusive: local midnight after the last day."""
        return _local_midnight(self.date_to + datetime.timedelta(days=1), self.hospital)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def as_query(self) -> dict[str, str]:
        query = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.department:
            query["department"] = str(self.department.pk)
        if self.doctor:
            query["doctor"] = str(self.doctor.pk)
        if self.mode:
            query["mode"] = self.mode
        return query

    @property
    def querystring(self) -> str:
        return urlencode(self.as_query())

    def describe(self) -> list[tuple[str, str]]:
        """The chosen filters in words, printed on the page and at the top of every export."""
        zone = self.hospital.time_zone
        return [
            (_("Hospital"), self.hospital.name),
            (
                _("Dates"),
                _("%(start)s to %(end)s (%(zone)s)") % {"start": self.date_from, "end": self.date_to, "zone": zone},
            ),
            (_("Department"), self.department.name if self.department else _("All departments")),
            (_("Doctor"), self.doctor.display_name if self.doctor else _("All doctors")),
            (_("Kind of visit"), dict(Appointment.Mode.choices).get(self.mode, _("In person and video"))),
        ]


def _local_midnight(day: datetime.date, hospital: Hospital) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=hospital.tz).astimezone(datetime.UTC)


def report_doctors(hospital: Hospital):
    """Everyone who works or worked at the hospital: a report about last year still names a doctor who left."""
    return DoctorProfile.objects.filter(affiliations__hospital=hospital).distinct()


class IdChoiceField(forms.ModelChoiceField):
    """A scoped choice by id; junk ("abc", "-1", 10**30) gets the same clear message as an id from elsewhere."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ReportForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), validators=[validate_sensible_date],
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_to = forms.DateField(label=gettext_lazy("To"), validators=[validate_sensible_date],
                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    department = IdChoiceField(
        label=gettext_lazy("Department"), queryset=Department.objects.none(), required=False,
        empty_label=gettext_lazy("All departments"),
        error_messages={"invalid_choice": gettext_lazy("That department is not one of this hospital's.")},
    )  # fmt: skip
    doctor = IdChoiceField(
        label=gettext_lazy("Doctor"), queryset=DoctorProfile.objects.none(), required=False,
        empty_label=gettext_lazy("All doctors"),
        error_messages={"invalid_choice": gettext_lazy("That doctor does not work at this hospital.")},
    )  # fmt: skip
    mode = forms.ChoiceField(
        label=gettext_lazy("Kind of visit"), required=False,
        choices=[("", gettext_lazy("In person and video")), *Appointment.Mode.choices],
        error_messages={"invalid_choice": gettext_lazy("Choose in person, video, or both.")},
    )  # fmt: skip

    def __init__(self, data, *, hospital: Hospital, directory: "Directory | None" = None):
        today = local_today(hospital)
        data = data.copy() if data is not None else {}
        # A missing date means the default range: the last 30 days in the hospital's zone, today included.
        if not data.get("date_to"):
            data["date_to"] = today.isoformat()
        if not data.get("date_from"):
            data["date_from"] = (today - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        super().__init__(data)
        self.hospital = hospital
        self.fields["department"].queryset = hospital.departments.all()
        self.fields["doctor"].queryset = report_doctors(hospital).select_related("user")
        if directory is not None:
            # Render the choices from the directory already loaded instead of two more queries.
            self.fields["doctor"].choices = [("", _("All doctors"))] + [
                (d.pk, d.display_name) for d in directory.doctors
            ]
            self.fields["department"].choices = [("", _("All departments"))] + [
                (d.pk, d.name) for d in directory.departments
            ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            max_days = settings.REPORTS_MAX_RANGE_DAYS
            if (end - start).days + 1 > max_days:
                raise forms.ValidationError(
                    _("Choose at most %(days)d days (two years); this range has %(count)d.")
                    % {"days": max_days, "count": (end - start).days + 1}
                )
        return cleaned

    def params(self) -> ReportParams:
        data = self.cleaned_data
        return ReportParams(
            hospital=self.hospital, date_from=data["date_from"], date_to=data["date_to"],
            department=data.get("department"), doctor=data.get("doctor"), mode=data.get("mode") or "",
        )  # fmt: skip


def params_from_query(data, hospital: Hospital) -> ReportParams:
    """For saved reports and background tasks: the same validation as the page; raises ReportError if stale."""
    from reports.services import ReportError

    form = ReportForm(data, hospital=hospital)
    if not form.is_valid():
        raise ReportError(" ".join(str(e) for errors in form.errors.values() for e in errors))
    return form.params()


@dataclass
class Directory:
    """The hospital's doctors (present and past) and their departments, from one query."""

    doctors: list[DoctorProfile]
    departments: list[Department]
    department_of: dict[int, Department | None]


def hospital_directory(hospital: Hospital) -> Directory:
    affiliations = (
        Affiliation.objects.filter(hospital=hospital)
        .select_related("doctor__user", "department")
        .order_by("doctor_id", "-is_active", "-started_at")
    )
    doctors: dict[int, DoctorProfile] = {}
    department_of: dict[int, Department | None] = {}
    departments: dict[int, Department] = {}
    for affiliation in affiliations:
        if affiliation.doctor_id not in doctors:
            doctors[affiliation.doctor_id] = affiliation.doctor
            department_of[affiliation.doctor_id] = affiliation.department
        if affiliation.department is not None:
            departments[affiliation.department_id] = affiliation.department
    return Directory(
        doctors=sorted(doctors.values(), key=lambda d: d.user.full_name.lower()),
        departments=sorted(departments.values(), key=lambda d: d.name.lower()),
        department_of=department_of,
    )
