from django.http import Http404

from hospitals.models import Hospital, HospitalMembership


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
