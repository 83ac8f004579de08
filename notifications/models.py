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
        PAYMENT_DUE = "payment_due", "Payment due"

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


class Channel(models.TextChoices):
    """Where a notification can go. In-app is the Notification row itself and is always on."""

    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class NotificationPreference(models.Model):
    """A user's choice of outside channels for one kind of notification. No row = the defaults
    (e-mail on, SMS off)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    kind = models.CharField(max_length=40, choices=Notification.Kind.choices)
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_user_kind")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class Delivery(models.Model):
    """The transactional outbox of outside delivery (issue 11): one row per (notification, channel), written in
    the same transaction as the notification. The row, not the broker, is the truth: a sweeper enqueues rows
    still pending after a short delay (a lost enqueue, a killed worker or web process), and a sender first takes
    a lease on the row (a conditional UPDATE, no lock held while the provider is called), so a re-delivered or
    re-swept task finds the row leased or sent and does nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Gave up"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    destination = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper may (re)enqueue this row: creation time, then the backoff after a failure.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender's claim on the row; expires so a killed worker's row is picked up again.
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status__in=["pending", "failed"]), name="delivery_due"
            )
        ]
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_notification_channel")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for notification {self.notification_id}: {self.status}"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per try, kept for the super admin (Django admin)."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        GAVE_UP = "gave_up", "Gave up"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery_id", "number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.outcome}"


class ReminderSent(models.Model):
    """Reminder bookkeeping lives here (not on Appointment): the unique constraint makes
    'send each reminder once' hold even when two reminder runs overlap."""

    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", "Day before"
        SHORTLY_BEFORE = "shortly_before", "Shortly before"

    appointment = models.ForeignKey("appointments.Appointment", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "kind"], name="one_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for appointment {self.appointment_id}"
