from django.contrib import admin

from hospitals.models import Affiliation, Department, Hospital, HospitalMembership


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "time_zone", "status", "created_at"]
    list_filter = ["status", "city", "time_zone"]
    search_fields = ["name", "city", "address", "phone"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DepartmentInline]
    actions = ["approve"]

    @admin.action(description="Approve selected hospitals")
    def approve(self, request, queryset):
        from hospitals.services import HospitalError, hospital_set_status

        for hospital in queryset:
            try:
                hospital_set_status(actor=request.user, hospital=hospital, status=Hospital.Status.APPROVED)
            except HospitalError as error:
                self.message_user(request, f"{hospital}: {error}", level="warning")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "hospital", "is_active"]
    list_filter = ["is_active", "hospital"]
    search_fields = ["name", "hospital__name"]


@admin.register(HospitalMembership)
class HospitalMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "hospital", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "hospital"]
    search_fields = ["user__email", "user__full_name", "hospital__name"]
    raw_id_fields = ["user", "created_by"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["doctor", "hospital", "department", "consultation_fee", "is_active", "started_at", "ended_at"]
    list_filter = ["is_active", "hospital"]
    search_fields = ["doctor__user__full_name", "doctor__registration_number", "hospital__name"]
    raw_id_fields = ["doctor", "added_by", "ended_by"]
