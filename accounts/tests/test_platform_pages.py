"""Super-admin lists and detail pages of hospitals, doctors and patients; approve and suspend."""

import pytest
from django.urls import reverse

from hospitals.models import Hospital
from hospitals.tests.factories import HospitalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(hospital, other_hospital, doctor, other_doctor, patient, other_patient, hospital_admin, staff):
    return locals()


def test_dashboard_cards_link_to_platform_lists(client_for, super_admin):
    html = client_for(super_admin).get(reverse("accounts:platform_dashboard")).content.decode()
    for name in ("accounts:platform_hospitals", "accounts:platform_doctors", "accounts:platform_patients"):
        assert f'href="{reverse(name)}"' in html
    assert "django-admin/hospitals" not in html


@pytest.mark.parametrize(
    ("name", "query", "present", "absent"),
    [
        ("accounts:platform_hospitals", "spree", "Spree Klinikum", "City Care"),
        ("accounts:platform_doctors", "asha", "Dr Asha Rao", "Lukas Becker"),
        ("accounts:platform_patients", "paula", "Paula Schmidt", "Pat Kumar"),
    ],
)
def test_lists_search(client_for, super_admin, everyone, name, query, present, absent):
    client = client_for(super_admin)
    full = client.get(reverse(name)).content.decode()
    assert present in full and absent in full
    found = client.get(reverse(name), {"q": query, "page": "99"}).content.decode()
    assert present in found and absent not in found


def test_hospital_status_filter(client_for, super_admin, everyone):
    HospitalFactory(name="Lakeside", status=Hospital.Status.PENDING)
    html = client_for(super_admin).get(reverse("accounts:platform_hospitals"), {"status": "pending"}).content.decode()
    assert "Lakeside" in html and "City Care" not in html


def test_detail_pages(client_for, super_admin, everyone, hospital, doctor, patient):
    client = client_for(super_admin)
    hospital_page = client.get(reverse("accounts:platform_hospital", args=[hospital.pk])).content.decode()
    assert "Dr Asha Rao" in hospital_page and "Hospital Admin" in hospital_page
    doctor_page = client.get(reverse("accounts:platform_doctor", args=[doctor.pk])).content.decode()
    assert doctor.registration_number in doctor_page and hospital.name in doctor_page
    from appointments.tests.factories import AppointmentFactory

    AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital)
    patient_page = client.get(reverse("accounts:platform_patient", args=[patient.pk])).content.decode()
    assert patient.patient_number in patient_page
    assert "Dr Asha Rao" in patient_page and "Asia/Kolkata" in patient_page
    assert client.get(reverse("accounts:platform_patient", args=[99999])).status_code == 404


def test_suspend_from_detail_page_hides_hospital_keeps_data(client_for, super_admin, hospital, doctor):
    client = client_for(super_admin)
    response = client.post(
        reverse("accounts:platform_hospital_status", args=[hospital.pk]), {"status": "suspended", "next": "detail"}
    )
    assert response["Location"] == reverse("accounts:platform_hospital", args=[hospital.pk])
    hospital.refresh_from_db()
    assert hospital.status == Hospital.Status.SUSPENDED
    assert "Asha Rao" not in client_for(None).get(reverse("doctors:directory")).content.decode()
    assert doctor.affiliations.filter(is_active=True).exists()

    client.post(reverse("accounts:platform_hospital_status", args=[hospital.pk]), {"status": "approved"})
    assert "Asha Rao" in client_for(None).get(reverse("doctors:directory")).content.decode()


@pytest.mark.parametrize("role", ["patient", "doctor", "hospital_admin", "staff"])
def test_platform_pages_are_for_super_admin_only(client_for, request, everyone, role, hospital, doctor, patient):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    for url in [
        reverse("accounts:platform_hospitals"), reverse("accounts:platform_hospital", args=[hospital.pk]),
        reverse("accounts:platform_doctors"), reverse("accounts:platform_doctor", args=[doctor.pk]),
        reverse("accounts:platform_patients"), reverse("accounts:platform_patient", args=[patient.pk]),
    ]:  # fmt: skip
        assert client_for(user).get(url).status_code == 403
        assert client_for(None).get(url).status_code == 302


@pytest.mark.parametrize("count", [1, 30])
def test_platform_doctor_list_query_count(client_for, super_admin, django_assert_max_num_queries, count):
    from doctors.tests.factories import DoctorFactory
    from hospitals.tests.factories import AffiliationFactory

    for _ in range(count):
        AffiliationFactory(doctor=DoctorFactory())
    client = client_for(super_admin)
    client.get(reverse("accounts:platform_doctors"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:platform_doctors")).status_code == 200
