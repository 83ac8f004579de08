from allauth.account.views import SignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors
from accounts.forms import DoctorSignupForm, HospitalSignupForm
from accounts.models import User
from accounts.roles import role_required
from doctors.models import DoctorProfile
from hospitals.models import Hospital
from hospitals.services import HospitalError, hospital_set_status
from patients.models import PatientProfile

# Where each role lands after login.
DASHBOARD_FOR_ROLE = {
    User.Role.PATIENT: "patients:dashboard",
    User.Role.DOCTOR: "doctors:dashboard",
    User.Role.HOSPITAL_ADMIN: "hospitals:admin_dashboard",
    User.Role.STAFF: "hospitals:staff_dashboard",
    User.Role.SUPER_ADMIN: "accounts:platform_dashboard",
}


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "accounts/home.html")


def dashboard(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    role = User.Role.SUPER_ADMIN if request.user.is_superuser else request.user.role
    if role == User.Role.STAFF and request.user.memberships.filter(is_active=True, role="cashier").exists():
        return redirect("billing:desk")  # cashiers have their own desk (issue 13)
    return redirect(DASHBOARD_FOR_ROLE[role])


class _RoleSignupView(SignupView):
    """allauth's SignupView with a role's own form: same rate limit ("signup"), signals and validation."""

    def get_form_class(self):
        return self.form_class


class DoctorSignupView(_RoleSignupView):
    form_class = DoctorSignupForm
    template_name = "accounts/signup_doctor.html"


class HospitalSignupView(_RoleSignupView):
    form_class = HospitalSignupForm
    template_name = "accounts/signup_hospital.html"


doctor_signup = DoctorSignupView.as_view()
hospital_signup = HospitalSignupView.as_view()


@role_required(User.Role.SUPER_ADMIN)
def platform_dashboard(request):
    context = {"counts": selectors.platform_counts(), "pending_hospitals": selectors.pending_hospitals()}
    return render(request, "accounts/platform_dashboard.html", context)


@require_POST
@role_required(User.Role.SUPER_ADMIN)
def platform_hospital_status(request, pk: int):
    hospital = get_object_or_404(Hospital, pk=pk)
    try:
        hospital = hospital_set_status(actor=request.user, hospital=hospital, status=request.POST.get("status", ""))
    except HospitalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{hospital.name} is now {hospital.get_status_display().lower()}.")
    if request.POST.get("next") == "detail":
        return redirect("accounts:platform_hospital", pk=hospital.pk)
    return redirect("accounts:platform_dashboard")


PLATFORM_PAGE_SIZE = 25


def _platform_list(request, queryset, template: str, extra: dict | None = None, per_page=None):
    page = Paginator(queryset, PLATFORM_PAGE_SIZE).get_page(request.GET.get("page"))
    if per_page is not None:
        page.object_list = per_page(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "q": request.GET.get("q", ""), "query_string": query.urlencode(), **(extra or {})}
    return render(request, template, context)


@role_required(User.Role.SUPER_ADMIN)
def platform_hospitals(request):
    status = request.GET.get("status", "")
    hospitals = selectors.platform_hospitals(query=request.GET.get("q", "")[:100], status=status)
    extra = {"status": status, "statuses": Hospital.Status.choices}
    return _platform_list(request, hospitals, "accounts/platform_hospitals.html", extra)


@role_required(User.Role.SUPER_ADMIN)
def platform_hospital(request, pk: int):
    hospital = get_object_or_404(Hospital.objects.select_related("status_changed_by"), pk=pk)
    context = {
        "hospital": hospital,
        "departments": hospital.departments.all(),
        "affiliations": hospital.affiliations.filter(is_active=True)
        .select_related("doctor__user", "department")
        .order_by("doctor__user__full_name"),
        "admins": hospital.memberships.select_related("user").order_by("role", "user__full_name"),
    }
    return render(request, "accounts/platform_hospital.html", context)


@role_required(User.Role.SUPER_ADMIN)
def platform_doctors(request):
    doctors = selectors.platform_doctors(query=request.GET.get("q", "")[:100])
    return _platform_list(request, doctors, "accounts/platform_doctors.html")


@role_required(User.Role.SUPER_ADMIN)
def platform_doctor(request, pk: int):
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=pk)
    context = {
        "doctor": doctor,
        "affiliations": doctor.affiliations.select_related("hospital", "department").order_by("-started_at"),
    }
    return render(request, "accounts/platform_doctor.html", context)


@role_required(User.Role.SUPER_ADMIN)
def platform_patients(request):
    patients = selectors.platform_patients(query=request.GET.get("q", "")[:100])
    return _platform_list(
        request, patients, "accounts/platform_patients.html", per_page=selectors.with_appointment_counts
    )


@role_required(User.Role.SUPER_ADMIN)
def platform_patient(request, pk: int):
    patient = get_object_or_404(PatientProfile.objects.select_related("user"), pk=pk)
    appointments = patient.appointments.select_related("doctor__user", "hospital").order_by("-start_at")[:20]
    return render(request, "accounts/platform_patient.html", {"patient": patient, "appointments": appointments})


@never_cache
@require_GET
def healthz(request):
    status = {"database": "ok"}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        status["database"] = "unavailable"
        healthy = False
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
            status["redis"] = "ok"
        except redis.RedisError:
            status["redis"] = "unavailable"
            healthy = False
    status["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(status, status=200 if healthy else 503)
