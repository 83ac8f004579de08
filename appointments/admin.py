from django.contrib import admin

from appointments.models import Appointment, AppointmentEvent


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
