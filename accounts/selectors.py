from django.db.models import Count, Q

from accounts.models import User
from appointments.models import Appointment
from doctors.models import DoctorProfile
from hms.pagination import ESTIMATE_ABOVE, estimated_row_count
from hospitals.models import Hospital
from patients.models import PatientProfile
from patients.selectors import patient_ids_matching


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
        "patients": _row_count(PatientProfile),
        "appointments": _row_count(Appointment),
        "users": _row_count(User),
    }


def _row_count(model) -> int:
    """Exact for small tables; for big ones PostgreSQL's estimate (a million-row COUNT(*) per page view is a scan)."""
    estimate = estimated_row_count(model)
    if estimate is not None and estimate > ESTIMATE_ABOVE:
        return estimate
    return model.objects.count()


def pending_hospitals():
    return Hospital.objects.filter(status=Hospital.Status.PENDING).order_by("created_at")


def platform_hospitals(*, query: str = "", status: str = ""):
    hospitals = Hospital.objects.annotate(
        doctor_count=Count("affiliations", filter=Q(affiliations__is_active=True), distinct=True)
    )
    if status in Hospital.Status.values:
        hospitals = hospitals.filter(status=status)
    for word in query.split()[:5]:
        hospitals = hospitals.filter(Q(name__icontains=word) | Q(city__icontains=word) | Q(slug__icontains=word))
    return hospitals.order_by("name", "pk")


def platform_doctors(*, query: str = ""):
    from django.db.models import Prefetch

    from hospitals.models import Affiliation

    doctors = DoctorProfile.objects.select_related("user").prefetch_related(
        "specializations",
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(is_active=True).select_related("hospital"),
            to_attr="current_affiliations",
        ),
    )
    for word in query.split()[:5]:
        doctors = doctors.filter(
            Q(user__full_name__icontains=word) | Q(user__email__icontains=word) | Q(registration_number__icontains=word)
        )
    return doctors.order_by("user__full_name", "pk")


def platform_patients(*, query: str = ""):
    """Every patient, by name. Appointment counts are added per page (with_appointment_counts), never by
    joining the whole appointment table to the whole patient table."""
    patients = PatientProfile.objects.select_related("user")
    for word in query.split()[:5]:
        patients = patients.filter(pk__in=patient_ids_matching(word))
    # (full_name, email) is unique and indexed: the first page is read off the index, not sorted from all rows.
    return patients.order_by("user__full_name", "user__email")


def with_appointment_counts(patients: list[PatientProfile]) -> list[PatientProfile]:
    """Sets .appointment_count on each patient of one page (one grouped query on the patient index)."""
    counts = dict(
        Appointment.objects.filter(patient__in=patients)
        .values_list("patient_id")
        .annotate(total=Count("id"))
        .values_list("patient_id", "total")
    )
    for patient in patients:
        patient.appointment_count = counts.get(patient.pk, 0)
    return patients
