import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from hospitals.models import Affiliation, Department, Hospital, HospitalMembership


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    name = factory.Sequence(lambda n: f"Test Hospital {n}")
    slug = factory.Sequence(lambda n: f"test-hospital-{n}")
    city = "Bengaluru"
    address = "1 Test Road"
    phone = "+91 80 1234 5678"
    time_zone = "Asia/Kolkata"
    status = Hospital.Status.APPROVED


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HospitalMembership

    user = factory.SubFactory(UserFactory, role=User.Role.STAFF)
    hospital = factory.SubFactory(HospitalFactory)
    role = HospitalMembership.Role.FRONT_DESK


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    doctor = factory.SubFactory("doctors.tests.factories.DoctorFactory")
    hospital = factory.SubFactory(HospitalFactory)
    department = factory.SubFactory(DepartmentFactory, hospital=factory.SelfAttribute("..hospital"))
    consultation_fee = 500
