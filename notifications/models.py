from django.conf import settings
from django.db import models


class Notification(models.Model):
    """The truth about what a user has been told. Websocket pushes and e-mails are derived from it."""

    class Kind(models.TextChoices):
        APPOINTMENT_BOOKED = "appointment_booked", "New appointment"
        APPOINTMENT_CONFIRMED = "appointment_confirmed", "Appointment confirmed"
        APPOINTMENT_RESCHEDULED = "appointment_rescheduled", "Appointment rescheduled"
        APPOINTMENT_CANCELLED = "appointment_cancelled", "Appointment cancelled"
        APPOINTMENT_REMINDER = "appointment_reminder", "Appointment reminder"
        PRESCRIPTION_ISSUED = "prescription_issued", "Prescription issued"
        AFFILIATION_CHANGED = "affiliation_changed", "Hospital affiliation changed"
        ACCOUNT = "account", "Account"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"
