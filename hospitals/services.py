from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from hospitals.models import Hospital, HospitalMembership


class HospitalError(Exception):
    """A business rule refused the change; the message is shown to the user."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "hospital"
    slug, n = base, 2
    while Hospital.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def hospital_register(
    *,
    name: str,
    city: str,
    address: str,
    phone: str,
    time_zone: str,
    admin_email: str,
    admin_password: str | None,
    admin_full_name: str,
    admin_phone: str = "",
) -> Hospital:
    """A new hospital and its first admin. The hospital stays pending until a super admin approves it."""
    hospital = Hospital.objects.create(
        name=name.strip(),
        slug=_unique_slug(name),
        city=city.strip(),
        address=address.strip(),
        phone=phone.strip(),
        time_zone=time_zone,
        status=Hospital.Status.PENDING,
    )
    admin = User.objects.create_user(
        email=admin_email,
        password=admin_password,
        full_name=admin_full_name,
        phone=admin_phone,
        role=User.Role.HOSPITAL_ADMIN,
    )
    HospitalMembership.objects.create(user=admin, hospital=hospital, role=HospitalMembership.Role.ADMIN)
    return hospital


_ALLOWED_STATUS_CHANGES = {
    Hospital.Status.PENDING: {Hospital.Status.APPROVED, Hospital.Status.SUSPENDED},
    Hospital.Status.APPROVED: {Hospital.Status.SUSPENDED},
    Hospital.Status.SUSPENDED: {Hospital.Status.APPROVED},
}


@transaction.atomic
def hospital_set_status(*, actor: User, hospital: Hospital, status: str) -> Hospital:
    if not actor.is_platform_admin:
        raise HospitalError("Only the platform administrator can approve or suspend hospitals.")
    hospital = Hospital.objects.select_for_update().get(pk=hospital.pk)
    if status not in _ALLOWED_STATUS_CHANGES[hospital.status]:
        raise HospitalError(f"A hospital that is {hospital.get_status_display().lower()} cannot become {status}.")
    hospital.status = status
    hospital.status_changed_at = timezone.now()
    hospital.status_changed_by = actor
    hospital.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    return hospital
