from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from appointments.calls import upcoming_or_callable
from appointments.forms import place_value
from appointments.models import Appointment
from appointments.selectors import (
    available_slots,
    average_rating,
    doctor_appointments_between,
    next_free_slot,
    next_free_slots,
)
from appointments.services import visit_actions
from doctors import selectors
from doctors.forms import DirectoryFilterForm, DoctorProfileForm, FeeForm, LeaveForm, LinkHospitalForm
from doctors.models import DoctorProfile
from doctors.services import DoctorError, doctor_update_profile
from hospitals.models import Affiliation, JoinRequest
from hospitals.selectors import open_departments_by_hospital
from hospitals.services import (
    AffiliationError,
    affiliation_end,
    affiliation_request,
    affiliation_set_fee,
    future_appointments_of,
)
from prescriptions.selectors import consultations_waiting_for

DIRECTORY_PAGE_SIZE = 12


@role_required(User.Role.DOCTOR)
def dashboard(request):
    profile = request.user.doctor_profile
    upcoming = (
        Appointment.objects.filter(upcoming_or_callable(), doctor=profile, status__in=Appointment.ACTIVE_STATUSES)
        .select_related("patient__user", "hospital")
        .order_by("start_at")[:10]
    )
    now = timezone.now()
    today_rows = [
        (appointment, visit_actions(request.user, appointment, now))
        for appointment in doctor_appointments_between(profile, now - timedelta(hours=14), now + timedelta(hours=14))
        if appointment.start_at.astimezone(appointment.hospital.tz).date()
        == now.astimezone(appointment.hospital.tz).date()
    ]
    context = {
        "today_rows": today_rows,
        "profile": profile,
        "specializations": profile.specializations.all(),
        "affiliations": selectors.active_affiliations_of(profile),
        "upcoming": upcoming,
        "waiting": consultations_waiting_for(request.user),
    }
    return render(request, "doctors/dashboard.html", context)


# --- public ----------------------------------------------------------------------------------------


def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    paginator = Paginator(selectors.directory_doctors(**filters), DIRECTORY_PAGE_SIZE)
    # get_page() turns a page number that is too large or not a number into the nearest real page.
    page = paginator.get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    doctors = list(page.object_list)
    next_slots = next_free_slots(doctors)  # appointments app: three queries for the whole page
    for doctor in doctors:
        doctor.next_free_slot = next_slots.get(doctor.pk)
    context = {
        "form": form,
        "page": page,
        "doctors": doctors,
        "filtered": any(filters.values()),
        "query_string": query_without_page.urlencode(),
    }
    return render(request, "doctors/directory.html", context)


SLOTS_SHOWN = 8


def _bookable_slots(doctor) -> tuple[list[dict], dict | None]:
    """The doctor's next free slots (two weeks, a handful) and the very next one, each with its booking link."""
    today = timezone.now().date()
    slots = available_slots(doctor=doctor, start_date=today, end_date=today + timedelta(days=13))
    if not slots:
        later = next_free_slot(doctor)
        slots = [later] if later else []
    hospitals = {a.hospital_id: a.hospital for a in doctor.listed_affiliations}
    book_url = reverse("appointments:book", args=[doctor.pk])
    rows = []
    for slot in slots[:SLOTS_SHOWN]:
        hospital = hospitals.get(slot.hospital_id)
        if hospital is None:
            continue
        query = urlencode({"place": place_value(slot.hospital_id, slot.mode), "date": slot.local_start.date()})
        rows.append({"slot": slot, "hospital": hospital, "url": f"{book_url}?{query}"})
    return rows, (rows[0] if rows else None)


def detail(request, pk: int):
    doctor = selectors.public_doctor(pk)
    if doctor is None:
        raise Http404("No such doctor.")
    bookable_slots, next_slot = _bookable_slots(doctor)
    context = {
        "doctor": doctor,
        "bookable_slots": bookable_slots,
        "next_slot": next_slot,
        "rating": average_rating(doctor),
    }
    return render(request, "doctors/detail.html", context)


def photo(request, pk: int):
    """Public profile pictures, served from private storage (there is no media URL route)."""
    profile = get_object_or_404(DoctorProfile.objects.only("photo"), pk=pk)
    if not profile.photo:
        raise Http404("No photo.")
    try:
        handle = profile.photo.open("rb")
    except FileNotFoundError as error:
        raise Http404("No photo.") from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the doctor's own pages ------------------------------------------------------------------------


@role_required(User.Role.DOCTOR)
def my_profile(request):
    profile = get_object_or_404(DoctorProfile.objects.select_related("user"), user=request.user)
    if request.method == "POST":
        form = DoctorProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                doctor_update_profile(
                    actor=request.user, profile=profile, qualifications=data["qualifications"],
                    years_of_experience=data["years_of_experience"], bio=data["bio"],
                    specializations=list(data["specializations"]), languages=list(data["languages"]),
                    photo=data["photo"], remove_photo=data["remove_photo"],
                )  # fmt: skip
            except DoctorError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("doctors:my_profile")
    else:
        form = DoctorProfileForm.for_profile(profile)
    return render(request, "doctors/my_profile.html", {"form": form, "profile": profile})


def _my_hospitals_context(profile, link_form=None) -> dict:
    affiliations = list(selectors.active_affiliations_of(profile).order_by("hospital__name"))
    departments = open_departments_by_hospital([a.hospital_id for a in affiliations])
    for affiliation in affiliations:
        affiliation.open_departments = departments.get(affiliation.hospital_id, [])
        affiliation.fee_form = FeeForm(
            initial={"consultation_fee": affiliation.consultation_fee}, prefix=f"fee{affiliation.pk}"
        )
    past = (
        Affiliation.objects.filter(doctor=profile, is_active=False)
        .select_related("hospital", "department")
        .order_by("-ended_at")
    )
    return {
        "profile": profile,
        "affiliations": affiliations,
        "past_affiliations": past,
        "join_requests": profile.join_requests.filter(status=JoinRequest.Status.PENDING).select_related("hospital"),
        "link_form": link_form or LinkHospitalForm(exclude_hospital_ids=[a.hospital_id for a in affiliations]),
    }


@role_required(User.Role.DOCTOR)
def my_hospitals(request):
    profile = get_object_or_404(DoctorProfile, user=request.user)
    return render(request, "doctors/my_hospitals.html", _my_hospitals_context(profile))


@require_POST
@role_required(User.Role.DOCTOR)
def link_hospital(request):
    profile = get_object_or_404(DoctorProfile, user=request.user)
    active_ids = list(profile.affiliations.filter(is_active=True).values_list("hospital_id", flat=True))
    form = LinkHospitalForm(request.POST, exclude_hospital_ids=active_ids)
    if form.is_valid():
        department = form.cleaned_data["department"]
        try:
            affiliation_request(
                actor=request.user, doctor=profile, hospital=department.hospital, department=department,
                consultation_fee=form.cleaned_data["consultation_fee"],
            )  # fmt: skip
        except AffiliationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext("You asked to join %(hospital)s. Its administrator checks your registration number first.")
                % {"hospital": department.hospital.name},
            )
            return redirect("doctors:my_hospitals")
    return render(request, "doctors/my_hospitals.html", _my_hospitals_context(profile, link_form=form), status=400)


def _own_affiliation(request, pk: int) -> Affiliation:
    return get_object_or_404(
        Affiliation.objects.select_related("hospital", "department", "doctor__user"),
        pk=pk, doctor__user=request.user, is_active=True,
    )  # fmt: skip


@require_POST
@role_required(User.Role.DOCTOR)
def set_fee(request, pk: int):
    affiliation = _own_affiliation(request, pk)
    form = FeeForm(request.POST, prefix=f"fee{affiliation.pk}")
    if form.is_valid():
        try:
            affiliation_set_fee(
                actor=request.user, affiliation=affiliation, consultation_fee=form.cleaned_data["consultation_fee"]
            )
        except AffiliationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Your fee at {affiliation.hospital.name} is saved.")
    else:
        messages.error(request, "Enter the fee as a number, for example 500 or 45.50.")
    return redirect("doctors:my_hospitals")


@role_required(User.Role.DOCTOR)
def leave_hospital(request, pk: int):
    affiliation = _own_affiliation(request, pk)
    form = LeaveForm(request.POST if request.method == "POST" else None)
    blocking = []
    if request.method == "POST" and form.is_valid():
        try:
            affiliation_end(
                actor=request.user, affiliation=affiliation,
                cancel_future_appointments=form.cleaned_data["cancel_future_appointments"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except AffiliationError as error:
            form.add_error(None, str(error))
            blocking = error.appointments
        else:
            messages.success(request, f"You no longer work at {affiliation.hospital.name}. Your history there is kept.")
            return redirect("doctors:my_hospitals")
    else:
        blocking = list(future_appointments_of(affiliation))
    context = {"affiliation": affiliation, "form": form, "blocking": blocking, "hospital": affiliation.hospital}
    return render(request, "doctors/leave_hospital.html", context, status=400 if form.errors else 200)
