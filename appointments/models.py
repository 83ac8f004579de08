from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CHECKED_IN = "checked_in", "Checked in"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video consultation"

    # Statuses that hold the time slot. Cancelled and no-show free it.
    ACTIVE_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.IN_PROGRESS, Status.COMPLETED)

    patient = models.ForeignKey("patients.PatientProfile", on_delete=models.PROTECT, related_name="appointments")
    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.PROTECT, related_name="appointments")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="appointments")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    reason = models.CharField("reason for the visit", max_length=300, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["start_at"]
        constraints = [
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="appointment_ends_after_start"),
            # Portable half of "no overlap": two active appointments never share a start. The
            # PostgreSQL exclusion constraint (migration) also refuses any overlapping range.
            models.UniqueConstraint(
                fields=["doctor", "start_at"],
                condition=Q(status__in=["booked", "checked_in", "in_progress", "completed"]),
                name="doctor_one_active_appointment_per_start",
            ),
            models.UniqueConstraint(
                fields=["patient", "start_at"],
                condition=Q(status__in=["booked", "checked_in", "in_progress", "completed"]),
                name="patient_one_active_appointment_per_start",
            ),
        ]
        indexes = [
            models.Index(fields=["doctor", "start_at"]),
            models.Index(fields=["patient", "start_at"]),
            models.Index(fields=["hospital", "start_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.patient} with {self.doctor} at {self.start_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class AppointmentEvent(models.Model):
    """One row per status change: who moved the appointment, from what, to what, when."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


# --- video consultations (issue 7) -------------------------------------------------------------


class CallAttendance(models.Model):
    """One row per websocket session in a video call: when this participant joined and left.
    A reload or a dropped network gives a new row, so the record shows every interruption."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="call_attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["appointment", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.user} in call {self.appointment_id} from {self.joined_at:%H:%M:%S}"


class CallMessage(models.Model):
    """A chat line written beside the video; kept with the appointment."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="call_messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appointment", "created_at"])]

    def __str__(self) -> str:
        return f"{self.sender}: {self.body[:40]}"
