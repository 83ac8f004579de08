from django.shortcuts import render

from accounts.models import User
from accounts.roles import role_required
from appointments.calls import upcoming_or_callable
from appointments.models import Appointment
from doctors.selectors import active_affiliations_of


@role_required(User.Role.DOCTOR)
def dashboard(request):
    profile = request.user.doctor_profile
    upcoming = (
        Appointment.objects.filter(upcoming_or_callable(), doctor=profile, status__in=Appointment.ACTIVE_STATUSES)
        .select_related("patient__user", "hospital")
        .order_by("start_at")[:10]
    )
    context = {
        "profile": profile,
        "specializations": profile.specializations.all(),
        "affiliations": active_affiliations_of(profile),
        "upcoming": upcoming,
    }
    return render(request, "doctors/dashboard.html", context)
