import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from appointments.models import Appointment
from doctors.selectors import directory_doctors
from hms.inputs import MAX_DB_INT, validate_sensible_date


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_DB_INT})
class IdFilter(django_filters.Filter):
    """An id filter that refuses numbers the database cannot hold (400, never an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_DB_INT)
        super().__init__(*args, **kwargs)


class SensibleDateFilter(django_filters.DateFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_sensible_date])
        super().__init__(*args, **kwargs)


class AppointmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Appointment.Status.choices)
    mode = django_filters.ChoiceFilter(choices=Appointment.Mode.choices)
    doctor = IdFilter(field_name="doctor_id")
    patient = IdFilter(field_name="patient_id")
    hospital = IdFilter(field_name="hospital_id")
    date_from = SensibleDateFilter(field_name="start_at", lookup_expr="date__gte")
    date_to = SensibleDateFilter(field_name="start_at", lookup_expr="date__lte")

    class Meta:
        model = Appointment
        fields: list[str] = []


class DoctorFilter(django_filters.FilterSet):
    """The directory's own filters (doctors.selectors.directory_doctors), so the API finds what the web finds."""

    q = django_filters.CharFilter(method="by_directory", max_length=100)
    specialization = IdFilter(method="by_directory")
    hospital = IdFilter(method="by_directory")
    city = django_filters.CharFilter(method="by_directory", max_length=100)

    def by_directory(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        arguments = {"query" if name == "q" else name: value}
        return queryset.filter(pk__in=directory_doctors(**arguments).values("pk"))


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
