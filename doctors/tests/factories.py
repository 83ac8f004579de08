import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from doctors.models import DoctorProfile, Language, Specialization


class SpecializationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.Sequence(lambda n: f"specialty-{n}")


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Language {n}")


class DoctorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(
        UserFactory, role=User.Role.DOCTOR, email=factory.Sequence(lambda n: f"doctor{n}@example.org")
    )
    registration_number = factory.Sequence(lambda n: f"REG-{n:06d}")
    years_of_experience = 5

    @factory.post_generation
    def specializations(self, create, extracted, **kwargs):
        if create and extracted:
            self.specializations.set(extracted)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create and extracted:
            self.languages.set(extracted)
