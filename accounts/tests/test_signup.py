import re

import pytest
from django.urls import reverse

from accounts.models import User
from doctors.models import DoctorProfile
from hospitals.models import Hospital, HospitalMembership
from hospitals.services import HospitalError, hospital_set_status
from patients.models import PatientProfile

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Correct-Horse-42"


def patient_form(**overrides) -> dict:
    data = {
        "full_name": "Nina Patel", "email": "Nina.Patel@Example.com", "phone": "+91 90000 00000",
        "date_of_birth": "1990-05-01", "sex": "female", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
    }  # fmt: skip
    return data | overrides


def test_patient_signs_up_and_lands_on_patient_dashboard(client):
    response = client.post(reverse("account_signup"), patient_form(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("patients:dashboard")
    user = User.objects.get()
    assert user.email == "nina.patel@example.com"  # folded to lower case
    assert user.role == User.Role.PATIENT
    profile = PatientProfile.objects.get(user=user)
    assert re.fullmatch(r"P-[0-9A-Z]{4}-[0-9A-Z]{4}", profile.patient_number)  # random, not sequential
    assert str(profile.date_of_birth) == "1990-05-01"


@pytest.mark.parametrize("email", ["nina.patel@example.com", "NINA.PATEL@EXAMPLE.COM"])
def test_duplicate_email_in_any_case_is_a_form_error(client, email):
    client.post(reverse("account_signup"), patient_form())
    client.logout()

    response = client.post(reverse("account_signup"), patient_form(email=email))

    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert User.objects.count() == 1


def test_weak_password_is_a_form_error(client):
    response = client.post(reverse("account_signup"), patient_form(password1="123456", password2="123456"))

    assert response.status_code == 200
    assert User.objects.count() == 0
    assert "too short" in response.content.decode() or "too common" in response.content.decode()


def doctor_form(specialization, **overrides) -> dict:
    data = {
        "full_name": "Omar Khan", "email": "omar@example.com", "phone": "+49 30 1111", "registration_number": "LAEK-9",
        "specializations": [specialization.pk], "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
    }  # fmt: skip
    return data | overrides


def test_doctor_signs_up_with_licence_and_specialization(client, specialization):
    response = client.post(reverse("signup_doctor"), doctor_form(specialization), follow=True)

    assert response.redirect_chain[-1][0] == reverse("doctors:dashboard")
    profile = DoctorProfile.objects.get(user__email="omar@example.com")
    assert profile.user.role == User.Role.DOCTOR
    assert profile.registration_number == "LAEK-9"
    assert list(profile.specializations.all()) == [specialization]


def test_doctor_signup_rejects_duplicate_email_and_registration_number(client, specialization, doctor):
    response = client.post(
        reverse("signup_doctor"),
        doctor_form(specialization, email=doctor.user.email.upper(), registration_number=doctor.registration_number),
    )

    form = response.context["form"]
    assert "email" in form.errors and "registration_number" in form.errors
    assert DoctorProfile.objects.count() == 1


def hospital_form(**overrides) -> dict:
    data = {
        "hospital_name": "Lakeside Clinic", "city": "Pune", "address": "4 Lake Road", "hospital_phone": "+91 20 6000",
        "time_zone": "Asia/Kolkata", "full_name": "Lina Admin", "email": "lina@example.com", "phone": "",
        "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
    }  # fmt: skip
    return data | overrides


def test_hospital_signup_creates_pending_hospital_that_super_admin_approves(client, client_for, super_admin):
    response = client.post(reverse("signup_hospital"), hospital_form(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("hospitals:admin_dashboard")
    assert "waiting for approval" in response.content.decode()
    hospital = Hospital.objects.get(name="Lakeside Clinic")
    assert hospital.status == Hospital.Status.PENDING
    membership = HospitalMembership.objects.get(hospital=hospital)
    assert membership.user.email == "lina@example.com" and membership.role == HospitalMembership.Role.ADMIN

    admin_client = client_for(super_admin)
    dashboard = admin_client.get(reverse("accounts:platform_dashboard"))
    assert "Lakeside Clinic" in dashboard.content.decode()
    admin_client.post(reverse("accounts:platform_hospital_status", args=[hospital.pk]), {"status": "approved"})

    hospital.refresh_from_db()
    assert hospital.status == Hospital.Status.APPROVED
    assert hospital.status_changed_by == super_admin


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"hospital_name": ""}, "hospital_name"), ({"city": ""}, "city"), ({"time_zone": "Mars/Olympus"}, "time_zone")],
)
def test_hospital_signup_bad_input_creates_nothing(client, overrides, field):
    response = client.post(reverse("signup_hospital"), hospital_form(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Hospital.objects.count() == 0
    assert User.objects.count() == 0


def test_only_platform_admin_changes_hospital_status(hospital_admin, hospital):
    with pytest.raises(HospitalError):
        hospital_set_status(actor=hospital_admin, hospital=hospital, status=Hospital.Status.SUSPENDED)
    hospital.refresh_from_db()
    assert hospital.status == Hospital.Status.APPROVED


def test_unknown_status_is_refused_with_message(client_for, super_admin, hospital):
    response = client_for(super_admin).post(
        reverse("accounts:platform_hospital_status", args=[hospital.pk]), {"status": "bogus"}, follow=True
    )

    assert response.status_code == 200
    assert "cannot become" in response.content.decode()
    hospital.refresh_from_db()
    assert hospital.status == Hospital.Status.APPROVED


# --- issue 11: doctor and hospital sign-up run through allauth (one rate limit, signals, one validation) -------


def test_doctor_and_hospital_signup_share_allauths_rate_limit(client, settings, specialization):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for index in range(20):
        if index % 2:
            data = doctor_form(specialization, email=f"d{index}@example.com", registration_number=f"R-{index}")
            url = reverse("signup_doctor")
        else:
            data = hospital_form(email=f"h{index}@example.com", hospital_name=f"Clinic {index}")
            url = reverse("signup_hospital")
        assert client.post(url, data).status_code == 302
        client.logout()

    refused = client.post(reverse("signup_doctor"), doctor_form(specialization, email="late@example.com"))

    assert refused.status_code == 429
    assert not User.objects.filter(email="late@example.com").exists()


def test_doctor_signup_sends_allauths_signal(client, specialization):
    from allauth.account.signals import user_signed_up

    seen = []

    def receiver(sender, request, user, **kwargs):
        seen.append(user.email)

    user_signed_up.connect(receiver)
    try:
        client.post(reverse("signup_doctor"), doctor_form(specialization))
    finally:
        user_signed_up.disconnect(receiver)

    assert seen == ["omar@example.com"]
