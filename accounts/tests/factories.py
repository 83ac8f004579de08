import functools

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User

TEST_PASSWORD = "test-pass-2026!"


@functools.cache
def test_password_hash() -> str:
    # Hash once per test process with the real (Argon2) hasher; every factory user shares it,
    # so tests stay fast and a live Daphne server can still verify the password.
    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = User.Role.PATIENT
    password = factory.LazyFunction(test_password_hash)
