from django.contrib import admin

from appointments.models import Appointment, AppointmentEvent, AppointmentRating, ScheduleRange, TimeOff, WeeklySchedule
from doctors.models import DoctorProfile
from hms.pagination import LargeTablePaginator
from patients.selectors import patient_ids_matching


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]
    can_delete = False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start_at", "doctor", "patient", "hospital", "mode", "status"]
    # Date links instead of a date hierarchy: the hierarchy reads every row's year (a scan of the whole table).
    list_filter = ["status", "mode", "hospital", ("start_at", admin.DateFieldListFilter)]
    list_select_related = ["doctor__user", "patient__user", "hospital"]
    search_fields = ["patient__user__full_name", "patient__patient_number", "doctor__user__full_name"]
    search_help_text = "Patient name or number, or doctor name."
    ordering = ["-start_at"]
    paginator = LargeTablePaginator
    list_per_page = 50
    show_full_result_count = False
    raw_id_fields = ["patient", "doctor", "booked_by", "cancelled_by"]
    inlines = [AppointmentEventInline]

    def get_search_results(self, request, queryset, search_term):
        """Each word matches a patient (name, e-mail or number) or a doctor by name. The matches are found through
        the patients' and doctors' own (trigram) indexes, then their appointments through the foreign-key
        indexes, instead of joining a million appointments to every patient and doctor."""
        for word in search_term.split()[:5]:
            by_patient = Appointment.objects.filter(patient__in=patient_ids_matching(word)).order_by().values("pk")
            doctors = DoctorProfile.objects.filter(user__full_name__icontains=word).order_by().values("pk")
            by_doctor = Appointment.objects.filter(doctor__in=doctors).order_by().values("pk")
            queryset = queryset.filter(pk__in=by_patient.union(by_doctor))
        return queryset, False


class ScheduleRangeInline(admin.TabularInline):
    model = ScheduleRange
    extra = 0


@admin.register(WeeklySchedule)
class WeeklyScheduleAdmin(admin.ModelAdmin):
    list_display = ["doctor", "hospital", "valid_from", "valid_until"]
    list_filter = ["hospital"]
    raw_id_fields = ["doctor"]
    inlines = [ScheduleRangeInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["doctor", "hospital", "start_at", "end_at", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["doctor"]


@admin.register(AppointmentRating)
class AppointmentRatingAdmin(admin.ModelAdmin):
    list_display = ["doctor", "score", "created_at"]
    raw_id_fields = ["appointment", "doctor"]
