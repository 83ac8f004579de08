import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from hospitals.models import Affiliation, Hospital
from hospitals.tests.factories import DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def test_page_shows_hospital_details(client_for, doctor, hospital):
    html = client_for(doctor.user).get(reverse("doctors:my_hospitals")).content.decode()
    assert hospital.name in html and hospital.address in html and "Asia/Kolkata" in html and "Cardiology" in html


def test_doctor_asks_to_join_and_the_hospital_admin_approves(client_for, doctor, other_hospital, other_hospital_admin):
    department = DepartmentFactory(hospital=other_hospital, name="Cardiology")
    client = client_for(doctor.user)
    page = client.get(reverse("doctors:my_hospitals")).content.decode()
    assert "Spree Klinikum (Berlin) · Cardiology" in page

    response = client.post(reverse("doctors:link_hospital"), {"department": department.pk, "consultation_fee": "95"})

    assert response.status_code == 302
    assert not Affiliation.objects.filter(doctor=doctor, hospital=other_hospital).exists()  # not yet (issue 11)
    assert "Waiting for approval" in client.get(reverse("doctors:my_hospitals")).content.decode()
    admin = client_for(other_hospital_admin)
    listing = admin.get(reverse("hospitals:doctor_list")).content.decode()
    assert "Doctors asking to join" in listing and doctor.registration_number in listing
    join_request = doctor.join_requests.get()
    admin.post(reverse("hospitals:join_request_decide", args=[join_request.pk]), {"decision": "approve"})
    assert Affiliation.objects.get(doctor=doctor, hospital=other_hospital, is_active=True).consultation_fee == 95


def test_pending_hospital_is_not_offered_and_refused(client_for, doctor):
    pending = DepartmentFactory(hospital=HospitalFactory(status=Hospital.Status.PENDING, name="Lakeside"))
    client = client_for(doctor.user)
    assert "Lakeside" not in client.get(reverse("doctors:my_hospitals")).content.decode()
    response = client.post(reverse("doctors:link_hospital"), {"department": pending.pk, "consultation_fee": "1"})
    assert response.status_code == 400
    assert not Affiliation.objects.filter(hospital=pending.hospital).exists()


def test_doctor_sets_fee_bad_fee_is_a_message(client_for, doctor):
    affiliation = doctor.affiliations.get()
    client = client_for(doctor.user)
    client.post(reverse("doctors:set_fee", args=[affiliation.pk]), {f"fee{affiliation.pk}-consultation_fee": "999"})
    affiliation.refresh_from_db()
    assert affiliation.consultation_fee == 999
    response = client.post(
        reverse("doctors:set_fee", args=[affiliation.pk]),
        {f"fee{affiliation.pk}-consultation_fee": "lots"},
        follow=True,
    )
    assert "Enter the fee as a number" in response.content.decode()


def test_doctor_cannot_touch_another_doctors_affiliation(client_for, doctor, other_doctor):
    theirs = other_doctor.affiliations.get()
    client = client_for(doctor.user)
    assert client.get(reverse("doctors:leave_hospital", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("doctors:leave_hospital", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("doctors:set_fee", args=[theirs.pk]), {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_leaving_lists_appointments_then_cancels_on_request(client_for, doctor, hospital, patient):
    appointment = AppointmentFactory(
        doctor=doctor, hospital=hospital, patient=patient, start_at=timezone.now() + datetime.timedelta(days=5)
    )
    affiliation = doctor.affiliations.get()
    url = reverse("doctors:leave_hospital", args=[affiliation.pk])
    client = client_for(doctor.user)

    assert patient.user.full_name in client.get(url).content.decode()
    refused = client.post(url)
    assert refused.status_code == 400 and "You still have 1 booked appointment" in refused.content.decode()
    affiliation.refresh_from_db()
    assert affiliation.is_active

    assert client.post(url, {"cancel_future_appointments": "on"}).status_code == 302
    appointment.refresh_from_db()
    affiliation.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and not affiliation.is_active
    page = client.get(reverse("doctors:my_hospitals")).content.decode()
    assert "Earlier" in page and hospital.name in page


def test_leaving_without_appointments(client_for, doctor):
    affiliation = doctor.affiliations.get()
    response = client_for(doctor.user).post(reverse("doctors:leave_hospital", args=[affiliation.pk]))
    assert response.status_code == 302
    affiliation.refresh_from_db()
    assert not affiliation.is_active


def test_a_doctor_waiting_for_approval_is_not_listed_or_bookable(client_for, other_hospital, specialization):
    from doctors.tests.factories import DoctorFactory

    newcomer = DoctorFactory(user__full_name="Dr Made Up", registration_number="FAKE-1")
    department = DepartmentFactory(hospital=other_hospital)
    client_for(newcomer.user).post(
        reverse("doctors:link_hospital"), {"department": department.pk, "consultation_fee": "1"}
    )

    assert "Dr Made Up" not in client_for(None).get(reverse("doctors:directory")).content.decode()
    assert (
        "Dr Made Up"
        not in client_for(None).get(reverse("hospitals:detail", args=[other_hospital.slug])).content.decode()
    )
