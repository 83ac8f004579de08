from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_required
from appointments.models import Appointment
from hospitals.models import HospitalMembership
from hospitals.selectors import hospital_of, membership_of


@role_required(User.Role.HOSPITAL_ADMIN)
def admin_dashboard(request):
    hospital = hospital_of(request.user, HospitalMembership.Role.ADMIN)
    context = {
        "hospital": hospital,
        "departments": hospital.departments.filter(is_active=True),
        "doctor_count": hospital.affiliations.filter(is_active=True).count(),
        "staff_count": hospital.memberships.filter(is_active=True).exclude(role=HospitalMembership.Role.ADMIN).count(),
    }
    return render(request, "hospitals/admin_dashboard.html", context)


@role_required(User.Role.STAFF)
def staff_dashboard(request):
    membership = membership_of(request.user)
    now = timezone.now()
    local_today = timezone.localtime(now, membership.hospital.tz).date()
    todays = (
        Appointment.objects.filter(hospital=membership.hospital, start_at__date=local_today)
        .select_related("doctor__user", "patient__user")
        .order_by("start_at")
    )
    return render(request, "hospitals/staff_dashboard.html", {"membership": membership, "todays": todays})
