from django.shortcuts import render

from accounts.models import User
from accounts.roles import role_required
from appointments.calls import upcoming_or_callable
from appointments.models import Appointment


@role_required(User.Role.PATIENT)
def dashboard(request):
    profile = request.user.patient_profile
    upcoming = (
        Appointment.objects.filter(upcoming_or_callable(), patient=profile, status__in=Appointment.ACTIVE_STATUSES)
        .select_related("doctor__user", "hospital")
        .order_by("start_at")[:10]
    )
    return render(request, "patients/dashboard.html", {"profile": profile, "upcoming": upcoming})
