from django.contrib import admin

from patients.models import AccessLogEntry, PatientProfile


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ["patient_number", "user", "date_of_birth", "sex", "blood_group"]
    list_filter = ["sex", "blood_group"]
    search_fields = ["patient_number", "user__full_name", "user__email", "user__phone"]
    raw_id_fields = ["user"]


# MedicalBackground and ClinicalDocument are clinical data: not registered here (see prescriptions/admin.py).


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only (a database trigger refuses UPDATE and DELETE as well)."""

    list_display = ["created_at", "accessor", "accessor_role", "hospital", "patient", "kind", "object_id", "ip_address"]
    list_filter = ["kind", "accessor_role"]
    search_fields = ["patient__patient_number", "accessor__email"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
