"""Demo schedules and appointments: deterministic relative to today, idempotent (a second run the same day
changes nothing), and never overlapping (every row is checked against the doctor's and patient's bookings)."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent, AppointmentRating, ScheduleRange, WeeklySchedule
from appointments.selectors import active_appointments, overlapping

Mode = Appointment.Mode
Status = Appointment.Status
MON_FRI, MON_THU, FRI_SAT = range(5), range(4), (4, 5)

BLR, BER = "city-care-bengaluru", "spree-klinikum-berlin"
IN_PERSON, VIDEO = Mode.IN_PERSON, Mode.VIDEO

# doctor e-mail -> hospital slug -> [(weekdays, start, end, mode)]. Ranges of one doctor never overlap in UTC.
SCHEDULES = {
    "doctor@example.com": {
        BLR: [
            (MON_THU, "09:00", "13:00", IN_PERSON), (MON_THU, "14:00", "17:00", IN_PERSON),
            (MON_THU, "17:00", "18:30", VIDEO),
        ],
        BER: [(FRI_SAT, "09:00", "13:00", IN_PERSON), (FRI_SAT, "14:00", "16:00", VIDEO)],
    },
    "doctor2@example.com": {
        BER: [
            (MON_FRI, "08:30", "12:30", IN_PERSON), (MON_FRI, "13:30", "16:00", IN_PERSON),
            ((1, 3), "16:00", "18:00", VIDEO),
        ],
    },
    "doctor3@example.com": {
        BLR: [(MON_FRI, "10:00", "13:00", IN_PERSON), (MON_FRI, "14:00", "18:00", IN_PERSON),
                                (5, "10:00", "12:00", VIDEO)],
    },
    "doctor4@example.com": {
        BER: [(MON_FRI, "08:00", "12:00", IN_PERSON), (MON_FRI, "13:00", "15:00", IN_PERSON)],
    },
    "doctor5@example.com": {
        BLR: [(MON_FRI, "09:30", "13:30", IN_PERSON), ((0, 2, 4), "15:00", "17:00", VIDEO)],
    },
}  # fmt: skip

# (doctor, patient, hospital, days from today, local time, mode, reason). Negative days are past visits.
APPOINTMENTS = [
    ("doctor@example.com", "patient@example.com", BLR, -21, "10:00", IN_PERSON, "Chest pain on exertion"),
    ("doctor@example.com", "patient3@example.com", BLR, -14, "11:30", IN_PERSON, "Blood pressure review"),
    ("doctor@example.com", "patient@example.com", BLR, -7, "17:00", VIDEO, "Follow-up on ECG results"),
    ("doctor2@example.com", "patient2@example.com", BER, -10, "09:00", IN_PERSON, "Rash on both arms"),
    ("doctor3@example.com", "patient4@example.com", BLR, -5, "10:30", IN_PERSON, "Vaccination"),
    ("doctor@example.com", "patient@example.com", BLR, 2, "10:30", IN_PERSON, "Cardiology follow-up"),
    ("doctor@example.com", "patient3@example.com", BLR, 3, "14:00", IN_PERSON, "Palpitations"),
    ("doctor@example.com", "patient2@example.com", BER, 4, "09:30", IN_PERSON, "Second opinion"),
    ("doctor2@example.com", "patient2@example.com", BER, 5, "10:00", IN_PERSON, "Skin check"),
    ("doctor3@example.com", "patient4@example.com", BLR, 6, "11:00", IN_PERSON, "Growth check-up"),
    ("doctor5@example.com", "patient3@example.com", BLR, 8, "15:30", VIDEO, "Headaches"),
    ("doctor4@example.com", "patient2@example.com", BER, 9, "08:30", IN_PERSON, "Knee pain"),
]  # fmt: skip


def _time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def _free(doctor, patient, start, end) -> bool:
    busy = active_appointments().filter(Q(doctor=doctor) | Q(patient=patient))
    return not overlapping(busy, start, end).exists()


def _on_working_day(doctor, hospital, day: datetime.date, mode: str) -> datetime.date:
    """The first day on or after `day` (walking away from today) when the doctor works in that mode there."""
    weekdays = set(
        ScheduleRange.objects.filter(schedule__doctor=doctor, schedule__hospital=hospital, mode=mode).values_list(
            "weekday", flat=True
        )
    )
    for _ in range(7):
        if day.weekday() in weekdays:
            return day
        day += datetime.timedelta(days=1)
    return day


def seed(demo: dict) -> None:
    hospitals, doctors, patients = demo["hospitals"], demo["doctors"], demo["patients"]
    length = datetime.timedelta(minutes=settings.SLOT_MINUTES)
    start_of_year = datetime.date(timezone.now().year - 1, 1, 1)
    for email, places in SCHEDULES.items():
        for slug, ranges in places.items():
            schedule, created = WeeklySchedule.objects.get_or_create(
                doctor=doctors[email], hospital=hospitals[slug], defaults={"valid_from": start_of_year}
            )
            if created:
                for weekdays, start, end, mode in ranges:
                    for weekday in weekdays if not isinstance(weekdays, int) else [weekdays]:
                        ScheduleRange.objects.create(
                            schedule=schedule, weekday=weekday, start_time=_time(start), end_time=_time(end), mode=mode
                        )

    video_call_appointment(demo)

    now = timezone.now()
    for doctor_email, patient_email, slug, offset, at, mode, reason in APPOINTMENTS:
        doctor, patient, hospital = doctors[doctor_email], patients[patient_email], hospitals[slug]
        today = now.astimezone(hospital.tz).date()
        day = _on_working_day(doctor, hospital, today + datetime.timedelta(days=offset), mode)
        start = datetime.datetime.combine(day, _time(at), tzinfo=hospital.tz).astimezone(datetime.UTC)
        past = start + length <= now
        if (not past and start < now + datetime.timedelta(hours=2)) or not _free(
            doctor, patient, start, start + length
        ):
            continue
        appointment = Appointment.objects.create(
            patient=patient, doctor=doctor, hospital=hospital, start_at=start, end_at=start + length, mode=mode,
            reason=reason, booked_by=patient.user, status=Status.COMPLETED if past else Status.BOOKED,
        )  # fmt: skip
        AppointmentEvent.objects.create(appointment=appointment, to_status=Status.BOOKED, actor=patient.user)
        if past:
            AppointmentEvent.objects.create(
                appointment=appointment, from_status=Status.BOOKED, to_status=Status.COMPLETED, actor=doctor.user
            )
            if offset <= -14:
                AppointmentRating.objects.get_or_create(
                    appointment=appointment,
                    defaults={"doctor": doctor, "score": 5 if offset == -21 else 4, "comment": "Clear and kind."},
                )


def video_call_appointment(demo: dict) -> Appointment:
    """A video appointment of doctor@example.com with patient@example.com starting within ~5 minutes, so the
    video-call journey can be tried right after seeding. Reuses one whose join window (10 minutes before the
    start to 30 minutes after the end) is still open; moves other demo bookings out of its way."""
    doctor = demo["doctors"]["doctor@example.com"]
    patient = demo["patients"]["patient@example.com"]
    hospital = demo["hospitals"][BLR]
    now = timezone.now()
    open_window = (
        active_appointments()
        .filter(doctor=doctor, patient=patient, mode=VIDEO, status__in=[Status.BOOKED, Status.CHECKED_IN])
        .filter(start_at__lte=now + datetime.timedelta(minutes=10), end_at__gte=now - datetime.timedelta(minutes=30))
        .first()
    )
    if open_window is not None:
        return open_window
    start = (now + datetime.timedelta(minutes=3)).replace(second=0, microsecond=0)
    end = start + datetime.timedelta(minutes=settings.SLOT_MINUTES)
    in_the_way = overlapping(active_appointments().filter(Q(doctor=doctor) | Q(patient=patient)), start, end)
    for other in in_the_way:
        other.status = Status.CANCELLED
        other.cancellation_reason = "Moved for the video-call demo."
        other.save(update_fields=["status", "cancellation_reason"])
        AppointmentEvent.objects.create(
            appointment=other, from_status=Status.BOOKED, to_status=Status.CANCELLED, note=other.cancellation_reason
        )
    appointment = Appointment.objects.create(
        patient=patient, doctor=doctor, hospital=hospital, start_at=start, end_at=end, mode=VIDEO,
        reason="Video consultation (demo)", booked_by=patient.user,
    )  # fmt: skip
    AppointmentEvent.objects.create(appointment=appointment, to_status=Status.BOOKED, actor=patient.user)
    return appointment
