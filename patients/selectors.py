"""Reads of patient records, scoped by the care relationship (DESIGN.md section 4).

`patients_visible_to(user)` is the single rule for clinical data: the patient sees their own record; a doctor
sees a patient's record only while the patient has or had a non-cancelled appointment with them that opens the
record (`Appointment.opens_record`: not a front-desk booking of a patient the hospital never saw, until the patient
shares it — appointments.services.booking_opens_record); nobody else
(other doctors, other patients, hospital admins, staff, platform admins) sees clinical data at all.
Every clinical view fetches through it, so an out-of-scope record is a 404."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from appointments.models import Appointment
from patients.models import AccessLogEntry, ClinicalDocument, MedicalBackground, PatientProfile


def _care_appointments(user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(doctor__user=user, opens_record=True).exclude(status=Appointment.Status.CANCELLED)


def patients_visible_to(user: User) -> QuerySet[PatientProfile]:
    base = PatientProfile.objects.select_related("user")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == User.Role.PATIENT and not user.is_superuser:
        return base.filter(user=user)
    if user.role == User.Role.DOCTOR and not user.is_superuser:
        return base.filter(pk__in=_care_appointments(user).values("patient_id"))
    return base.none()


def clinical_record_visible_to(user: User, patient: PatientProfile) -> bool:
    return patients_visible_to(user).filter(pk=patient.pk).exists()


def documents_visible_to(user: User) -> QuerySet[ClinicalDocument]:
    in_care = Q(patient__in=patients_visible_to(user).values("pk"))
    own = Q(uploaded_by=user) if user.is_authenticated and user.role == User.Role.DOCTOR else Q(pk__in=[])
    return ClinicalDocument.objects.filter(in_care | own).select_related("patient__user", "uploaded_by", "hospital")


def patients_of_doctor(user: User, query: str = "") -> QuerySet[PatientProfile]:
    """'My patients': everyone who booked with or visited this doctor (not only-cancelled), newest first."""
    # The latest appointment per patient, looked up for this doctor's patients only (the (patient, start_at)
    # index), instead of joining every appointment of every one of them.
    last_seen = _care_appointments(user).filter(patient=OuterRef("pk")).order_by("-start_at").values("start_at")[:1]
    patients = patients_visible_to(user).annotate(last_seen=Subquery(last_seen))
    query = query.strip()
    if query:
        patients = patients.filter(
            Q(user__full_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__phone__icontains=query)
            | Q(patient_number__iexact=query)
        )
    return patients.order_by("-last_seen", "user__full_name")


def patient_ids_matching(word: str) -> QuerySet[PatientProfile]:
    """Ids of patients whose name, e-mail or patient number contains `word`: a union of three searches that each
    use their own trigram index on PostgreSQL (an OR across the patient and user tables reads every patient).
    For lists that only people who may see every patient use (platform lists, the Django admin)."""
    by_name = PatientProfile.objects.filter(user__full_name__icontains=word).order_by().values("pk")
    by_email = PatientProfile.objects.filter(user__email__icontains=word).order_by().values("pk")
    by_number = PatientProfile.objects.filter(patient_number__icontains=word).order_by().values("pk")
    return by_name.union(by_email, by_number)


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


TIMELINE_PAGE_SIZE = 20


def patient_timeline(patient: PatientProfile, page_number=None, *, per_page: int = TIMELINE_PAGE_SIZE):
    """One page of the patient's timeline: `per_page` visits (with diagnoses and prescriptions), newest first,
    and the documents added in the stretch of time those visits cover. Returns (events, page).

    A fixed number of queries and a bounded page, however long the history (700 visits load in pages)."""
    from django.core.paginator import Paginator
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
        .order_by("-created_at", "-id")  # the (patient, -created_at) index
    )
    page = Paginator(visits, per_page).get_page(page_number)
    page_visits = list(page.object_list)
    documents = ClinicalDocument.objects.filter(patient=patient).select_related("uploaded_by", "hospital")
    # Documents go on the page whose visits cover their date: newer than the page's oldest visit (unless this is
    # the last page) and not newer than the previous page's oldest visit (unless this is the first page).
    if page_visits and page.has_next():
        documents = documents.filter(created_at__gte=page_visits[-1].created_at)
    if page_visits and page.has_previous():
        newer = visits.values_list("created_at", flat=True)[page.start_index() - 2 : page.start_index() - 1]
        documents = documents.filter(created_at__lt=newer)
    events = [TimelineEvent(visit.appointment.start_at, "visit", visit) for visit in page_visits]
    events += [TimelineEvent(document.created_at, "document", document) for document in documents]
    events.sort(key=lambda event: event.when, reverse=True)
    return events, page
