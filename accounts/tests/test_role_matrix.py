"""Every dashboard URL requested by every role and by an anonymous visitor."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DASHBOARDS = {
    "patient": "patients:dashboard",
    "doctor": "doctors:dashboard",
    "hospital_admin": "hospitals:admin_dashboard",
    "staff": "hospitals:staff_dashboard",
    "super_admin": "accounts:platform_dashboard",
}


@pytest.fixture
def people(patient, doctor, hospital_admin, staff, super_admin):
    return {
        "patient": patient.user,
        "doctor": doctor.user,
        "hospital_admin": hospital_admin,
        "staff": staff,
        "super_admin": super_admin,
    }


@pytest.mark.parametrize("viewer", [*DASHBOARDS.keys(), "anonymous"])
@pytest.mark.parametrize("owner", DASHBOARDS.keys())
def test_dashboard_access_matrix(client_for, people, viewer, owner):
    url = reverse(DASHBOARDS[owner])
    response = client_for(people.get(viewer)).get(url)

    if viewer == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif viewer == owner:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "have access" in response.content.decode()


@pytest.mark.parametrize("role", DASHBOARDS.keys())
def test_dashboard_dispatch_sends_each_role_home(client_for, people, role):
    response = client_for(people[role]).get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"] == reverse(DASHBOARDS[role])


def test_anonymous_dashboard_goes_to_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/dashboard/"


def test_unknown_url_is_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "couldn't find" in response.content.decode()


def test_django_admin_login_goes_through_main_login(client, client_for, patient):
    response = client.get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    # A signed-in non-staff user is refused, not shown the admin login form.
    assert client_for(patient.user).get("/django-admin/login/").status_code == 403


def test_super_admin_can_use_django_admin(client_for, super_admin, hospital):
    response = client_for(super_admin).get("/django-admin/hospitals/hospital/?q=City")
    assert response.status_code == 200
    assert "City Care" in response.content.decode()
