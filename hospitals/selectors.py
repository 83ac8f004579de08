import datetime
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from hospitals.models import Affiliation, Department, Hospital, HospitalMembership

# --- "a local day at this hospital": the one definition every view, service and template uses ----------------


@dataclass(frozen=True)
class LocalDay:
    """One calendar day in a hospital's own zone, with its aware UTC bounds [start, end) for queries.

    A DST day is 23 or 25 hours long: both bounds are midnights in the zone, never start + 24 h."""

    date: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    tz: datetime.tzinfo


def zone_of(place: "Hospital | datetime.tzinfo | str | None") -> datetime.tzinfo:
    """The zone of a hospital (or a zone, or a zone name); UTC when there is no hospital."""
    if place is None:
        return datetime.UTC
    if isinstance(place, Hospital):
        return place.tz
    if isinstance(place, str):
        return zoneinfo.ZoneInfo(place)
    return place


def local_today(place: "Hospital | datetime.tzinfo | str | None", *, now: datetime.datetime | None = None):
    """Today's date at the hospital (not the server's, not UTC's)."""
    return (now or timezone.now()).astimezone(zone_of(place)).date()


def local_day(
    place: "Hospital | datetime.tzinfo | str | None",
    day: datetime.date | None = None,
    *,
    now: datetime.datetime | None = None,
) -> LocalDay:
    """`day` (default: today) at the hospital, with the UTC instants where it starts and ends."""
    tz = zone_of(place)
    day = day or local_today(tz, now=now)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return LocalDay(date=day, start=start.astimezone(datetime.UTC), end=end.astimezone(datetime.UTC), tz=tz)


def membership_of(user, *roles: str) -> HospitalMembership:
    """The active membership that ties a hospital admin or staff member to their hospital (404 if none)."""
    membership = (
        HospitalMembership.objects.filter(user=user, is_active=True, **({"role__in": roles} if roles else {}))
        .select_related("hospital")
        .first()
    )
    if membership is None:
        raise Http404("No hospital is linked to this account.")
    return membership


def hospital_of(user, *roles: str) -> Hospital:
    return membership_of(user, *roles).hospital


def desk_hospital_of(user) -> Hospital:
    """The APPROVED hospital whose front desk this admin or staff member works at. A pending or suspended
    hospital (or no active membership at all) is a PermissionDenied (403): its people may not search or
    register patients. Every front-desk view goes through this one rule."""
    membership = (
        HospitalMembership.objects.filter(user=user, is_active=True, hospital__status=Hospital.Status.APPROVED)
        .select_related("hospital")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise PermissionDenied("The front desk is open only to staff of an approved hospital.")
    return membership.hospital


def approved_hospitals() -> QuerySet[Hospital]:
    return Hospital.objects.filter(status=Hospital.Status.APPROVED)


def departments_of(hospital: Hospital) -> QuerySet[Department]:
    return hospital.departments.annotate(
        doctor_count=Count("affiliations", filter=Q(affiliations__is_active=True))
    ).order_by("-is_active", "name")


def open_departments_by_hospital(hospital_ids: list[int]) -> dict[int, list[Department]]:
    """The active departments of several hospitals in one query, keyed by hospital id."""
    grouped: dict[int, list[Department]] = {}
    for department in Department.objects.filter(hospital_id__in=hospital_ids, is_active=True).order_by("name"):
        grouped.setdefault(department.hospital_id, []).append(department)
    return grouped


def hospital_affiliations(
    hospital: Hospital, *, query: str = "", department: int | None = None, specialization: int | None = None
) -> QuerySet[Affiliation]:
    """The hospital's current doctors (one row per active affiliation), for its admin's list."""
    from doctors.models import DoctorProfile

    affiliations = Affiliation.objects.filter(hospital=hospital, is_active=True)
    if department is not None:
        affiliations = affiliations.filter(department_id=department)
    if specialization is not None:
        affiliations = affiliations.filter(
            doctor__in=DoctorProfile.objects.filter(specializations=specialization).values("pk")
        )
    for word in query.split()[:5]:
        affiliations = affiliations.filter(
            Q(doctor__user__full_name__icontains=word)
            | Q(doctor__user__email__icontains=word)
            | Q(doctor__registration_number__icontains=word)
        )
    return (
        affiliations.select_related("doctor__user", "department", "added_by")
        .prefetch_related("doctor__specializations")
        .order_by("doctor__user__full_name", "pk")
    )


def hospital_doctor_affiliations(hospital: Hospital, doctor_pk: int) -> QuerySet[Affiliation]:
    """Every affiliation (current and past) of one doctor at this hospital; empty means 404."""
    return (
        # doctor__pk (not doctor_id): Django turns an id too large for the database into "no rows".
        Affiliation.objects.filter(hospital=hospital, doctor__pk=doctor_pk)
        .select_related("doctor__user", "department", "added_by", "ended_by")
        .order_by("-started_at")
    )


def staff_of(hospital: Hospital) -> QuerySet[HospitalMembership]:
    return (
        hospital.memberships.exclude(role=HospitalMembership.Role.ADMIN)
        .select_related("user", "created_by")
        .order_by("-is_active", "user__full_name")
    )


def public_hospital(slug: str) -> Hospital:
    """An approved hospital with its active departments and listed doctors prefetched."""
    from doctors.models import DoctorProfile

    doctors = (
        DoctorProfile.objects.filter(user__is_active=True).select_related("user").prefetch_related("specializations")
    )
    affiliations = (
        Affiliation.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related(Prefetch("doctor", queryset=doctors))
        .order_by("doctor__user__full_name")
    )
    queryset = approved_hospitals().prefetch_related(
        Prefetch("departments", queryset=Department.objects.filter(is_active=True), to_attr="open_departments"),
        Prefetch("affiliations", queryset=affiliations, to_attr="current_affiliations"),
    )
    hospital = queryset.filter(slug=slug).first()
    if hospital is None:
        raise Http404("No such hospital.")
    return hospital
