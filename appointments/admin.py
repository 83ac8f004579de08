from django.contrib import admin

from appointments.models import Appointment, AppointmentEvent, AppointmentRating, ScheduleRange, TimeOff, WeeklySchedule


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]
    can_delete = False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start_at", "doctor", "patient", "hospital", "mode", "status"]
    list_filter = ["status", "mode", "hospital"]
    search_fields = ["patient__user__full_name", "patient__patient_number", "doctor__user__full_name"]
    date_hierarchy = "start_at"
    raw_id_fields = ["patient", "doctor", "booked_by", "cancelled_by"]
    inlines = [AppointmentEventInline]


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
