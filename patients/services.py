from django.db import transaction

from accounts.models import User
from patients.models import PatientProfile


@transaction.atomic
def patient_register(*, email: str, password: str | None, full_name: str, phone: str = "", **profile) -> User:
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, phone=phone, role=User.Role.PATIENT
    )
    patient_profile_create(user=user, **profile)
    return user


def patient_profile_create(*, user: User, **profile) -> PatientProfile:
    # The number is derived from the primary key after insert, so concurrent signups never collide.
    profile_row = PatientProfile.objects.create(user=user, patient_number=f"TMP-{user.pk}", **profile)
    profile_row.patient_number = f"P{profile_row.pk:06d}"
    profile_row.save(update_fields=["patient_number"])
    return profile_row
