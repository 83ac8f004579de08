from django.db import transaction

from accounts.models import User
from doctors.models import DoctorProfile, Specialization


@transaction.atomic
def doctor_register(
    *,
    email: str,
    password: str | None,
    full_name: str,
    phone: str,
    registration_number: str,
    specializations: list[Specialization],
) -> User:
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, phone=phone, role=User.Role.DOCTOR
    )
    profile = DoctorProfile.objects.create(user=user, registration_number=registration_number.strip())
    profile.specializations.set(specializations)
    return user
