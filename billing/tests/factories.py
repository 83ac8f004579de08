import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from billing.models import PriceListItem
from hospitals.models import HospitalMembership
from hospitals.tests.factories import MembershipFactory


class PriceListItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceListItem

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"Procedure {n}")
    unit_price = Decimal("300.00")
    tax_rate = Decimal("18.00")


def cashier_of(hospital, email: str = "cashier@example.org") -> User:
    return MembershipFactory(
        hospital=hospital, role=HospitalMembership.Role.CASHIER,
        user=UserFactory(email=email, full_name="Cara Cashier", role=User.Role.STAFF),
    ).user  # fmt: skip


def completed_visit(*, doctor, hospital, patient, days_ago: int = 1, mode=Appointment.Mode.IN_PERSON):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=days_ago)
    return AppointmentFactory(
        doctor=doctor, hospital=hospital, patient=patient, start_at=start, mode=mode,
        status=Appointment.Status.CHECKED_IN,
    )  # fmt: skip
