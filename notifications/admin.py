from django.contrib import admin

from notifications.models import Delivery, DeliveryAttempt, Notification, NotificationPreference, ReminderSent


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__email", "title"]
    raw_id_fields = ["recipient"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "outcome", "error", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every e-mail / SMS and each attempt at sending it."""

    list_display = ["created_at", "notification", "channel", "status", "attempts", "destination", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["destination", "notification__title", "notification__recipient__email"]
    list_select_related = ["notification__recipient"]
    readonly_fields = ["notification", "channel", "status", "attempts", "destination", "created_at", "sent_at"]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["created_at", "delivery", "number", "outcome", "error"]
    list_filter = ["outcome", "delivery__channel"]
    list_select_related = ["delivery"]
    readonly_fields = ["delivery", "number", "outcome", "error", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email", "sms"]
    list_filter = ["kind", "email", "sms"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "appointment", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["appointment"]
