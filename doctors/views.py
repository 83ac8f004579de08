from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_required
from appointments.models import Appointment
from appointments.selectors import doctor_appointments_between
from appointments.services import visit_actions
from doctors.selectors import active_affiliations_of


@role_required(User.Role.DOCTOR)
def dashboard(request):
    profile = request.user.doctor_profile
    upcoming = (
        Appointment.objects.filter(doctor=profile, start_at__gte=timezone.now(), status__in=Appointment.ACTIVE_STATUSES)
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
        "affiliations": active_affiliations_of(profile),
        "upcoming": upcoming,
    }
    return render(request, "doctors/dashboard.html", context)
