from django.db.models import Count, Q

from accounts.models import User
from appointments.models import Appointment
from doctors.models import DoctorProfile
from hospitals.models import Hospital
from patients.models import PatientProfile


def platform_counts() -> dict[str, int]:
    hospital_counts = Hospital.objects.aggregate(
        total=Count("id"),
        approved=Count("id", filter=Q(status=Hospital.Status.APPROVED)),
        pending=Count("id", filter=Q(status=Hospital.Status.PENDING)),
        suspended=Count("id", filter=Q(status=Hospital.Status.SUSPENDED)),
    )
    return {
        "hospitals": hospital_counts["total"],
        "hospitals_approved": hospital_counts["approved"],
        "hospitals_pending": hospital_counts["pending"],
        "hospitals_suspended": hospital_counts["suspended"],
        "doctors": DoctorProfile.objects.count(),
        "patients": PatientProfile.objects.count(),
        "appointments": Appointment.objects.count(),
        "users": User.objects.count(),
    }


def pending_hospitals():
    return Hospital.objects.filter(status=Hospital.Status.PENDING).order_by("created_at")
