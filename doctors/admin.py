from django.contrib import admin

from doctors.models import DoctorProfile, Specialization


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DoctorProfile)
class DoctorProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "registration_number", "years_of_experience"]
    list_filter = ["specializations"]
    search_fields = ["user__full_name", "user__email", "registration_number"]
    raw_id_fields = ["user"]
