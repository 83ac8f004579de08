from django.db import transaction
from django.utils import timezone

from accounts.models import User
from doctors.models import DoctorProfile, Language, Specialization


class DoctorError(Exception):
    """A business rule refused the change; the message is shown to the user."""


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
    doctor_profile_create(user=user, registration_number=registration_number, specializations=specializations)
    return user


def doctor_profile_create(
    *, user: User, registration_number: str, specializations: list[Specialization]
) -> DoctorProfile:
    """The doctor's profile for a new account (sign-up or seed). Not bookable until a hospital approves them."""
    profile = DoctorProfile.objects.create(user=user, registration_number=registration_number.strip())
    profile.specializations.set(specializations)
    return profile


def _delete_file_later(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def doctor_update_profile(
    *,
    actor: User,
    profile: DoctorProfile,
    qualifications: str,
    years_of_experience: int,
    bio: str,
    specializations: list[Specialization],
    languages: list[Language],
    photo=None,
    remove_photo: bool = False,
) -> DoctorProfile:
    """The doctor edits their own public profile. `photo` is an already re-encoded image file."""
    if actor.pk != profile.user_id:
        raise DoctorError("Only the doctor can edit this profile.")
    if not specializations:
        raise DoctorError("Choose at least one specialization so patients can find you.")
    profile.qualifications = qualifications.strip()
    profile.years_of_experience = years_of_experience
    profile.bio = bio.strip()
    update_fields = ["qualifications", "years_of_experience", "bio"]
    if photo is not None or remove_photo:
        old_name = profile.photo.name
        if photo is not None:
            profile.photo.save(photo.name, photo, save=False)
        else:
            profile.photo = ""
        profile.photo_updated_at = timezone.now()
        update_fields += ["photo", "photo_updated_at"]
        _delete_file_later(profile.photo.storage, old_name)
    profile.save(update_fields=update_fields)
    profile.specializations.set(specializations)
    profile.languages.set(languages)
    return profile
