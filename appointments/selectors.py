from django.db.models import Q, QuerySet

from accounts.models import User
from appointments.models import Appointment
from hospitals.models import HospitalMembership


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """Every appointment this user may see. Views fetch single appointments through it, so one the user
    may not see is a 404, the same as one that does not exist."""
    base = Appointment.objects.select_related("patient__user", "doctor__user", "hospital")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.is_platform_admin:
        return base
    if user.role == User.Role.PATIENT:
        return base.filter(patient__user=user)
    if user.role == User.Role.DOCTOR:
        return base.filter(doctor__user=user)
    if user.role in (User.Role.HOSPITAL_ADMIN, User.Role.STAFF):
        hospital_ids = HospitalMembership.objects.filter(user=user, is_active=True).values("hospital_id")
        return base.filter(hospital_id__in=hospital_ids)
    return base.none()


def active_appointments() -> QuerySet[Appointment]:
    return Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)


def overlapping(queryset: QuerySet[Appointment], start, end) -> QuerySet[Appointment]:
    return queryset.filter(Q(start_at__lt=end) & Q(end_at__gt=start))
