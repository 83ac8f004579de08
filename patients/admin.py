from django.contrib import admin

from patients.models import PatientProfile


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ["patient_number", "user", "date_of_birth", "sex", "blood_group"]
    list_filter = ["sex", "blood_group"]
    search_fields = ["patient_number", "user__full_name", "user__email", "user__phone"]
    raw_id_fields = ["user"]
