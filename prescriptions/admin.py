from django.contrib import admin

from prescriptions.models import Diagnosis, Prescription, PrescriptionItem, VisitNote, VisitNoteVersion


class ReadOnlyClinicalAdmin(admin.ModelAdmin):
    """Visit notes and prescriptions change only through the services (which keep versions); the admin shows
    them and never deletes them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Clinical rows shown under their parent: never added, changed or deleted from the admin."""

    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DiagnosisInline(ReadOnlyInline):
    model = Diagnosis


@admin.register(VisitNote)
class VisitNoteAdmin(ReadOnlyClinicalAdmin):
    list_display = ["appointment", "patient", "doctor", "hospital", "version", "updated_at"]
    inlines = [DiagnosisInline]


@admin.register(VisitNoteVersion)
class VisitNoteVersionAdmin(ReadOnlyClinicalAdmin):
    list_display = ["note", "version", "written_by", "written_at", "replaced_at"]


class PrescriptionItemInline(ReadOnlyInline):
    model = PrescriptionItem


@admin.register(Prescription)
class PrescriptionAdmin(ReadOnlyClinicalAdmin):
    list_display = ["number", "patient", "doctor", "status", "version", "issued_at"]
    list_filter = ["status"]
    inlines = [PrescriptionItemInline]
