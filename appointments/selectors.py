import datetime
import re

from django.conf import settings
from django.core import signing
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, AppointmentRating, ScheduleRange, TimeOff
from appointments.slots import Slot, days_between, generate_slots
from doctors.models import DoctorProfile
from hospitals.models import Hospital, HospitalMembership
from patients.models import PatientProfile


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """Every appointment this user may see. Views fetch single appointments through it, so one the user
    may not see is a 404, the same as one that does not exist."""
    base = Appointment.objects.select_related("patient__user", "doctor__user", "hospital")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.is_platform_admin:
        return base
    if user.role == User.Role.PATIENT:
        return base.filter(patient__user=user)
    if user.role == User.Role.DOCTOR:
        return base.filter(doctor__user=user)
    if user.role in (User.Role.HOSPITAL_ADMIN, User.Role.STAFF):
        hospital_ids = HospitalMembership.objects.filter(user=user, is_active=True).values("hospital_id")
        return base.filter(hospital_id__in=hospital_ids)
    return base.none()


def can_see_visit_reason(user: User, appointment: Appointment) -> bool:
    """The reason for a visit is clinical: the patient, the doctor and the front desk (who booked it) see it; a
    hospital admin does not (DESIGN: no clinical notes for hospital admins). One rule for the page and the .ics."""
    return user.role != User.Role.HOSPITAL_ADMIN or user.is_superuser


def active_appointments() -> QuerySet[Appointment]:
    return Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)


def overlapping(queryset: QuerySet[Appointment], start, end) -> QuerySet[Appointment]:
    return queryset.filter(Q(start_at__lt=end) & Q(end_at__gt=start))


# --- availability ------------------------------------------------------------------------------


def bookable_window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """(earliest, latest) start a patient may book now: lead time ahead, at most the horizon ahead."""
    now = now or timezone.now()
    return (
        now + datetime.timedelta(minutes=settings.BOOKING_MIN_LEAD_MINUTES),
        now + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )


def bookable_hospitals(doctor: DoctorProfile) -> QuerySet[Hospital]:
    """Approved hospitals where the doctor is still active: the only places a slot can be booked."""
    return Hospital.objects.filter(
        status=Hospital.Status.APPROVED, affiliations__doctor=doctor, affiliations__is_active=True
    ).distinct()


def schedule_ranges(doctor: DoctorProfile, hospital_ids, start_date: datetime.date, end_date: datetime.date):
    return (
        ScheduleRange.objects.filter(
            schedule__doctor=doctor, schedule__hospital_id__in=hospital_ids, schedule__valid_from__lte=end_date
        )
        .filter(Q(schedule__valid_until__isnull=True) | Q(schedule__valid_until__gte=start_date))
        .select_related("schedule__hospital")
    )


def _utc_bounds(start_date: datetime.date, end_date: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    # Local days in any zone (UTC-12 … UTC+14) fall inside these bounds.
    start = datetime.datetime.combine(start_date, datetime.time.min, tzinfo=datetime.UTC) - datetime.timedelta(days=1)
    end = datetime.datetime.combine(end_date, datetime.time.min, tzinfo=datetime.UTC) + datetime.timedelta(days=2)
    return start, end


def available_slots(
    *,
    doctor: DoctorProfile,
    hospital: Hospital | None = None,
    mode: str | None = None,
    start_date: datetime.date,
    end_date: datetime.date,
    include_taken: bool = False,
    now: datetime.datetime | None = None,
    respect_window: bool = True,
) -> list[Slot]:
    """Free slots of `doctor` on local days start_date..end_date (each hospital's own calendar), optionally
    only at one hospital and/or one mode. Four queries, whatever the size of the appointment table.

    include_taken keeps slots that are booked (the grid itself); respect_window=False ignores lead time and
    horizon (a doctor's own week view)."""
    earliest, latest = bookable_window(now)
    if respect_window:
        # Never loop over days nobody may book (a forged date far in the future costs nothing).
        start_date = max(start_date, (earliest - datetime.timedelta(days=1)).date())
        end_date = min(end_date, (latest + datetime.timedelta(days=1)).date())
    if end_date < start_date:
        return []
    hospitals = bookable_hospitals(doctor)
    if hospital is not None:
        hospitals = hospitals.filter(pk=hospital.pk)
    ranges = schedule_ranges(doctor, hospitals.values("pk"), start_date, end_date)
    if mode:
        ranges = ranges.filter(mode=mode)
    ranges = list(ranges)
    if not ranges:
        return []
    window_start, window_end = _utc_bounds(start_date, end_date)
    time_off = list(
        TimeOff.objects.filter(doctor=doctor, start_at__lt=window_end, end_at__gt=window_start).values_list(
            "start_at", "end_at", "hospital_id"
        )
    )
    busy = []
    if not include_taken:
        # The lower bound on start_at keeps the (doctor, start_at) index scan to the window instead of the doctor's
        # whole history; appointments are one slot long, far below a day.
        busy = list(
            overlapping(active_appointments().filter(doctor=doctor), window_start, window_end)
            .filter(start_at__gte=window_start - datetime.timedelta(days=1))
            .values_list("start_at", "end_at")
        )
    return generate_slots(
        ranges=ranges,
        days=days_between(start_date, end_date),
        busy=busy,
        time_off=time_off,
        earliest=earliest if respect_window else None,
        latest=latest if respect_window else None,
    )


def next_free_slot(doctor: DoctorProfile, hospital: Hospital | None = None, mode: str | None = None) -> Slot | None:
    """The earliest bookable slot of the doctor (anywhere, or at one hospital / in one mode), or None."""
    earliest, latest = bookable_window()
    day = earliest.date() - datetime.timedelta(days=1)
    while day <= latest.date():
        chunk_end = day + datetime.timedelta(days=13)
        slots = available_slots(doctor=doctor, hospital=hospital, mode=mode, start_date=day, end_date=chunk_end)
        if slots:
            return slots[0]
        day = chunk_end + datetime.timedelta(days=1)
    return None


def next_free_slots(doctors) -> dict[int, Slot | None]:
    """{doctor id: earliest bookable slot or None} for a list of doctors (a directory page) in three queries
    for the next two weeks; a doctor with nothing in that stretch is looked up on their own."""
    doctors = list(doctors)
    if not doctors:
        return {}
    earliest, latest = bookable_window()
    start_date = earliest.date() - datetime.timedelta(days=1)
    end_date = start_date + datetime.timedelta(days=14)
    window_start, window_end = _utc_bounds(start_date, end_date)
    ranges = (
        ScheduleRange.objects.filter(
            schedule__doctor__in=doctors,
            schedule__valid_from__lte=end_date,
            schedule__hospital__status=Hospital.Status.APPROVED,
            schedule__hospital__affiliations__doctor=F("schedule__doctor"),
            schedule__hospital__affiliations__is_active=True,
        )
        .filter(Q(schedule__valid_until__isnull=True) | Q(schedule__valid_until__gte=start_date))
        .select_related("schedule__hospital")
        .distinct()
    )
    by_doctor: dict[int, list] = {}
    for schedule_range in ranges:
        by_doctor.setdefault(schedule_range.schedule.doctor_id, []).append(schedule_range)
    if not by_doctor:
        return {doctor.pk: None for doctor in doctors}
    time_off: dict[int, list] = {}
    scheduled = list(by_doctor)
    for doctor_id, start, end, hospital_id in TimeOff.objects.filter(
        doctor__in=scheduled, start_at__lt=window_end, end_at__gt=window_start
    ).values_list("doctor_id", "start_at", "end_at", "hospital_id"):
        time_off.setdefault(doctor_id, []).append((start, end, hospital_id))
    busy: dict[int, list] = {}
    for doctor_id, start, end in (
        overlapping(active_appointments().filter(doctor__in=scheduled), window_start, window_end)
        .filter(start_at__gte=window_start - datetime.timedelta(days=1))
        .values_list("doctor_id", "start_at", "end_at")
    ):
        busy.setdefault(doctor_id, []).append((start, end))
    days = days_between(start_date, end_date)
    result: dict[int, Slot | None] = {}
    for doctor in doctors:
        if doctor.pk not in by_doctor:
            result[doctor.pk] = None
            continue
        slot = _earliest_slot(
            days, ranges=by_doctor[doctor.pk], busy=busy.get(doctor.pk, []),
            time_off=time_off.get(doctor.pk, []), earliest=earliest, latest=latest,
        )  # fmt: skip
        result[doctor.pk] = slot or next_free_slot(doctor)
    return result


def _earliest_slot(days: list[datetime.date], **generate_kwargs) -> Slot | None:
    """The earliest slot over `days`; the first few days alone usually hold it, so try those first."""
    for count in (4, len(days)):
        slots = generate_slots(days=days[:count], **generate_kwargs)
        if count >= len(days):
            break
        # A slot on a later local day starts no earlier than that day's midnight in UTC+14.
        later = datetime.datetime.combine(days[count], datetime.time.min, tzinfo=datetime.UTC) - datetime.timedelta(
            hours=14
        )
        if slots and slots[0].start_at < later:
            return slots[0]
    return slots[0] if slots else None


def nearest_free_slots(
    *, doctor: DoctorProfile, hospital: Hospital, mode: str, around: datetime.datetime, count: int = 3
) -> list[Slot]:
    """The free slots closest in time to `around` (offered when the chosen one was just taken)."""
    local_day = around.astimezone(hospital.tz).date()
    slots = available_slots(
        doctor=doctor,
        hospital=hospital,
        mode=mode,
        start_date=local_day - datetime.timedelta(days=3),
        end_date=local_day + datetime.timedelta(days=7),
    )
    slots.sort(key=lambda slot: (abs((slot.start_at - around).total_seconds()), slot.start_at))
    return sorted(slots[:count])


def slot_at(
    *, doctor: DoctorProfile, hospital: Hospital, mode: str, start_at: datetime.datetime, include_taken: bool
) -> Slot | None:
    local_day = start_at.astimezone(hospital.tz).date()
    for slot in available_slots(
        doctor=doctor,
        hospital=hospital,
        mode=mode,
        start_date=local_day,
        end_date=local_day,
        include_taken=include_taken,
    ):
        if slot.start_at == start_at:
            return slot
    return None


# --- ratings -----------------------------------------------------------------------------------


def average_rating(doctor: DoctorProfile) -> dict:
    """{"average": 4.3 or None, "count": n} for the doctor's page."""
    summary = AppointmentRating.objects.filter(doctor=doctor).aggregate(average=Avg("score"), count=Count("id"))
    if summary["average"] is not None:
        summary["average"] = round(float(summary["average"]), 1)
    return summary


def with_average_rating(doctors: QuerySet[DoctorProfile]) -> QuerySet[DoctorProfile]:
    """Annotate a doctor queryset with rating_average and rating_count (directory lists, one query)."""
    return doctors.annotate(rating_average=Avg("ratings__score"), rating_count=Count("ratings", distinct=True))


# --- lists -------------------------------------------------------------------------------------


def doctor_appointments_between(doctor: DoctorProfile, start: datetime.datetime, end: datetime.datetime):
    return (
        overlapping(Appointment.objects.filter(doctor=doctor), start, end)
        .select_related("patient__user", "hospital", "doctor")
        .order_by("start_at")
    )


def time_off_conflicts(time_off: TimeOff) -> QuerySet[Appointment]:
    """Active future appointments booked inside a stretch of time off (the doctor keeps or cancels them)."""
    appointments = active_appointments().filter(doctor=time_off.doctor, status=Appointment.Status.BOOKED)
    if time_off.hospital_id:
        appointments = appointments.filter(hospital_id=time_off.hospital_id)
    return overlapping(appointments, time_off.start_at, time_off.end_at).select_related("patient__user", "hospital")


def booking_places(doctor: DoctorProfile) -> list[tuple[Hospital, str]]:
    """(hospital, mode) pairs a patient can choose on the booking page: approved hospitals where the doctor is
    active and has in-person or video ranges in a schedule still in force."""
    today = timezone.now().date() - datetime.timedelta(days=1)
    hospitals = {hospital.pk: hospital for hospital in bookable_hospitals(doctor)}
    pairs = (
        ScheduleRange.objects.filter(schedule__doctor=doctor, schedule__hospital_id__in=list(hospitals))
        .filter(Q(schedule__valid_until__isnull=True) | Q(schedule__valid_until__gte=today))
        .values_list("schedule__hospital_id", "mode")
        .distinct()
    )
    modes = Appointment.Mode.values
    return sorted(
        ((hospitals[hospital_id], mode) for hospital_id, mode in set(pairs)),
        key=lambda pair: (pair[0].name, modes.index(pair[1])),
    )


def slots_by_day(slots: list[Slot], tz) -> dict[datetime.date, list[Slot]]:
    days: dict[datetime.date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.start_at.astimezone(tz).date(), []).append(slot)
    return days


def week_schedule(doctor: DoctorProfile, hospital_ids, week_start: datetime.date) -> list[dict]:
    """The doctor's week for a grid: per local day, working ranges, time off and appointments (3 queries)."""
    week_end = week_start + datetime.timedelta(days=6)
    ranges = list(schedule_ranges(doctor, hospital_ids, week_start, week_end).order_by("start_time"))
    window_start, window_end = _utc_bounds(week_start, week_end)
    time_off = list(
        TimeOff.objects.filter(doctor=doctor, start_at__lt=window_end, end_at__gt=window_start).select_related(
            "hospital"
        )
    )
    appointments = list(
        doctor_appointments_between(doctor, window_start, window_end).filter(hospital_id__in=hospital_ids)
    )
    days = []
    for day in days_between(week_start, week_end):
        day_ranges = [r for r in ranges if r.weekday == day.weekday() and r.schedule.applies_on(day)]
        day_appointments = [a for a in appointments if a.start_at.astimezone(a.hospital.tz).date() == day]
        day_off = []
        for off in time_off:
            tz = off.hospital.tz if off.hospital else datetime.UTC
            if (
                off.start_at.astimezone(tz).date()
                <= day
                <= (off.end_at - datetime.timedelta(seconds=1)).astimezone(tz).date()
            ):
                day_off.append(off)
        days.append({"date": day, "ranges": day_ranges, "time_off": day_off, "appointments": day_appointments})
    return days


def hospital_appointments_matching(hospital: Hospital, query: str):
    """Ids of the hospital's appointments whose patient (name contains `query`, or exact patient number or
    e-mail) or doctor (name contains it) matches. Each side is found through its own index and the appointments
    through the foreign-key indexes; an OR across four joined tables would read all the hospital's bookings."""
    profiles = PatientProfile.objects.order_by()
    patients = (
        profiles.filter(user__full_name__icontains=query)
        .values("pk")
        .union(
            profiles.filter(patient_number=query.upper()).values("pk"),
            profiles.alias(email_lower=Lower("user__email")).filter(email_lower=query.lower()).values("pk"),
        )
    )
    doctors = DoctorProfile.objects.filter(user__full_name__icontains=query).order_by().values("pk")
    appointments = Appointment.objects.filter(hospital=hospital).order_by()
    return (
        appointments.filter(patient__in=patients)
        .values("pk")
        .union(appointments.filter(doctor__in=doctors).values("pk"))
    )


# --- front desk: finding and choosing a patient ------------------------------------------------

DESK_SEARCH_LIMIT = 20
DESK_LINK_SALT = "desk-patient"
DESK_LINK_MAX_AGE = 3600  # seconds: a result link is good for one visit to the desk, not forever
MIN_PHONE_DIGITS = 6
_PHONE_PUNCTUATION = (" ", "+", "-", "(", ")", ".", "/")


def _digits_only(field: str):
    """The phone column with the usual punctuation stripped, so "+49 (30) 123-45" compares as "493012345"."""
    expression = F(field)
    for char in _PHONE_PUNCTUATION:
        expression = Replace(expression, Value(char), Value(""))
    return expression


def desk_patient_search(hospital: Hospital, query: str, *, limit: int = DESK_SEARCH_LIMIT) -> list[PatientProfile]:
    """Patients the front desk of `hospital` may pick for a walk-in.

    A name fragment only finds patients who have (or had) an appointment at this hospital. Across the network
    only an exact patient number, e-mail (any case) or phone number (digits only) finds a patient: the walk-in
    tells the desk one of those. Each result carries `is_local` (already a patient of this hospital)."""
    query = " ".join(query.split())
    if not query:
        return []
    is_local = Exists(Appointment.objects.filter(hospital=hospital, patient=OuterRef("pk")))
    # Each way of finding a patient is its own indexed search; their union of ids is one subquery (an OR across
    # the patient and user tables would read every patient of the network).
    profiles = PatientProfile.objects.order_by()
    branches = [
        profiles.filter(patient_number=query.upper()),  # numbers are stored as P000042
        profiles.alias(email_lower=Lower("user__email")).filter(email_lower=query.lower()),
    ]
    digits = re.sub(r"[^0-9]", "", query)
    if len(digits) >= MIN_PHONE_DIGITS:
        branches.append(profiles.alias(phone_digits=_digits_only("user__phone")).filter(phone_digits=digits))
    by_name = profiles.filter(is_local)
    for word in query.split()[:5]:
        by_name = by_name.filter(user__full_name__icontains=word)
    branches.append(by_name)
    found = branches[0].values("pk").union(*(branch.values("pk") for branch in branches[1:]))
    patients = PatientProfile.objects.filter(pk__in=found, user__is_active=True).annotate(is_local=is_local)
    return list(patients.select_related("user").order_by("user__full_name", "pk")[:limit])


def desk_patient_token(hospital: Hospital, patient: PatientProfile) -> str:
    """A signed, expiring reference to a patient the desk of `hospital` found (never a guessable id)."""
    return signing.dumps({"patient": patient.pk, "hospital": hospital.pk}, salt=DESK_LINK_SALT)


def desk_patient_from_token(hospital: Hospital, token: str) -> PatientProfile | None:
    """The patient behind a result link, or None if the token is forged, expired or from another hospital."""
    try:
        data = signing.loads(token, salt=DESK_LINK_SALT, max_age=DESK_LINK_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("hospital") != hospital.pk or not isinstance(data.get("patient"), int):
        return None
    return PatientProfile.objects.select_related("user").filter(pk=data["patient"], user__is_active=True).first()
