"""Reads of visit notes and prescriptions, always through the care relationship (patients.selectors)."""

from django.db.models import Q, QuerySet

from accounts.models import User
from appointments.models import Appointment
from patients.selectors import patients_visible_to
from prescriptions.models import Prescription, VisitNote

# The doctor writes the note while the patient is there, and may finish it just after.
VISIT_OPEN_STATUSES = (Appointment.Status.CHECKED_IN, Appointment.Status.IN_PROGRESS, Appointment.Status.COMPLETED)


def visit_appointments_of(user: User) -> QuerySet[Appointment]:
    """Appointments whose visit this user (a doctor) conducts."""
    if not user.is_authenticated or user.role != User.Role.DOCTOR:
        return Appointment.objects.none()
    return Appointment.objects.filter(doctor__user=user).select_related("patient__user", "hospital", "doctor__user")


def consultations_waiting_for(user: User) -> QuerySet[Appointment]:
    """Checked-in and in-progress appointments: the doctor's queue on the dashboard."""
    return (
        visit_appointments_of(user)
        .filter(status__in=[Appointment.Status.CHECKED_IN, Appointment.Status.IN_PROGRESS])
        .order_by("start_at")
    )


def _own_work(user: User) -> Q:
    """What a doctor wrote themselves stays visible to them even where the patient's earlier record is not
    shared with them (a desk booking the patient has not confirmed, see patients.selectors)."""
    if user.is_authenticated and user.role == User.Role.DOCTOR:
        return Q(doctor__user=user)
    return Q(pk__in=[])


def visits_visible_to(user: User) -> QuerySet[VisitNote]:
    in_care = Q(patient__in=patients_visible_to(user).values("pk"))
    return VisitNote.objects.filter(in_care | _own_work(user)).select_related(
        "patient__user", "doctor__user", "hospital", "appointment", "updated_by"
    )


def prescriptions_visible_to(user: User) -> QuerySet[Prescription]:
    """Issued (and superseded) prescriptions of patients in the user's care; drafts only for their author."""
    return (
        Prescription.objects.filter(Q(patient__in=patients_visible_to(user).values("pk")) | _own_work(user))
        .filter(~Q(status=Prescription.Status.DRAFT) | Q(doctor__user=user))
        .select_related("patient__user", "doctor__user", "hospital", "visit__appointment", "issued_by", "supersedes")
    )


def prescription_versions(prescription: Prescription) -> QuerySet[Prescription]:
    return (
        Prescription.objects.filter(series=prescription.series)
        .exclude(status=Prescription.Status.DRAFT)
        .select_related("issued_by")
        .order_by("-version")
    )
