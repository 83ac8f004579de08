"""Video consultation pages: the call page, its ICE configuration, the call record, marking completed."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import role_required
from appointments import calls
from appointments.models import Appointment
from appointments.selectors import appointments_visible_to
from appointments.services import AppointmentError, appointment_mark, visit_has_started


def _participant_appointment(request, pk: int) -> Appointment:
    """The appointment, for its own doctor and patient only; everyone else gets a 404 as if it did not exist."""
    appointment = get_object_or_404(appointments_visible_to(request.user), pk=pk)
    if not calls.is_call_participant(request.user, appointment):
        raise Http404("No such video call.")
    return appointment


def _age(date_of_birth: datetime.date | None, today: datetime.date) -> int | None:
    if date_of_birth is None:
        return None
    return today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))


@login_required
@never_cache
@require_GET
def call_page(request, pk: int):
    appointment = _participant_appointment(request, pk)
    role = calls.call_role(request.user, appointment)
    status = calls.call_status(appointment)
    context = {
        "appt": appointment,
        "role": role,
        "status": status,
        "peer_name": appointment.patient.user.full_name if role == "doctor" else appointment.doctor.display_name,
        "start_local": calls.format_in_hospital_zone(appointment, appointment.start_at),
        "closes_local": calls.format_in_hospital_zone(appointment, status.window.closes_at),
        "call_config": {
            "wsPath": f"/ws/calls/{appointment.pk}/",
            "iceUrl": reverse("appointments:call_ice", args=[appointment.pk]),
            "role": role,
            "peerRole": "patient" if role == "doctor" else "doctor",
        },
    }
    if role == "doctor":
        patient = appointment.patient
        context.update(
            patient_age=_age(patient.date_of_birth, timezone.localdate(timezone=appointment.hospital.tz)),
            attendance=_attendance_rows(appointment),
            can_complete=appointment.status in calls.CALLABLE_STATUSES and visit_has_started(appointment),
        )
    return render(request, "appointments/call.html", context)


@login_required
@never_cache
@require_GET
def call_ice(request, pk: int):
    """ICE servers for this participant, with fresh short-lived TURN credentials when TURN is configured."""
    _participant_appointment(request, pk)
    return JsonResponse({"iceServers": calls.ice_servers_for(request.user)})


@require_POST
@role_required(User.Role.DOCTOR)
def call_complete(request, pk: int):
    """The call page's "Mark appointment completed": the same service and rules as every other visit button."""
    appointment = get_object_or_404(appointments_visible_to(request.user), pk=pk)
    try:
        appointment_mark(actor=request.user, appointment=appointment, action="complete")
    except AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The appointment is marked completed.")
    return redirect("appointments:call", pk=appointment.pk)


@role_required(User.Role.DOCTOR, User.Role.HOSPITAL_ADMIN, User.Role.SUPER_ADMIN)
@require_GET
def call_record(request, pk: int):
    """When each side joined and left the call (no chat: a hospital admin sees no clinical content)."""
    appointment = get_object_or_404(appointments_visible_to(request.user), pk=pk)
    context = {
        "appt": appointment,
        "start_local": calls.format_in_hospital_zone(appointment, appointment.start_at),
        "attendance": _attendance_rows(appointment),
    }
    if request.GET.get("fragment"):
        # The call page refreshes its record panel with this when someone joins or leaves.
        return render(request, "appointments/_call_attendance.html", context)
    return render(request, "appointments/call_record.html", context)


def _attendance_rows(appointment: Appointment) -> list[dict]:
    rows = []
    for row in calls.call_attendance(appointment):
        rows.append(
            {
                "who": row.user.full_name,
                "role": "Doctor" if row.user_id == appointment.doctor.user_id else "Patient",
                "date": row.joined_at.astimezone(appointment.hospital.tz).date(),
                "joined": calls.format_time_in_hospital_zone(appointment, row.joined_at),
                "left": calls.format_time_in_hospital_zone(appointment, row.left_at) if row.left_at else "",
                "minutes": round((row.left_at - row.joined_at).total_seconds() / 60, 1) if row.left_at else None,
            }
        )
    return rows


call_urlpatterns = [
    path("<int:pk>/call/", call_page, name="call"),
    path("<int:pk>/call/ice/", call_ice, name="call_ice"),
    path("<int:pk>/call/complete/", call_complete, name="call_complete"),
    path("<int:pk>/call/record/", call_record, name="call_record"),
]
