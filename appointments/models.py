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
    # Statuses of a visit still to happen (or happening): "Upcoming" lists. A visit completed early is past.
    OPEN_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.IN_PROGRESS)

    patient = models.ForeignKey("patients.PatientProfile", on_delete=models.PROTECT, related_name="appointments")
    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.PROTECT, related_name="appointments")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="appointments")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    reason = models.CharField("reason for the visit", max_length=300, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Whether this appointment opens the patient's earlier record to its doctor (the care relationship). False
    # for a front-desk booking of a patient the hospital has never seen, until the patient shares the record
    # (issue 11; appointments.services.booking_opens_record / appointment_share_record).
    opens_record = models.BooleanField(default=True)
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
            # Reports (issue 15): a hospital's appointments over a date range, answered from the index alone on
            # PostgreSQL (the included columns are what the report groups and counts by; ignored elsewhere).
            models.Index(
                fields=["hospital", "start_at"],
                include=["doctor", "status", "mode", "patient"],
                name="appointment_report_cover",
            ),
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
        # Reports (issue 15): "when did this appointment reach status X" (check-in, visit start, cancellation).
        indexes = [models.Index(fields=["appointment", "to_status", "created_at"], name="appointment_event_reached")]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class WeeklySchedule(models.Model):
    """A doctor's recurring week at one hospital, valid from a date (and optionally until one).

    Times in its ranges are wall-clock times in the hospital's time zone, so 09:00 stays 09:00 across DST."""

    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.CASCADE, related_name="weekly_schedules")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, related_name="weekly_schedules")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Last day the schedule applies (optional).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hospital__name", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="schedule_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["doctor", "valid_from"])]

    def __str__(self) -> str:
        until = f" until {self.valid_until}" if self.valid_until else ""
        return f"{self.doctor} at {self.hospital} from {self.valid_from}{until}"

    def applies_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ScheduleRange(models.Model):
    """One working stretch on one weekday; the gap between two ranges is a break."""

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
                (6, "Sunday")]  # fmt: skip

    schedule = models.ForeignKey(WeeklySchedule, on_delete=models.CASCADE, related_name="ranges")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start_time = models.TimeField()
    end_time = models.TimeField()
    mode = models.CharField(max_length=10, choices=Appointment.Mode.choices, default=Appointment.Mode.IN_PERSON)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="range_ends_after_start"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="range_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M} ({self.get_mode_display()})"


class TimeOff(models.Model):
    """A stretch when the doctor does not see patients (at one hospital, or everywhere when hospital is empty)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Holiday"
        CONFERENCE = "conference", "Conference"
        SICK_LEAVE = "sick_leave", "Sick leave"
        OTHER = "other", "Other"

    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.CASCADE, related_name="time_off")
    hospital = models.ForeignKey(
        "hospitals.Hospital", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Empty means every hospital.",
    )  # fmt: skip
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.HOLIDAY)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_at"]
        constraints = [models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="time_off_ends_after_start")]
        indexes = [models.Index(fields=["doctor", "start_at"])]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} for {self.doctor} {self.start_at:%Y-%m-%d %H:%M}-{self.end_at:%Y-%m-%d %H:%M}"
        )


class AppointmentRating(models.Model):
    """The patient's 1 to 5 rating of a completed visit; one per appointment."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="rating")
    doctor = models.ForeignKey("doctors.DoctorProfile", on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(choices=[(n, str(n)) for n in range(1, 6)])
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5")]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.doctor}"


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
