from django.db.models import QuerySet

from hospitals.models import Affiliation


def active_affiliations_of(doctor) -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(doctor=doctor, is_active=True).select_related("hospital", "department")
