from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_required
from appointments.models import Appointment
from doctors.selectors import active_affiliations_of
from prescriptions.selectors import consultations_waiting_for


@role_required(User.Role.DOCTOR)
def dashboard(request):
    profile = request.user.doctor_profile
    upcoming = (
        Appointment.objects.filter(doctor=profile, start_at__gte=timezone.now(), status__in=Appointment.ACTIVE_STATUSES)
        .select_related("patient__user", "hospital")
        .order_by("start_at")[:10]
    )
    context = {
        "profile": profile,
        "specializations": profile.specializations.all(),
        "affiliations": active_affiliations_of(profile),
        "upcoming": upcoming,
        "waiting": consultations_waiting_for(request.user),
    }
    return render(request, "doctors/dashboard.html", context)
