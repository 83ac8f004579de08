from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from appointments.models import Appointment
from doctors.forms import LeaveForm
from doctors.models import DoctorProfile
from doctors.selectors import find_registered_doctors
from hospitals import selectors, services
from hospitals.forms import (
    AddDoctorForm,
    DepartmentForm,
    DoctorListFilterForm,
    FindDoctorForm,
    HospitalProfileForm,
    StaffForm,
)
from hospitals.models import Affiliation, HospitalMembership, JoinRequest
from hospitals.selectors import hospital_of, local_day, membership_of
from hospitals.services import AffiliationError, HospitalError

ADMIN = HospitalMembership.Role.ADMIN
DOCTOR_LIST_PAGE_SIZE = 25


def _admin_hospital(request):
    return hospital_of(request.user, ADMIN)


@role_required(User.Role.HOSPITAL_ADMIN)
def admin_dashboard(request):
    hospital = _admin_hospital(request)
    context = {
        "hospital": hospital,
        "departments": hospital.departments.filter(is_active=True),
        "doctor_count": hospital.affiliations.filter(is_active=True).count(),
        "staff_count": hospital.memberships.filter(is_active=True).exclude(role=ADMIN).count(),
    }
    return render(request, "hospitals/admin_dashboard.html", context)


@role_required(User.Role.STAFF)
def staff_dashboard(request):
    membership = membership_of(request.user)
    today = local_day(membership.hospital)
    todays = (
        Appointment.objects.filter(hospital=membership.hospital, start_at__gte=today.start, start_at__lt=today.end)
        .select_related("doctor__user", "patient__user")
        .order_by("start_at")
    )
    context = {"membership": membership, "todays": todays, "today": today.date}
    return render(request, "hospitals/staff_dashboard.html", context)


# --- public ----------------------------------------------------------------------------------------


def detail(request, slug: str):
    hospital = selectors.public_hospital(slug)
    doctors = [a for a in hospital.current_affiliations if a.doctor is not None]
    return render(request, "hospitals/detail.html", {"hospital": hospital, "affiliations": doctors})


# --- hospital profile and departments ----------------------------------------------------------------


@role_required(User.Role.HOSPITAL_ADMIN)
def edit_profile(request):
    hospital = _admin_hospital(request)
    form = HospitalProfileForm(request.POST or None, instance=hospital)
    if request.method == "POST" and form.is_valid():
        try:
            services.hospital_update_profile(actor=request.user, hospital=hospital, data=form.cleaned_data)
        except HospitalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The hospital profile is saved.")
            return redirect("hospitals:admin_dashboard")
    return render(request, "hospitals/edit_profile.html", {"form": form, "hospital": hospital})


@role_required(User.Role.HOSPITAL_ADMIN)
def departments(request):
    hospital = _admin_hospital(request)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                actor=request.user, hospital=hospital, name=form.cleaned_data["name"]
            )
        except HospitalError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Department {department.name} created.")
            return redirect("hospitals:departments")
    context = {"hospital": hospital, "form": form, "departments": selectors.departments_of(hospital)}
    return render(request, "hospitals/departments.html", context, status=400 if form.errors else 200)


def _own_department(request, pk: int):
    return get_object_or_404(_admin_hospital(request).departments.select_related("hospital"), pk=pk)


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def department_rename(request, pk: int):
    department = _own_department(request, pk)
    form = DepartmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the department a name.")
        return redirect("hospitals:departments")
    old_name = department.name
    try:
        services.department_rename(actor=request.user, department=department, name=form.cleaned_data["name"])
    except HospitalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{old_name} is now called {department.name}.")
    return redirect("hospitals:departments")


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def department_retire(request, pk: int):
    department = _own_department(request, pk)
    action = services.department_reopen if request.POST.get("action") == "reopen" else services.department_retire
    try:
        action(actor=request.user, department=department)
    except HospitalError as error:
        messages.error(request, str(error))
    else:
        state = "reopened" if department.is_active else "retired; its history is kept"
        messages.success(request, f"{department.name} is {state}.")
    return redirect("hospitals:departments")


# --- the hospital's doctors ------------------------------------------------------------------------


@role_required(User.Role.HOSPITAL_ADMIN)
def doctor_list(request):
    hospital = _admin_hospital(request)
    form = DoctorListFilterForm(request.GET or None, hospital=hospital)
    filters = form.filters() if form.is_bound else {}
    paginator = Paginator(selectors.hospital_affiliations(hospital, **filters), DOCTOR_LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "hospital": hospital,
        "form": form,
        "page": page,
        "affiliations": page.object_list,
        "filtered": any(filters.values()),
        "query_string": query.urlencode(),
        "join_requests": hospital.join_requests.filter(status=JoinRequest.Status.PENDING)
        .select_related("doctor__user", "department")
        .prefetch_related("doctor__specializations"),
    }
    return render(request, "hospitals/doctor_list.html", context)


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def join_request_decide(request, pk: int):
    hospital = _admin_hospital(request)
    join_request = get_object_or_404(JoinRequest, pk=pk, hospital=hospital, status=JoinRequest.Status.PENDING)
    approve = request.POST.get("decision") == "approve"
    try:
        services.join_request_decide(actor=request.user, join_request=join_request, approve=approve)
    except services.HospitalError as error:
        messages.error(request, str(error))
    else:
        name = join_request.doctor.display_name
        messages.success(
            request,
            (gettext("%(name)s now works here.") if approve else gettext("You declined %(name)s's request."))
            % {"name": name},
        )
    return redirect("hospitals:doctor_list")


@role_required(User.Role.HOSPITAL_ADMIN)
def doctor_add(request):
    hospital = _admin_hospital(request)
    find_form = FindDoctorForm(request.GET or None)
    results = []
    if find_form.is_bound and find_form.is_valid():
        active_ids = set(hospital.affiliations.filter(is_active=True).values_list("doctor_id", flat=True))
        results = list(find_registered_doctors(find_form.cleaned_data["q"]))
        for doctor in results:
            doctor.already_here = doctor.pk in active_ids
    context = {
        "hospital": hospital,
        "find_form": find_form,
        "results": results,
        "add_form": AddDoctorForm(hospital=hospital),
    }
    return render(request, "hospitals/doctor_add.html", context)


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def doctor_add_confirm(request, doctor_pk: int):
    hospital = _admin_hospital(request)
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=doctor_pk, user__is_active=True)
    form = AddDoctorForm(request.POST, hospital=hospital)
    if form.is_valid():
        try:
            services.affiliation_create(
                actor=request.user, doctor=doctor, hospital=hospital, department=form.cleaned_data["department"],
                consultation_fee=form.cleaned_data["consultation_fee"],
            )  # fmt: skip
        except AffiliationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{doctor.display_name} now works at {hospital.name}.")
            return redirect("hospitals:doctor_list")
    else:
        messages.error(request, "Choose a department and enter the consultation fee.")
    return redirect(f"{reverse('hospitals:doctor_add')}?{urlencode({'q': doctor.registration_number})}")


@role_required(User.Role.HOSPITAL_ADMIN)
def doctor_detail(request, doctor_pk: int):
    hospital = _admin_hospital(request)
    history = list(selectors.hospital_doctor_affiliations(hospital, doctor_pk))
    if not history:
        raise Http404("This doctor does not work at your hospital.")
    doctor = history[0].doctor
    current = next((a for a in history if a.is_active), None)
    context = {
        "hospital": hospital,
        "doctor": doctor,
        "current": current,
        "history": history,
        "specializations": doctor.specializations.all(),
        "languages": doctor.languages.all(),
        "upcoming": services.future_appointments_of(current)[:20] if current else [],
    }
    return render(request, "hospitals/doctor_detail.html", context)


@role_required(User.Role.HOSPITAL_ADMIN)
def doctor_remove(request, pk: int):
    hospital = _admin_hospital(request)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("doctor__user", "department", "hospital"),
        pk=pk, hospital=hospital, is_active=True,
    )  # fmt: skip
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.affiliation_end(
                actor=request.user, affiliation=affiliation,
                cancel_future_appointments=form.cleaned_data["cancel_future_appointments"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except AffiliationError as error:
            form.add_error(None, str(error))
            blocking = error.appointments
        else:
            messages.success(request, f"{affiliation.doctor.display_name} was removed. Their history is kept.")
            return redirect("hospitals:doctor_list")
    else:
        blocking = list(services.future_appointments_of(affiliation))
    context = {"affiliation": affiliation, "form": form, "blocking": blocking, "hospital": hospital}
    return render(request, "hospitals/doctor_remove.html", context, status=400 if form.errors else 200)


# --- staff ----------------------------------------------------------------------------------------


@role_required(User.Role.HOSPITAL_ADMIN)
def staff_list(request):
    hospital = _admin_hospital(request)
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.staff_create(
                actor=request.user, hospital=hospital, email=data["email"], full_name=data["full_name"],
                role=data["role"], phone=data["phone"], base_url=request.build_absolute_uri("/"),
            )  # fmt: skip
        except HospitalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{membership.user.full_name} was added. We e-mailed them a link to choose a password."
            )
            return redirect("hospitals:staff")
    context = {"hospital": hospital, "form": form, "staff": selectors.staff_of(hospital)}
    return render(request, "hospitals/staff.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def staff_deactivate(request, pk: int):
    hospital = _admin_hospital(request)
    membership = get_object_or_404(selectors.staff_of(hospital), pk=pk)
    try:
        services.staff_deactivate(actor=request.user, membership=membership)
    except HospitalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.full_name} can no longer sign in.")
    return redirect("hospitals:staff")
