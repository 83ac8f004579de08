"""Thin views: fetch through a role-scoped selector, validate with a form, call one service, respond."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from appointments import ics
from appointments.forms import (
    BookedPatientsFilterForm,
    BookingForm,
    CancelForm,
    PatientRegisterForm,
    PatientSearchForm,
    RatingForm,
    RescheduleForm,
    ScheduleRangeForm,
    ScheduleValidityForm,
    SlotSearchForm,
    TimeOffForm,
    place_value,
)
from appointments.models import Appointment, ScheduleRange, TimeOff, WeeklySchedule
from appointments.selectors import (
    appointments_visible_to,
    available_slots,
    booking_places,
    can_see_visit_reason,
    desk_patient_from_token,
    desk_patient_token,
    doctor_appointments_between,
    hospital_appointments_matching,
    slots_by_day,
    time_off_conflicts,
    week_schedule,
)
from appointments.services import (
    VISIT_ACTIONS,
    AppointmentError,
    SlotTakenError,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_rate,
    appointment_reschedule,
    appointment_share_record,
    can_change_booking,
    can_manage,
    desk_patient_lookup,
    schedule_range_add,
    schedule_range_remove,
    schedule_set_validity,
    time_off_add,
    time_off_cancel_conflicts,
    time_off_remove,
    visit_actions,
    visit_actions_for,
)
from doctors.models import DoctorProfile
from doctors.selectors import active_affiliations_of
from hms.inputs import parse_ids
from hospitals.models import HospitalMembership
from hospitals.selectors import desk_hospital_of, hospital_of
from patients.services import patient_register

Role = User.Role
STRIP_DAYS = 14
DESK_ROLES = (Role.STAFF, Role.HOSPITAL_ADMIN)


EARLIEST_DATE, LATEST_DATE = datetime.date(2000, 1, 1), datetime.date(2200, 12, 31)


def _date_param(request, name: str = "date") -> datetime.date | None:
    """A date from the query string; None when missing, malformed or absurd (so date arithmetic never overflows)."""
    try:
        value = datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


# --- slot picker (booking, rescheduling, front desk) -------------------------------------------


def _picker(request, doctor: DoctorProfile, places, data=None, default_place: str | None = None) -> dict:
    """Context for the slot picker: where/date form, a two-week strip of days with free slots, and the slots
    of the chosen day in the hospital's local time."""
    values = [place_value(h.pk, mode) for h, mode in places]
    place = request.GET.get("place") or default_place
    if place not in values:
        place = values[0] if values else ""
    hospital, mode = None, None
    for candidate, candidate_mode in places:
        if place_value(candidate.pk, candidate_mode) == place:
            hospital, mode = candidate, candidate_mode
    context = {"doctor": doctor, "places": places, "place": place, "hospital": hospital, "mode": mode}
    if hospital is None:
        context["search_form"] = SlotSearchForm(places=places, initial={"date": timezone.now().date()})
        return context
    tz = hospital.tz
    today = timezone.now().astimezone(tz).date()
    chosen = _date_param(request) or today
    strip_start = max(today, chosen - datetime.timedelta(days=chosen.weekday()))
    slots = available_slots(
        doctor=doctor, hospital=hospital, mode=mode, start_date=strip_start,
        end_date=strip_start + datetime.timedelta(days=STRIP_DAYS - 1),
    )  # fmt: skip
    by_day = slots_by_day(slots, tz)
    if not _date_param(request) and by_day and chosen not in by_day:
        chosen = min(by_day)  # first visit: jump to the first day with free slots
    context.update(
        search_form=SlotSearchForm(places=places, initial={"place": place, "date": chosen}),
        chosen=chosen,
        strip=[(day, len(by_day.get(day, []))) for day in days_between_dates(strip_start, STRIP_DAYS)],
        slots=by_day.get(chosen, []),
        previous_week=strip_start - datetime.timedelta(days=7) if strip_start > today else None,
        next_week=strip_start + datetime.timedelta(days=7),
        time_zone=hospital.time_zone,
    )
    return context


def days_between_dates(start: datetime.date, count: int) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range(count)]


def _places_lookup(places) -> dict:
    return {(h.pk, mode): h for h, mode in places}


# --- patient booking ---------------------------------------------------------------------------


@role_required(Role.PATIENT)
def book(request, doctor_id: int):
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=doctor_id, user__is_active=True)
    places = booking_places(doctor)
    form = BookingForm(request.POST or None, places=places)
    alternatives = []
    if request.method == "POST" and form.is_valid():
        hospital_id, mode = form.cleaned_data["place"]
        try:
            appointment = appointment_book(
                actor=request.user, patient=request.user.patient_profile, doctor=doctor,
                hospital=_places_lookup(places)[(hospital_id, mode)], start_at=form.cleaned_data["start_at"],
                mode=mode, reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except SlotTakenError as error:
            form.add_error(None, str(error))
            alternatives = error.alternatives
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            return redirect("appointments:confirmed", pk=appointment.pk)
    context = _picker(request, doctor, places, default_place=request.POST.get("place"))
    context.update(form=form, alternatives=alternatives, action=reverse("appointments:book", args=[doctor.pk]))
    return render(request, "appointments/book.html", context, status=400 if form.errors else 200)


# --- one appointment ---------------------------------------------------------------------------


def _detail_context(request, appointment: Appointment) -> dict:
    user = request.user
    now = timezone.now()
    is_patient = appointment.patient.user_id == user.pk
    return {
        "appointment": appointment,
        "local_start": appointment.start_at.astimezone(appointment.hospital.tz),
        "local_end": appointment.end_at.astimezone(appointment.hospital.tz),
        "events": appointment.events.select_related("actor") if not is_patient else [],
        "can_reschedule": appointment.status == Appointment.Status.BOOKED
        and appointment.start_at > now
        and can_change_booking(user, appointment),
        "can_cancel": appointment.status in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
        and (can_manage(user, appointment) or (is_patient and appointment.start_at > now)),
        "visit_actions": visit_actions(user, appointment, now),
        "can_rate": is_patient
        and appointment.status == Appointment.Status.COMPLETED
        and not hasattr(appointment, "rating"),
        "cancel_form": CancelForm(),
        "rating_form": RatingForm(),
        "is_patient": is_patient,
        "show_reason": can_see_visit_reason(user, appointment),
    }


def _visible(request, pk: int) -> Appointment:
    return get_object_or_404(appointments_visible_to(request.user).select_related("rating"), pk=pk)


@login_required
def detail(request, pk: int):
    appointment = _visible(request, pk)
    return render(request, "appointments/detail.html", _detail_context(request, appointment))


@login_required
def confirmed(request, pk: int):
    appointment = _visible(request, pk)
    context = _detail_context(request, appointment)
    context["confirmed"] = True
    return render(request, "appointments/detail.html", context)


@login_required
def calendar_file(request, pk: int):
    appointment = _visible(request, pk)
    calendar = ics.appointment_calendar(
        request, appointment, show_reason=can_see_visit_reason(request.user, appointment)
    )
    response = HttpResponse(calendar, content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


@login_required
def appointment_list(request):
    now = timezone.now()
    visible = appointments_visible_to(request.user)
    upcoming = visible.filter(end_at__gte=now, status__in=Appointment.ACTIVE_STATUSES).order_by("start_at")
    past = visible.exclude(pk__in=upcoming.values("pk")).order_by("-start_at")
    page = Paginator(past, 20).get_page(request.GET.get("page"))
    return render(request, "appointments/list.html", {"upcoming": upcoming[:50], "past": page})


@login_required
def reschedule(request, pk: int):
    appointment = _visible(request, pk)
    if not can_change_booking(request.user, appointment):
        raise Http404
    places = booking_places(appointment.doctor)
    form = RescheduleForm(request.POST or None, places=places)
    alternatives = []
    if request.method == "POST" and form.is_valid():
        hospital_id, mode = form.cleaned_data["place"]
        try:
            appointment_reschedule(
                actor=request.user, appointment=appointment, start_at=form.cleaned_data["start_at"],
                hospital=_places_lookup(places)[(hospital_id, mode)], mode=mode,
            )  # fmt: skip
        except SlotTakenError as error:
            form.add_error(None, str(error))
            alternatives = error.alternatives
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your appointment has been moved.")
            return redirect("appointments:detail", pk=appointment.pk)
    default = request.POST.get("place") or place_value(appointment.hospital_id, appointment.mode)
    context = _picker(request, appointment.doctor, places, default_place=default)
    context.update(
        form=form, alternatives=alternatives, appointment=appointment,
        action=reverse("appointments:reschedule", args=[appointment.pk]),
        local_start=appointment.start_at.astimezone(appointment.hospital.tz),
    )  # fmt: skip
    return render(request, "appointments/reschedule.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def cancel(request, pk: int):
    appointment = _visible(request, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        appointment_cancel(actor=request.user, appointment=appointment, reason=form.cleaned_data.get("reason", ""))
    except AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The appointment has been cancelled and the time is free again.")
    return redirect(request.POST.get("next") if _safe_next(request) else reverse("appointments:detail", args=[pk]))


@require_POST
@login_required
def share_record(request, pk: int):
    appointment = _visible(request, pk)
    try:
        appointment_share_record(actor=request.user, appointment=appointment)
    except AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(doctor)s can now see your earlier record.") % {"doctor": appointment.doctor.display_name},
        )
    return redirect("appointments:detail", pk=pk)


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    nxt = request.POST.get("next", "")
    return bool(nxt) and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})


@require_POST
@login_required
def mark(request, pk: int, action: str):
    appointment = _visible(request, pk)
    if action not in VISIT_ACTIONS:
        raise Http404
    try:
        moved = appointment_mark(actor=request.user, appointment=appointment, action=action)
    except AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{moved.patient.user.full_name}: {moved.get_status_display().lower()}.")
    return redirect(request.POST.get("next") if _safe_next(request) else reverse("appointments:detail", args=[pk]))


@require_POST
@login_required
def rate(request, pk: int):
    appointment = _visible(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a rating from 1 to 5.")
    else:
        try:
            appointment_rate(actor=request.user, appointment=appointment, **form.cleaned_data)
        except AppointmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Thank you for your feedback.")
    return redirect("appointments:detail", pk=pk)


# --- doctor: day, week, schedule, time off -----------------------------------------------------


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _doctor_today(profile: DoctorProfile) -> datetime.date:
    affiliation = active_affiliations_of(profile).first()
    tz = affiliation.hospital.tz if affiliation else datetime.UTC
    return timezone.now().astimezone(tz).date()


@role_required(Role.DOCTOR)
def doctor_day(request):
    profile = request.user.doctor_profile
    today = _doctor_today(profile)
    day = _date_param(request) or today
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC) - datetime.timedelta(days=1)
    appointments = [
        a
        for a in doctor_appointments_between(profile, start, start + datetime.timedelta(days=3))
        if a.start_at.astimezone(a.hospital.tz).date() == day
    ]
    now = timezone.now()
    rows = [(a, visit_actions(request.user, a, now)) for a in appointments]
    context = {
        "day": day, "rows": rows, "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1), "today": today,
    }  # fmt: skip
    return render(request, "appointments/doctor_day.html", context)


@role_required(Role.DOCTOR)
def doctor_week(request):
    profile = request.user.doctor_profile
    week_start = _monday(_date_param(request) or _doctor_today(profile))
    hospital_ids = [a.hospital_id for a in active_affiliations_of(profile)]
    context = {
        "doctor": profile, "days": week_schedule(profile, hospital_ids, week_start), "week_start": week_start,
        "previous": week_start - datetime.timedelta(days=7), "next": week_start + datetime.timedelta(days=7),
        "week_url": reverse("appointments:doctor_week"),
    }  # fmt: skip
    return render(request, "appointments/doctor_week.html", context)


@role_required(Role.DOCTOR)
def schedule(request):
    profile = request.user.doctor_profile
    affiliations = list(active_affiliations_of(profile))
    hospitals = [a.hospital for a in affiliations]
    form = ScheduleRangeForm(request.POST or None, hospitals=hospitals)
    if request.method == "POST" and form.is_valid():
        hospital = next(h for h in hospitals if str(h.pk) == form.cleaned_data["hospital"])
        try:
            schedule_range_add(
                actor=request.user, doctor=profile, hospital=hospital, weekdays=form.cleaned_data["weekdays"],
                start_time=form.cleaned_data["start_time"], end_time=form.cleaned_data["end_time"],
                mode=form.cleaned_data["mode"],
            )  # fmt: skip
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Working hours added. New slots are bookable now.")
            return redirect("appointments:schedule")
    schedules = (
        WeeklySchedule.objects.filter(doctor=profile, hospital__in=hospitals)
        .select_related("hospital")
        .prefetch_related("ranges")
        .order_by("hospital__name", "valid_from")
    )
    blocks = []
    for item in schedules:
        days = [(label, [r for r in item.ranges.all() if r.weekday == n]) for n, label in ScheduleRange.WEEKDAYS]
        blocks.append(
            {
                "schedule": item,
                "days": days,
                "validity_form": ScheduleValidityForm(
                    initial={"valid_from": item.valid_from, "valid_until": item.valid_until}, prefix=f"s{item.pk}"
                ),
            }
        )
    return render(
        request,
        "appointments/schedule.html",
        {"form": form, "blocks": blocks, "hospitals": hospitals},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(Role.DOCTOR)
def schedule_range_delete(request, pk: int):
    schedule_range = get_object_or_404(
        ScheduleRange.objects.select_related("schedule__doctor"), pk=pk, schedule__doctor__user=request.user
    )
    schedule_range_remove(actor=request.user, schedule_range=schedule_range)
    messages.success(request, "Range removed. Appointments already booked in it stay booked.")
    return redirect("appointments:schedule")


@require_POST
@role_required(Role.DOCTOR)
def schedule_validity(request, pk: int):
    item = get_object_or_404(WeeklySchedule, pk=pk, doctor__user=request.user)
    form = ScheduleValidityForm(request.POST, prefix=f"s{item.pk}")
    if form.is_valid():
        try:
            schedule_set_validity(actor=request.user, schedule=item, **form.cleaned_data)
        except AppointmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Schedule dates saved.")
    else:
        messages.error(request, "Enter valid dates.")
    return redirect("appointments:schedule")


@role_required(Role.DOCTOR)
def time_off(request):
    profile = request.user.doctor_profile
    hospitals = [a.hospital for a in active_affiliations_of(profile)]
    form = TimeOffForm(request.POST or None, hospitals=hospitals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hospital = next((h for h in hospitals if str(h.pk) == data["hospital"]), None)
        try:
            rows = time_off_add(
                actor=request.user, doctor=profile, hospital=hospital, first_day=data["first_day"],
                last_day=data["last_day"], start_time=data["start_time"], end_time=data["end_time"],
                kind=data["kind"], note=data["note"],
            )  # fmt: skip
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            conflicts = sum(time_off_conflicts(row).count() for row in rows)
            if conflicts:
                messages.warning(request, f"{conflicts} booked appointment(s) fall in this time off. Keep or cancel?")
                return redirect("appointments:time_off_detail", pk=rows[0].pk)
            messages.success(request, "Time off saved. Those slots are no longer offered.")
            return redirect("appointments:time_off")
    upcoming = (
        TimeOff.objects.filter(doctor=profile, end_at__gte=timezone.now())
        .select_related("hospital")
        .order_by("start_at")
    )
    return render(
        request, "appointments/time_off.html", {"form": form, "upcoming": upcoming}, status=400 if form.errors else 200
    )


@role_required(Role.DOCTOR)
def time_off_detail(request, pk: int):
    item = get_object_or_404(TimeOff.objects.select_related("hospital"), pk=pk, doctor__user=request.user)
    if request.method == "POST":
        ids = parse_ids(request.POST.getlist("appointment"))
        cancelled = time_off_cancel_conflicts(
            actor=request.user, time_off=item, appointment_ids=ids, reason=request.POST.get("reason", "")
        )
        messages.success(request, f"{len(cancelled)} appointment(s) cancelled; the patients have been notified.")
        return redirect("appointments:time_off_detail", pk=item.pk)
    tz = item.hospital.tz if item.hospital else datetime.UTC
    context = {
        "item": item, "conflicts": time_off_conflicts(item), "local_start": item.start_at.astimezone(tz),
        "local_end": item.end_at.astimezone(tz), "time_zone": str(tz),
    }  # fmt: skip
    return render(request, "appointments/time_off_detail.html", context)


@require_POST
@role_required(Role.DOCTOR)
def time_off_delete(request, pk: int):
    item = get_object_or_404(TimeOff, pk=pk, doctor__user=request.user)
    time_off_remove(actor=request.user, time_off=item)
    messages.success(request, "Time off removed; those slots are bookable again.")
    return redirect("appointments:time_off")


# --- hospital admin ----------------------------------------------------------------------------


@role_required(Role.HOSPITAL_ADMIN)
def hospital_week(request):
    hospital = hospital_of(request.user, HospitalMembership.Role.ADMIN)
    doctors = list(
        DoctorProfile.objects.filter(affiliations__hospital=hospital, affiliations__is_active=True)
        .select_related("user")
        .distinct()
    )
    chosen = next((d for d in doctors if str(d.pk) == request.GET.get("doctor")), doctors[0] if doctors else None)
    if request.GET.get("doctor") and (chosen is None or str(chosen.pk) != request.GET["doctor"]):
        raise Http404("No such doctor at this hospital.")
    today = timezone.now().astimezone(hospital.tz).date()
    week_start = _monday(_date_param(request) or today)
    context = {
        "hospital": hospital, "doctors": doctors, "doctor": chosen, "week_start": week_start,
        "previous": week_start - datetime.timedelta(days=7), "next": week_start + datetime.timedelta(days=7),
        "days": week_schedule(chosen, [hospital.pk], week_start) if chosen else [],
    }  # fmt: skip
    return render(request, "appointments/hospital_week.html", context)


@role_required(Role.HOSPITAL_ADMIN)
def hospital_patients(request):
    hospital = hospital_of(request.user, HospitalMembership.Role.ADMIN)
    form = BookedPatientsFilterForm(request.GET or None)
    appointments = (
        Appointment.objects.filter(hospital=hospital)
        .select_related("patient__user", "doctor__user", "hospital")
        .order_by("-start_at")
    )
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            appointments = appointments.filter(pk__in=hospital_appointments_matching(hospital, query))
        tz = hospital.tz
        if form.cleaned_data["date_from"]:
            start = datetime.datetime.combine(form.cleaned_data["date_from"], datetime.time.min, tzinfo=tz)
            appointments = appointments.filter(start_at__gte=start)
        if form.cleaned_data["date_to"]:
            end = datetime.datetime.combine(
                form.cleaned_data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            appointments = appointments.filter(start_at__lt=end)
    page = Paginator(appointments, 25).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "appointments/hospital_patients.html",
        {"hospital": hospital, "form": form, "page": page, "query_string": query_string.urlencode()},
    )


# --- front desk --------------------------------------------------------------------------------
# Every desk view starts with desk_hospital_of(): only staff/admins of an APPROVED hospital get past it (403).


@role_required(*DESK_ROLES)
def desk(request):
    hospital = desk_hospital_of(request.user)
    day = _date_param(request) or timezone.now().astimezone(hospital.tz).date()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=hospital.tz)
    appointments = (
        Appointment.objects.filter(
            hospital=hospital, start_at__gte=start, start_at__lt=start + datetime.timedelta(days=1)
        )
        .select_related("patient__user", "doctor__user", "hospital")
        .order_by("start_at")
    )
    now = timezone.now()
    rows = visit_actions_for(request.user, appointments, now)
    context = {
        "hospital": hospital, "day": day, "rows": rows, "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
    }  # fmt: skip
    return render(request, "appointments/desk.html", context)


def _desk_book_url(token: str, doctor: DoctorProfile | None = None) -> str:
    params = {"patient": token, **({"doctor": doctor.pk} if doctor else {})}
    return f"{reverse('appointments:desk_book')}?{urlencode(params)}"


def _desk_find_patient(request, hospital, *, bad_link: bool = False):
    search = PatientSearchForm(None if bad_link else (request.GET or None))
    matches = []
    if search.is_bound and search.is_valid():
        try:
            found = desk_patient_lookup(actor=request.user, hospital=hospital, query=search.cleaned_data["q"])
        except AppointmentError as error:
            search.add_error("q", str(error))
            found = []
        matches = [(p, _desk_book_url(desk_patient_token(hospital, p))) for p in found]
    context = {"hospital": hospital, "search": search, "matches": matches, "bad_link": bad_link}
    return render(request, "appointments/desk_find_patient.html", context, status=400 if bad_link else 200)


@role_required(*DESK_ROLES)
def desk_book(request):
    hospital = desk_hospital_of(request.user)
    token = request.GET.get("patient", "")
    if not token:
        return _desk_find_patient(request, hospital)
    patient = desk_patient_from_token(hospital, token)
    if patient is None:
        return _desk_find_patient(request, hospital, bad_link=True)
    doctors = list(
        DoctorProfile.objects.filter(affiliations__hospital=hospital, affiliations__is_active=True)
        .select_related("user")
        .distinct()
    )
    chosen = request.POST.get("doctor") or request.GET.get("doctor")
    doctor = next((d for d in doctors if str(d.pk) == chosen), None)
    if chosen and doctor is None:
        raise Http404("No such doctor at this hospital.")
    doctor = doctor or (doctors[0] if doctors else None)
    places = [(h, mode) for h, mode in booking_places(doctor) if h.pk == hospital.pk] if doctor else []
    form = BookingForm(request.POST or None, places=places)
    alternatives = []
    if request.method == "POST" and form.is_valid():
        _, mode = form.cleaned_data["place"]
        try:
            appointment = appointment_book(
                actor=request.user, patient=patient, doctor=doctor, hospital=hospital,
                start_at=form.cleaned_data["start_at"], mode=mode, reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except SlotTakenError as error:
            form.add_error(None, str(error))
            alternatives = error.alternatives
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Booked for {patient.user.full_name}.")
            return redirect("appointments:detail", pk=appointment.pk)
    context = _picker(request, doctor, places, default_place=request.POST.get("place")) if doctor else {}
    context.update(
        hospital=hospital, patient=patient, patient_token=token, doctors=doctors, doctor=doctor, form=form,
        alternatives=alternatives, keep_params=[("patient", token), ("doctor", doctor.pk if doctor else "")],
        action=_desk_book_url(token, doctor),
    )  # fmt: skip
    return render(request, "appointments/desk_book.html", context, status=400 if form.errors else 200)


@role_required(*DESK_ROLES)
def desk_register(request):
    hospital = desk_hospital_of(request.user)
    form = PatientRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if User.objects.filter(email__iexact=data["email"]).exists():
            form.add_error("email", "Someone is already registered with this e-mail; search for them instead.")
        else:
            user = patient_register(
                email=data["email"], password=None, full_name=data["full_name"], phone=data["phone"],
                date_of_birth=data["date_of_birth"], registered_at=hospital,
            )  # fmt: skip
            messages.success(request, f"{user.full_name} is registered as {user.patient_profile.patient_number}.")
            return redirect(_desk_book_url(desk_patient_token(hospital, user.patient_profile)))
    return render(request, "appointments/desk_register.html", {"form": form}, status=400 if form.errors else 200)
