from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from appointments.models import Appointment
from appointments.services import appointment_cancel, appointment_transition
from doctors.models import DoctorProfile
from hospitals.models import RESERVED_SLUGS, Affiliation, Department, Hospital, HospitalMembership, JoinRequest
from notifications.models import Notification
from notifications.services import notify


class HospitalError(Exception):
    """A business rule refused the change; the message is shown to the user."""


class AffiliationError(HospitalError):
    """Linking or unlinking refused. `appointments` lists the future bookings that block leaving."""

    def __init__(self, message: str, appointments: list[Appointment] | None = None):
        super().__init__(message)
        self.appointments = appointments or []


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "hospital"
    if base in RESERVED_SLUGS:
        base = f"{base}-hospital"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Hospital.objects.filter(slug=slug).exists():
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
    admin = User.objects.create_user(
        email=admin_email,
        password=admin_password,
        full_name=admin_full_name,
        phone=admin_phone,
        role=User.Role.HOSPITAL_ADMIN,
    )
    return hospital_create_for_admin(
        admin=admin, name=name, city=city, address=address, phone=phone, time_zone=time_zone
    )


@transaction.atomic
def hospital_create_for_admin(
    *, admin: User, name: str, city: str, address: str, phone: str, time_zone: str
) -> Hospital:
    """A pending hospital whose first admin is `admin` (a new hospital-admin account from sign-up)."""
    hospital = Hospital.objects.create(
        name=name.strip(),
        slug=_unique_slug(name),
        city=city.strip(),
        address=address.strip(),
        phone=phone.strip(),
        time_zone=time_zone,
        status=Hospital.Status.PENDING,
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
    cancelled = _cancel_bookings_of_suspended(actor, hospital) if status == Hospital.Status.SUSPENDED else 0
    for admin in _admins_of(hospital):
        if status == Hospital.Status.APPROVED:
            title = f"{hospital.name} is approved"
            body = "Patients can now find your doctors and book appointments. Add departments, doctors and staff."
        else:
            title = f"{hospital.name} is suspended"
            body = (
                "Your hospital no longer appears to patients and takes no bookings. "
                f"{cancelled} booked appointment(s) still to come were cancelled and the patients told."
            )
        notify(recipient=admin, kind=Notification.Kind.ACCOUNT, title=title, body=body,
               url=reverse("hospitals:admin_dashboard"))  # fmt: skip
    return hospital


def _cancel_bookings_of_suspended(actor: User, hospital: Hospital) -> int:
    """A suspended hospital takes no visits: its booked appointments still to come are cancelled, and each
    patient and doctor is told why (so nobody travels to a closed hospital or waits in a dead call). Visits
    already checked in, in progress or over are left as they are. Approving it again does not rebook them."""
    reason = f"{hospital.name} is not taking appointments at the moment. Please book with another hospital."
    due = Appointment.objects.filter(
        hospital=hospital, status=Appointment.Status.BOOKED, start_at__gt=timezone.now()
    ).select_related("patient__user", "doctor__user", "hospital")
    count = 0
    for appointment in due:
        appointment_cancel(actor=actor, appointment=appointment, reason=reason)
        count += 1
    return count


# --- permissions ---------------------------------------------------------------------------------


def is_admin_of(user: User, hospital: Hospital) -> bool:
    return (
        user.is_authenticated
        and user.role == User.Role.HOSPITAL_ADMIN
        and HospitalMembership.objects.filter(
            user=user, hospital=hospital, role=HospitalMembership.Role.ADMIN, is_active=True
        ).exists()
    )


def _require_admin(actor: User, hospital: Hospital, error: type[HospitalError] = HospitalError) -> None:
    if not is_admin_of(actor, hospital):
        raise error("Only this hospital's administrator can do that.")


def _admins_of(hospital: Hospital) -> list[User]:
    return [
        m.user
        for m in HospitalMembership.objects.filter(
            hospital=hospital, role=HospitalMembership.Role.ADMIN, is_active=True, user__is_active=True
        ).select_related("user")
    ]


# --- hospital profile and departments ----------------------------------------------------------------

PROFILE_FIELDS = ("name", "city", "address", "phone", "email", "time_zone", "description")


@transaction.atomic
def hospital_update_profile(*, actor: User, hospital: Hospital, data: dict) -> Hospital:
    _require_admin(actor, hospital)
    for field in PROFILE_FIELDS:
        if field in data:
            value = data[field]
            setattr(hospital, field, value.strip() if isinstance(value, str) else value)
    try:
        hospital.full_clean(exclude=["slug", "status_changed_by"])
    except ValidationError as error:
        raise HospitalError(" ".join(error.messages)) from error
    hospital.save(update_fields=[f for f in PROFILE_FIELDS if f in data])
    return hospital


def _clean_department_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise HospitalError("Give the department a name.")
    return name


def _name_taken(hospital: Hospital, name: str, exclude_pk: int | None = None) -> bool:
    return hospital.departments.filter(name__iexact=name).exclude(pk=exclude_pk).exists()


@transaction.atomic
def department_create(*, actor: User, hospital: Hospital, name: str) -> Department:
    _require_admin(actor, hospital)
    name = _clean_department_name(name)
    if _name_taken(hospital, name):
        raise HospitalError(f"{hospital.name} already has a department called {name}.")
    return Department.objects.create(hospital=hospital, name=name)


@transaction.atomic
def department_rename(*, actor: User, department: Department, name: str) -> Department:
    _require_admin(actor, department.hospital)
    name = _clean_department_name(name)
    if _name_taken(department.hospital, name, exclude_pk=department.pk):
        raise HospitalError(f"{department.hospital.name} already has a department called {name}.")
    department.name = name
    department.save(update_fields=["name"])
    return department


@transaction.atomic
def department_retire(*, actor: User, department: Department) -> Department:
    """A retired department is no longer offered for new doctors; its row and history stay."""
    _require_admin(actor, department.hospital)
    if not department.is_active:
        raise HospitalError(f"{department.name} is already retired.")
    department.is_active = False
    department.retired_at = timezone.now()
    department.save(update_fields=["is_active", "retired_at"])
    return department


@transaction.atomic
def department_reopen(*, actor: User, department: Department) -> Department:
    _require_admin(actor, department.hospital)
    department.is_active = True
    department.retired_at = None
    department.save(update_fields=["is_active", "retired_at"])
    return department


# --- affiliations (doctor <-> hospital) ---------------------------------------------------------------


def _check_department(hospital: Hospital, department: Department | None) -> None:
    if department is None:
        return
    if department.hospital_id != hospital.pk:
        raise AffiliationError("That department belongs to another hospital.")
    if not department.is_active:
        raise AffiliationError(f"The {department.name} department is retired; choose another one.")


@transaction.atomic
def affiliation_create(
    *,
    actor: User,
    doctor: DoctorProfile,
    hospital: Hospital,
    department: Department | None,
    consultation_fee: Decimal = Decimal("0"),
) -> Affiliation:
    """Link a doctor to a hospital: the hospital's admin (who checked the registration number) adds a registered
    doctor, directly or by approving the doctor's joining request; the platform admin may approve too. A doctor
    never links themselves (issue 11): they ask with affiliation_request. Both sides are told."""
    if not (actor.is_platform_admin or is_admin_of(actor, hospital)):
        raise AffiliationError("Only this hospital's administrator can add doctors. Ask to join instead.")
    _check_can_join(doctor, hospital, department, consultation_fee)
    try:
        with transaction.atomic():
            affiliation = Affiliation.objects.create(
                doctor=doctor, hospital=hospital, department=department,
                consultation_fee=consultation_fee, added_by=actor,
            )  # fmt: skip
    except IntegrityError as error:
        raise AffiliationError(f"{doctor.display_name} already works at {hospital.name}.") from error

    where = f"{hospital.name}" + (f", {department.name}" if department else "")
    recipients = [doctor.user, *_admins_of(hospital)]
    for recipient in recipients:
        if recipient.pk == actor.pk:
            continue
        is_doctor = recipient.pk == doctor.user_id
        notify(
            recipient=recipient,
            kind=Notification.Kind.AFFILIATION_CHANGED,
            title=f"You were added to {hospital.name}"
            if is_doctor
            else f"{doctor.display_name} joined {hospital.name}",
            body=f"{doctor.display_name} now works at {where}.",
            url=reverse("doctors:my_hospitals") if is_doctor else reverse("hospitals:doctor_list"),
        )
    return affiliation


def _check_can_join(doctor: DoctorProfile, hospital: Hospital, department, consultation_fee: Decimal) -> None:
    if not doctor.user.is_active:
        raise AffiliationError(f"{doctor.display_name}'s account is deactivated.")
    _check_department(hospital, department)
    if consultation_fee < 0:
        raise AffiliationError("The consultation fee cannot be negative.")
    Hospital.objects.select_for_update().filter(pk=hospital.pk).first()
    if Affiliation.objects.filter(doctor=doctor, hospital=hospital, is_active=True).exists():
        raise AffiliationError(f"{doctor.display_name} already works at {hospital.name}.")


@transaction.atomic
def affiliation_request(
    *,
    actor: User,
    doctor: DoctorProfile,
    hospital: Hospital,
    department: Department | None,
    consultation_fee: Decimal = Decimal("0"),
) -> JoinRequest:
    """The doctor asks to work at an approved hospital. They are neither bookable nor listed there until the
    hospital's admin approves (join_request_decide); the admins are told and see the registration number."""
    if actor.pk != doctor.user_id:
        raise AffiliationError("Only the doctor can ask to join a hospital.")
    if not hospital.is_approved:
        raise AffiliationError(f"{hospital.name} is not open for new doctors.")
    _check_can_join(doctor, hospital, department, consultation_fee)
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(
                doctor=doctor, hospital=hospital, department=department, consultation_fee=consultation_fee
            )
    except IntegrityError as error:
        raise AffiliationError(f"You have already asked to join {hospital.name}.") from error
    for admin in _admins_of(hospital):
        notify(
            recipient=admin, kind=Notification.Kind.AFFILIATION_CHANGED,
            title=f"{doctor.display_name} asks to join {hospital.name}",
            body=f"Check registration number {doctor.registration_number} before you approve.",
            url=reverse("hospitals:doctor_list"),
        )  # fmt: skip
    return request


@transaction.atomic
def join_request_decide(*, actor: User, join_request: JoinRequest, approve: bool) -> JoinRequest:
    """The hospital's admin (or the platform admin) approves or declines a doctor's joining request."""
    locked = JoinRequest.objects.select_for_update().select_related("doctor__user", "hospital").get(pk=join_request.pk)
    if not (actor.is_platform_admin or is_admin_of(actor, locked.hospital)):
        raise AffiliationError("Only this hospital's administrator can decide on joining requests.")
    if locked.status != JoinRequest.Status.PENDING:
        raise AffiliationError("This request was already decided.")
    if approve:
        department = locked.department if locked.department and locked.department.is_active else None
        affiliation_create(actor=actor, doctor=locked.doctor, hospital=locked.hospital, department=department,
                           consultation_fee=locked.consultation_fee)  # fmt: skip
    else:
        notify(
            recipient=locked.doctor.user, kind=Notification.Kind.AFFILIATION_CHANGED,
            title=f"{locked.hospital.name} declined your request to join", body="", url=reverse("doctors:my_hospitals"),
        )  # fmt: skip
    locked.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


def future_appointments_of(affiliation: Affiliation):
    """Booked appointments still to come for this doctor at this hospital: they block leaving."""
    return (
        Appointment.objects.filter(
            doctor_id=affiliation.doctor_id,
            hospital_id=affiliation.hospital_id,
            start_at__gte=timezone.now(),
            status__in=[s for s in Appointment.ACTIVE_STATUSES if s != Appointment.Status.COMPLETED],
        )
        .select_related("patient__user")
        .order_by("start_at")
    )


@transaction.atomic
def affiliation_end(
    *, actor: User, affiliation: Affiliation, cancel_future_appointments: bool = False, reason: str = ""
) -> Affiliation:
    """End a doctor's work at a hospital (the doctor leaves, or the hospital admin removes them).

    Refused while future appointments are booked there, unless the caller asks to cancel them: then each is
    cancelled through the appointment state machine and its patient is told. The row stays as history."""
    affiliation = (
        Affiliation.objects.select_for_update().select_related("doctor__user", "hospital").get(pk=affiliation.pk)
    )
    doctor, hospital = affiliation.doctor, affiliation.hospital
    acting_as_doctor = actor.pk == doctor.user_id
    if not acting_as_doctor:
        _require_admin(actor, hospital, AffiliationError)
    if not affiliation.is_active:
        raise AffiliationError(f"{doctor.display_name} no longer works at {hospital.name}.")

    upcoming = list(future_appointments_of(affiliation).select_for_update(of=("self",)))
    if upcoming and not cancel_future_appointments:
        count = len(upcoming)
        who = "You still have" if acting_as_doctor else f"{doctor.display_name} still has"
        raise AffiliationError(
            f"{who} {count} booked appointment{'s' if count != 1 else ''} "
            f"at {hospital.name}. Cancel {'them' if count != 1 else 'it'} first, or choose to cancel and "
            "notify the patients.",
            appointments=upcoming,
        )
    note = reason.strip() or (
        f"{doctor.display_name} no longer works at {hospital.name}."
        if acting_as_doctor
        else f"{hospital.name} removed {doctor.display_name} from its doctors."
    )
    for appointment in upcoming:
        appointment_transition(
            actor=actor, appointment=appointment, to_status=Appointment.Status.CANCELLED, note=note[:300]
        )
        local = timezone.localtime(appointment.start_at, hospital.tz)
        notify(
            recipient=appointment.patient.user,
            kind=Notification.Kind.APPOINTMENT_CANCELLED,
            title=f"Your appointment with {doctor.display_name} was cancelled",
            body=f"{local:%a %d %b %Y, %H:%M} ({hospital.time_zone}) at {hospital.name}: {note}",
            url=reverse("doctors:directory"),
        )

    affiliation.is_active = False
    affiliation.ended_at = timezone.now()
    affiliation.ended_by = actor
    affiliation.save(update_fields=["is_active", "ended_at", "ended_by"])

    for recipient in [doctor.user, *_admins_of(hospital)]:
        if recipient.pk == actor.pk:
            continue
        is_doctor = recipient.pk == doctor.user_id
        notify(
            recipient=recipient,
            kind=Notification.Kind.AFFILIATION_CHANGED,
            title=f"You were removed from {hospital.name}"
            if is_doctor
            else f"{doctor.display_name} left {hospital.name}",
            body=note,
            url=reverse("doctors:my_hospitals") if is_doctor else reverse("hospitals:doctor_list"),
        )
    return affiliation


@transaction.atomic
def affiliation_set_fee(*, actor: User, affiliation: Affiliation, consultation_fee: Decimal) -> Affiliation:
    if actor.pk != affiliation.doctor.user_id and not is_admin_of(actor, affiliation.hospital):
        raise AffiliationError("Only the doctor or the hospital's administrator can change this fee.")
    if not affiliation.is_active:
        raise AffiliationError("This affiliation has ended.")
    if consultation_fee < 0:
        raise AffiliationError("The consultation fee cannot be negative.")
    affiliation.consultation_fee = consultation_fee
    affiliation.save(update_fields=["consultation_fee"])
    return affiliation


# --- staff ----------------------------------------------------------------------------------------

STAFF_ROLES = (HospitalMembership.Role.FRONT_DESK, HospitalMembership.Role.CASHIER, HospitalMembership.Role.PHARMACIST)


def set_password_url(user: User) -> str:
    """A working link into allauth's "set a new password" page (the password-reset-from-key flow)."""
    from allauth.account import app_settings as allauth_settings
    from allauth.account.utils import user_pk_to_url_str

    key = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def _send_welcome(user_id: int, hospital_id: int, base_url: str) -> None:
    user = User.objects.get(pk=user_id)
    hospital = Hospital.objects.get(pk=hospital_id)
    context = {"user": user, "hospital": hospital, "url": base_url.rstrip("/") + set_password_url(user)}
    send_mail(
        subject=f"Your HMS account at {hospital.name}",
        message=render_to_string("hospitals/email/staff_welcome.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def staff_create(
    *, actor: User, hospital: Hospital, email: str, full_name: str, role: str, phone: str = "", base_url: str
) -> HospitalMembership:
    """A staff account with no password yet; the person chooses one through the e-mailed link."""
    _require_admin(actor, hospital)
    if role not in STAFF_ROLES:
        raise HospitalError("Choose front desk, cashier or pharmacist.")
    email = User.objects.normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise HospitalError("An account with this e-mail address already exists.")
    user = User.objects.create_user(
        email=email, password=None, full_name=full_name.strip(), phone=phone.strip(), role=User.Role.STAFF
    )
    membership = HospitalMembership.objects.create(user=user, hospital=hospital, role=role, created_by=actor)
    transaction.on_commit(lambda: _send_welcome(user.pk, hospital.pk, base_url))
    return membership


@transaction.atomic
def staff_deactivate(*, actor: User, membership: HospitalMembership) -> HospitalMembership:
    """The person can no longer log in; their membership row stays for the record."""
    _require_admin(actor, membership.hospital)
    if membership.role == HospitalMembership.Role.ADMIN:
        raise HospitalError("Hospital administrators cannot be deactivated here.")
    if not membership.is_active:
        raise HospitalError(f"{membership.user.full_name} is already deactivated.")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    membership.user.is_active = False
    membership.user.save(update_fields=["is_active"])
    return membership
