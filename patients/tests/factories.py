import datetime

import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from patients.models import PatientProfile


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientProfile

    user = factory.SubFactory(
        UserFactory, role=User.Role.PATIENT, email=factory.Sequence(lambda n: f"patient{n}@example.org")
    )
    patient_number = factory.Sequence(lambda n: f"T{n:06d}")
    date_of_birth = datetime.date(1990, 1, 1)
    sex = PatientProfile.Sex.FEMALE
