"""Hospital-admin pages: each admin sees and changes only their own hospital (two hospitals, two admins,
two doctors); the doctor list filters and keeps a constant query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory, SpecializationFactory
from hospitals.models import Affiliation, HospitalMembership
from hospitals.tests.factories import AffiliationFactory, DepartmentFactory, HospitalFactory, MembershipFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sides(doctor, other_doctor, hospital_admin, other_hospital_admin, staff):
    other_department = DepartmentFactory(hospital=other_doctor.affiliations.get().hospital, name="Dermatology")
    other_staff = MembershipFactory(hospital=other_department.hospital).user
    return {"other_department": other_department, "other_staff": other_staff}


def test_admin_pages_list_only_own_hospital(client_for, hospital_admin, doctor, other_doctor, staff, two_sides):
    client = client_for(hospital_admin)
    doctors = client.get(reverse("hospitals:doctor_list")).content.decode()
    staff_page = client.get(reverse("hospitals:staff")).content.decode()
    departments = client.get(reverse("hospitals:departments")).content.decode()

    assert "Dr Asha Rao" in doctors and "Lukas Becker" not in doctors
    assert staff.full_name in staff_page and two_sides["other_staff"].full_name not in staff_page
    assert "Cardiology" in departments and "Dermatology" not in departments


def test_other_hospitals_objects_are_404(client_for, other_hospital_admin, doctor, department, staff, two_sides):
    client = client_for(other_hospital_admin)
    affiliation = doctor.affiliations.get()
    membership = staff.memberships.get()

    assert client.get(reverse("hospitals:doctor_detail", args=[doctor.pk])).status_code == 404
    assert client.get(reverse("hospitals:doctor_remove", args=[affiliation.pk])).status_code == 404
    assert client.post(reverse("hospitals:doctor_remove", args=[affiliation.pk])).status_code == 404
    assert client.post(reverse("hospitals:department_retire", args=[department.pk])).status_code == 404
    assert client.post(reverse("hospitals:department_rename", args=[department.pk]), {"name": "X"}).status_code == 404
    assert client.post(reverse("hospitals:staff_deactivate", args=[membership.pk])).status_code == 404
    affiliation.refresh_from_db()
    department.refresh_from_db()
    staff.refresh_from_db()
    assert affiliation.is_active and department.is_active and department.name == "Cardiology" and staff.is_active


def test_adding_with_another_hospitals_department_is_refused(client_for, hospital_admin, other_doctor, two_sides):
    url = reverse("hospitals:doctor_add_confirm", args=[other_doctor.pk])
    response = client_for(hospital_admin).post(
        url, {"department": two_sides["other_department"].pk, "consultation_fee": "100"}
    )

    assert response.status_code == 302
    assert other_doctor.affiliations.filter(is_active=True).count() == 1


@pytest.mark.parametrize("role", ["patient", "doctor", "staff", "super_admin"])
@pytest.mark.parametrize(
    ("name", "args"),
    [("hospitals:doctor_list", []), ("hospitals:departments", []), ("hospitals:staff", []),
     ("hospitals:edit_profile", []), ("hospitals:doctor_add", [])],
)  # fmt: skip
def test_admin_pages_refuse_other_roles(client_for, request, role, name, args, hospital_admin):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    assert client_for(user).get(reverse(name, args=args)).status_code == 403
    anonymous = client_for(None).get(reverse(name, args=args))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(hospital_admin).get(reverse(name, args=args)).status_code == 200


def test_admin_finds_and_adds_a_doctor_both_sides_told(client_for, hospital_admin, hospital, department, other_doctor):
    client = client_for(hospital_admin)
    found = client.get(reverse("hospitals:doctor_add"), {"q": other_doctor.registration_number})
    assert "Dr Lukas Becker" in found.content.decode()
    by_email = client.get(reverse("hospitals:doctor_add"), {"q": other_doctor.user.email})
    assert "Dr Lukas Becker" in by_email.content.decode()

    response = client.post(
        reverse("hospitals:doctor_add_confirm", args=[other_doctor.pk]),
        {"department": department.pk, "consultation_fee": "650"},
        follow=True,
    )

    assert "Dr Lukas Becker now works at City Care" in response.content.decode()
    assert Affiliation.objects.get(doctor=other_doctor, hospital=hospital, is_active=True).added_by == hospital_admin
    assert Notification.objects.filter(recipient=other_doctor.user, kind="affiliation_changed").count() == 1


def test_admin_remove_is_refused_then_cancels_with_consent(client_for, hospital_admin, doctor, hospital, patient):
    start = timezone.now() + datetime.timedelta(days=1)
    appointment = AppointmentFactory(doctor=doctor, hospital=hospital, patient=patient, start_at=start)
    affiliation = doctor.affiliations.get()
    client = client_for(hospital_admin)
    url = reverse("hospitals:doctor_remove", args=[affiliation.pk])

    page = client.get(url).content.decode()
    assert patient.user.full_name in page and "Asia/Kolkata" in page

    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "still has 1 booked appointment" in refused.content.decode()
    affiliation.refresh_from_db()
    assert affiliation.is_active

    done = client.post(url, {"cancel_future_appointments": "on", "reason": "Doctor relocated"})
    assert done.status_code == 302
    appointment.refresh_from_db()
    affiliation.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and not affiliation.is_active
    assert Notification.objects.filter(recipient=patient.user, kind="appointment_cancelled").exists()


def test_doctor_list_filters(client_for, hospital_admin, hospital, department, doctor):
    neuro_dept = DepartmentFactory(hospital=hospital, name="Neurology")
    neuro = SpecializationFactory(name="Neurology", slug="neurology")
    AffiliationFactory(
        hospital=hospital, department=neuro_dept,
        doctor=DoctorFactory(user__full_name="Meera Iyer", specializations=[neuro]),
    )  # fmt: skip
    client = client_for(hospital_admin)

    def listed(**params):
        response = client.get(reverse("hospitals:doctor_list"), params)
        assert response.status_code == 200
        return [a.doctor.user.full_name for a in response.context["affiliations"]]

    assert listed() == ["Asha Rao", "Meera Iyer"]
    assert listed(department=neuro_dept.pk) == ["Meera Iyer"]
    assert listed(specialization=doctor.specializations.get().pk) == ["Asha Rao"]
    assert listed(q="meer") == ["Meera Iyer"]
    assert listed(department=department.pk, q="meera") == []
    assert listed(department="99999", page="77") == ["Asha Rao", "Meera Iyer"]


@pytest.mark.parametrize("count", [1, 50])
def test_doctor_list_query_count_is_constant(
    client_for, hospital_admin, hospital, department, django_assert_max_num_queries, count
):
    specs = [SpecializationFactory(), SpecializationFactory()]
    for _ in range(count):
        AffiliationFactory(hospital=hospital, department=department, doctor=DoctorFactory(specializations=specs))
    client = client_for(hospital_admin)
    client.get(reverse("hospitals:doctor_list"))
    # Measured: 12 for 1 and for 50 doctors, of which 6 are the layout's (session read and save, user,
    # unread-notification count) and 1 finds the admin's hospital.
    with django_assert_max_num_queries(13) as captured:
        response = client.get(reverse("hospitals:doctor_list"), {"department": department.pk, "q": "e"})
    assert len(response.context["affiliations"]) == min(count, 25)
    print(f"hospital doctor list with {count} doctors: {len(captured.captured_queries)} queries")


def test_staff_created_through_page_and_deactivated(
    client_for, hospital_admin, hospital, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(hospital_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("hospitals:staff"),
            {"full_name": "Paro Pharma", "email": "paro@example.org", "role": HospitalMembership.Role.PHARMACIST},
        )
    assert response.status_code == 302
    membership = HospitalMembership.objects.get(user__email="paro@example.org")
    assert membership.hospital == hospital and membership.role == "pharmacist"
    assert mailoutbox[0].to == ["paro@example.org"] and "/accounts/password/reset/key/" in mailoutbox[0].body

    client.post(reverse("hospitals:staff_deactivate", args=[membership.pk]))
    membership.refresh_from_db()
    assert not membership.is_active and not membership.user.is_active


def test_departments_page_create_rename_retire(client_for, hospital_admin, hospital, department):
    client = client_for(hospital_admin)
    assert client.post(reverse("hospitals:departments"), {"name": "Radiology"}).status_code == 302
    clash = client.post(reverse("hospitals:departments"), {"name": "radiology"})
    assert clash.status_code == 400 and "already has a department" in clash.content.decode()
    client.post(reverse("hospitals:department_rename", args=[department.pk]), {"name": "Heart"})
    client.post(reverse("hospitals:department_retire", args=[department.pk]))
    department.refresh_from_db()
    assert (department.name, department.is_active) == ("Heart", False)
    assert hospital.departments.filter(name="Radiology", is_active=True).exists()


def test_profile_page_saves(client_for, hospital_admin, hospital):
    data = {
        "name": "City Care Hospital", "city": "Bengaluru", "address": "1 MG Road", "phone": "080",
        "email": "", "time_zone": "Asia/Kolkata", "description": "Open 24h",
    }  # fmt: skip
    assert client_for(hospital_admin).post(reverse("hospitals:edit_profile"), data).status_code == 302
    hospital.refresh_from_db()
    assert (hospital.name, hospital.description) == ("City Care Hospital", "Open 24h")
    bad = client_for(hospital_admin).post(reverse("hospitals:edit_profile"), {**data, "time_zone": "Mars/Base"})
    assert bad.status_code == 200
    hospital.refresh_from_db()
    assert hospital.time_zone == "Asia/Kolkata"


def test_public_hospital_page_and_reserved_routes(client, hospital, doctor, hospital_admin, other_hospital):
    page = client.get(reverse("hospitals:detail", args=[hospital.slug]))
    html = page.content.decode()
    assert page.status_code == 200 and "Dr Asha Rao" in html and "Cardiology" in html
    # manage/ and desk/ stay the admin and staff pages, never a hospital.
    assert client.get("/hospitals/manage/").status_code == 302
    assert client.get("/hospitals/desk/").status_code == 302
    other_hospital.status = "suspended"
    other_hospital.save()
    assert client.get(reverse("hospitals:detail", args=[other_hospital.slug])).status_code == 404
    assert client.get("/hospitals/no-such-place/").status_code == 404


def test_hospital_page_hides_ended_doctors(client, hospital, doctor):
    Affiliation.objects.filter(doctor=doctor).update(is_active=False)
    other = HospitalFactory()
    AffiliationFactory(hospital=other, doctor=doctor)
    assert "Asha Rao" not in client.get(reverse("hospitals:detail", args=[hospital.slug])).content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_public_hospital_page_query_count_is_constant(
    client, hospital, department, django_assert_max_num_queries, count
):
    specs = [SpecializationFactory(), SpecializationFactory()]
    for _ in range(count):
        AffiliationFactory(hospital=hospital, department=department, doctor=DoctorFactory(specializations=specs))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("hospitals:detail", args=[hospital.slug]))
    assert len(response.context["affiliations"]) == count
