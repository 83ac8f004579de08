import re

import pytest
from django.core import mail

from accounts.models import User
from hospitals.models import Department, HospitalMembership
from hospitals.services import (
    HospitalError,
    department_create,
    department_rename,
    department_retire,
    hospital_register,
    hospital_update_profile,
    staff_create,
    staff_deactivate,
)
from hospitals.tests.factories import AffiliationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Manage", "desk"])
def test_reserved_slugs_are_never_given_to_hospitals(name):
    hospital = hospital_register(
        name=name, city="Pune", address="1 Road", phone="1", time_zone="Asia/Kolkata",
        admin_email=f"{name}@example.org", admin_password="x-Long-Password-1", admin_full_name="A",
    )  # fmt: skip
    assert hospital.slug not in {"manage", "desk"}
    assert hospital.slug.startswith(name.lower())


def test_department_create_rename_retire_keeps_history(hospital, hospital_admin, doctor):
    department = department_create(actor=hospital_admin, hospital=hospital, name="  Cardiac   Surgery ")
    assert department.name == "Cardiac Surgery"
    affiliation = AffiliationFactory(hospital=hospital, department=department)

    department_rename(actor=hospital_admin, department=department, name="Heart Surgery")
    department_retire(actor=hospital_admin, department=department)

    department.refresh_from_db()
    assert (department.name, department.is_active) == ("Heart Surgery", False)
    assert department.retired_at is not None
    affiliation.refresh_from_db()
    assert affiliation.department == department  # history still points at it


def test_department_name_clash_and_empty_name_are_refused(hospital, hospital_admin, department):
    with pytest.raises(HospitalError, match="already has"):
        department_create(actor=hospital_admin, hospital=hospital, name="cardiology")
    with pytest.raises(HospitalError, match="name"):
        department_create(actor=hospital_admin, hospital=hospital, name="   ")
    other = department_create(actor=hospital_admin, hospital=hospital, name="Neurology")
    with pytest.raises(HospitalError, match="already has"):
        department_rename(actor=hospital_admin, department=other, name="Cardiology")
    assert Department.objects.filter(hospital=hospital).count() == 2


def test_other_admin_cannot_touch_departments(department, other_hospital_admin, hospital):
    with pytest.raises(HospitalError):
        department_retire(actor=other_hospital_admin, department=department)
    with pytest.raises(HospitalError):
        department_create(actor=other_hospital_admin, hospital=hospital, name="X")
    department.refresh_from_db()
    assert department.is_active


def test_hospital_profile_update_validates_time_zone(hospital, hospital_admin, other_hospital_admin):
    hospital_update_profile(actor=hospital_admin, hospital=hospital, data={"phone": " 080 1 ", "description": "Hi"})
    hospital.refresh_from_db()
    assert (hospital.phone, hospital.description) == ("080 1", "Hi")
    with pytest.raises(HospitalError):
        hospital_update_profile(actor=other_hospital_admin, hospital=hospital, data={"phone": "1"})
    with pytest.raises(HospitalError, match="time zone"):
        hospital_update_profile(actor=hospital_admin, hospital=hospital, data={"time_zone": "Mars/Olympus"})


def test_staff_account_gets_working_set_password_link(
    hospital, hospital_admin, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = staff_create(
            actor=hospital_admin, hospital=hospital, email="Cashier@Example.org", full_name="Cara Cash",
            role=HospitalMembership.Role.CASHIER, base_url="http://testserver/",
        )  # fmt: skip
    user = membership.user
    assert (user.email, user.role, user.has_usable_password()) == ("cashier@example.org", User.Role.STAFF, False)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["cashier@example.org"]

    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    # allauth moves the key into the session and redirects to a key-less URL.
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "Fresh-Secret-2026", "password2": "Fresh-Secret-2026"}, follow=True)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("Fresh-Secret-2026")

    response = client.post(
        "/accounts/login/", {"login": "cashier@example.org", "password": "Fresh-Secret-2026"}, follow=True
    )
    assert response.wsgi_request.user == user
    assert response.redirect_chain[-1][0] == "/billing/desk/"  # cashiers land on their own desk (issue 13)


def test_staff_create_refusals(hospital, hospital_admin, other_hospital_admin, patient):
    with pytest.raises(HospitalError, match="already exists"):
        staff_create(
            actor=hospital_admin, hospital=hospital, email=patient.user.email, full_name="X",
            role=HospitalMembership.Role.CASHIER, base_url="http://x/",
        )  # fmt: skip
    with pytest.raises(HospitalError, match="front desk"):
        staff_create(
            actor=hospital_admin, hospital=hospital, email="n@example.org", full_name="X",
            role=HospitalMembership.Role.ADMIN, base_url="http://x/",
        )  # fmt: skip
    with pytest.raises(HospitalError):
        staff_create(
            actor=other_hospital_admin, hospital=hospital, email="m@example.org", full_name="X",
            role=HospitalMembership.Role.CASHIER, base_url="http://x/",
        )  # fmt: skip
    assert not User.objects.filter(email__in=["n@example.org", "m@example.org"]).exists()


def test_staff_deactivate_blocks_login_and_keeps_row(staff, hospital_admin, other_hospital_admin, client, password):
    membership = staff.memberships.get()
    with pytest.raises(HospitalError):
        staff_deactivate(actor=other_hospital_admin, membership=membership)
    staff_deactivate(actor=hospital_admin, membership=membership)

    membership.refresh_from_db()
    staff.refresh_from_db()
    assert (membership.is_active, staff.is_active) == (False, False)
    assert not client.login(email=staff.email, password=password)
    with pytest.raises(HospitalError, match="already"):
        staff_deactivate(actor=hospital_admin, membership=membership)
