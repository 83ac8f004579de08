import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from hospitals.models import Hospital

pytestmark = pytest.mark.django_db

DEMO_ACCOUNTS = {
    "superadmin@example.com": "/platform/",
    "hadmin@example.com": "/hospitals/manage/",
    "staff@example.com": "/hospitals/desk/",
    "doctor@example.com": "/doctors/dashboard/",
    "doctor2@example.com": "/doctors/dashboard/",
    "patient@example.com": "/patients/dashboard/",
    "patient2@example.com": "/patients/dashboard/",
}


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    first = row_counts()
    call_command("seed_demo")

    assert row_counts() == first
    assert first["accounts.User"] >= 10


def test_seed_demo_creates_what_the_readme_promises():
    call_command("seed_demo")

    approved = Hospital.objects.filter(status=Hospital.Status.APPROVED)
    assert approved.values("time_zone").distinct().count() >= 2
    assert Hospital.objects.filter(status=Hospital.Status.PENDING).exists()
    doctor = User.objects.get(email="doctor@example.com").doctor_profile
    assert doctor.affiliations.filter(is_active=True).values("hospital").distinct().count() == 2


@pytest.mark.parametrize(("email", "dashboard"), DEMO_ACCOUNTS.items())
def test_every_demo_account_reaches_its_dashboard(email, dashboard):
    call_command("seed_demo")
    client = Client()

    response = client.post("/accounts/login/", {"login": email, "password": "demo-pass-2026"}, follow=True)

    assert response.redirect_chain[-1][0] == dashboard
    assert response.status_code == 200
