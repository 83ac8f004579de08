from django.contrib import admin

from ops.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only (the database refuses changes too)."""

    list_display = ["created_at", "action", "target", "actor", "actor_label"]
    list_filter = ["action"]
    search_fields = ["target", "actor_label"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
