"""Reads of patient records, scoped by the care relationship (DESIGN.md section 4).

`patients_visible_to(user)` is the single rule for clinical data: the patient sees their own record; a doctor
sees a patient's record only while the patient has or had a non-cancelled appointment with them; nobody else
(other doctors, other patients, hospital admins, staff, platform admins) sees clinical data at all.
Every clinical view fetches through it, so an out-of-scope record is a 404."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q, QuerySet

from accounts.models import User
from appointments.models import Appointment
from patients.models import AccessLogEntry, ClinicalDocument, MedicalBackground, PatientProfile


def _care_appointments(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(doctor__user=user).exclude(status=Appointment.Status.CANCELLED)


def patients_visible_to(user: User) -> QuerySet[PatientProfile]:
    base = PatientProfile.objects.select_related("user")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == User.Role.PATIENT and not user.is_superuser:
        return base.filter(user=user)
    if user.role == User.Role.DOCTOR and not user.is_superuser:
        return base.filter(pk__in=_care_appointments(user).values("patient_id"))
    return base.none()


def patient_profiles_visible_to(user: User) -> QuerySet[PatientProfile]:
    """Whose demographics (name, number, contact) a user may look up; no clinical data comes with it.

    The patient themself; a doctor through the care relationship; a hospital's admin and staff the patients who
    have (or had) an appointment at their hospital; a platform admin everyone."""
    from hospitals.models import HospitalMembership

    base = PatientProfile.objects.select_related("user")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.is_platform_admin:
        return base
    if user.role in (User.Role.HOSPITAL_ADMIN, User.Role.STAFF):
        hospitals = HospitalMembership.objects.filter(user=user, is_active=True).values("hospital_id")
        return base.filter(pk__in=Appointment.objects.filter(hospital_id__in=hospitals).values("patient_id"))
    return patients_visible_to(user)


def clinical_record_visible_to(user: User, patient: PatientProfile) -> bool:
    return patients_visible_to(user).filter(pk=patient.pk).exists()


def documents_visible_to(user: User) -> QuerySet[ClinicalDocument]:
    return ClinicalDocument.objects.filter(patient__in=patients_visible_to(user).values("pk")).select_related(
        "patient__user", "uploaded_by", "hospital"
    )


def patients_of_doctor(user: User, query: str = "") -> QuerySet[PatientProfile]:
    """'My patients': everyone who booked with or visited this doctor (not only-cancelled), newest first."""
    patients = patients_visible_to(user).annotate(
        last_seen=Max("appointments__start_at", filter=Q(appointments__doctor__user=user))
    )
    query = query.strip()
    if query:
        patients = patients.filter(
            Q(user__full_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__phone__icontains=query)
            | Q(patient_number__iexact=query)
        )
    return patients.order_by("-last_seen", "user__full_name")


def medical_background_of(patient: PatientProfile) -> MedicalBackground | None:
    return MedicalBackground.objects.filter(patient=patient).first()


def care_hospital_id(user: User, patient: PatientProfile) -> int | None:
    """The hospital a doctor saw this patient at most recently (for the access log)."""
    return (
        _care_appointments(user)
        .filter(patient=patient)
        .order_by("-start_at")
        .values_list("hospital_id", flat=True)
        .first()
    )


def access_log_of(patient: PatientProfile, *, include_own: bool = False) -> QuerySet[AccessLogEntry]:
    entries = AccessLogEntry.objects.filter(patient=patient).select_related("accessor", "hospital")
    if not include_own:
        entries = entries.exclude(accessor=patient.user)
    return entries


@dataclass
class TimelineEvent:
    when: datetime
    kind: str  # "visit" or "document"
    item: object


def patient_timeline(patient: PatientProfile) -> list[TimelineEvent]:
    """Visits (with diagnoses and prescriptions) and documents across every hospital and doctor, newest first.
    A fixed number of queries, whatever the length of the history."""
    from django.db.models import Prefetch

    from prescriptions.models import Prescription, VisitNote

    prescriptions = (
        Prescription.objects.exclude(status=Prescription.Status.DRAFT)
        .select_related("doctor__user", "issued_by")
        .prefetch_related("items")
        .order_by("series", "version")
    )
    visits = (
        VisitNote.objects.filter(patient=patient)
        .select_related("doctor__user", "hospital", "appointment")
        .prefetch_related(
            "diagnoses", Prefetch("prescriptions", queryset=prescriptions, to_attr="issued_prescriptions")
        )
    )
    documents = ClinicalDocument.objects.filter(patient=patient).select_related("uploaded_by", "hospital")
    events = [TimelineEvent(visit.appointment.start_at, "visit", visit) for visit in visits]
    events += [TimelineEvent(document.created_at, "document", document) for document in documents]
    events.sort(key=lambda event: event.when, reverse=True)
    return events
