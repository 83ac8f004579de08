from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from doctors.models import DoctorProfile
from hospitals.models import Affiliation, Hospital


def active_affiliations_of(doctor) -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(doctor=doctor, is_active=True).select_related("hospital", "department")


def listed_affiliations() -> QuerySet[Affiliation]:
    """Affiliations the public sees: active, at an approved hospital."""
    return Affiliation.objects.filter(is_active=True, hospital__status=Hospital.Status.APPROVED)


def _with_public_details(queryset: QuerySet[DoctorProfile]) -> QuerySet[DoctorProfile]:
    # A fixed number of queries however many doctors are on the page: one per prefetched relation.
    return queryset.select_related("user").prefetch_related(
        "specializations",
        "languages",
        Prefetch(
            "affiliations",
            queryset=listed_affiliations().select_related("hospital", "department").order_by("hospital__name"),
            to_attr="listed_affiliations",
        ),
    )


def directory_doctors(
    *,
    query: str = "",
    specialization: int | None = None,
    hospital: int | None = None,
    city: str = "",
    language: int | None = None,
) -> QuerySet[DoctorProfile]:
    """Doctors a patient may find: active accounts linked to at least one approved hospital.
    Filters take ids (or model instances)."""
    affiliations = listed_affiliations().filter(doctor=OuterRef("pk"))
    if hospital is not None:
        affiliations = affiliations.filter(hospital=hospital)
    if city:
        affiliations = affiliations.filter(hospital__city__iexact=city)
    # EXISTS on the user's primary key: one index probe per doctor, never a join with every patient's account.
    active_user = User.objects.filter(pk=OuterRef("user_id"), is_active=True)
    doctors = DoctorProfile.objects.filter(Exists(affiliations), Exists(active_user))
    if specialization is not None:
        doctors = doctors.filter(specializations=specialization)
    if language is not None:
        doctors = doctors.filter(languages=language)
    for word in query.split()[:5]:
        doctors = doctors.filter(
            Q(user__full_name__icontains=word)
            | Q(specializations__name__icontains=word)
            | Q(qualifications__icontains=word)
        )
    # Joins through the M2M tables can repeat a doctor; filter by id instead of DISTINCT so ordering stays free.
    return _with_public_details(DoctorProfile.objects.filter(pk__in=doctors.values("pk"))).order_by(
        "user__full_name", "pk"
    )


def public_doctor(pk: int) -> DoctorProfile | None:
    return directory_doctors().filter(pk=pk).first()


def public_cities() -> list[str]:
    return list(
        Hospital.objects.filter(status=Hospital.Status.APPROVED)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )


def find_registered_doctors(query: str, *, limit: int = 20) -> QuerySet[DoctorProfile]:
    """Doctors a hospital admin may add: any active doctor account matching name, e-mail or registration no."""
    query = query.strip()
    if len(query) < 2:
        return DoctorProfile.objects.none()
    return (
        DoctorProfile.objects.filter(user__is_active=True)
        .filter(
            Q(user__full_name__icontains=query)
            | Q(user__email__iexact=query)
            | Q(registration_number__iexact=query)
            | Q(registration_number__icontains=query)
        )
        .select_related("user")
        .prefetch_related("specializations")
        .order_by("user__full_name", "pk")[:limit]
    )
