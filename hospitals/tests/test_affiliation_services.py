"""Linking and unlinking doctors: who may, what is refused, who is told, and that history is kept."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from hospitals.models import Affiliation, Hospital, JoinRequest
from hospitals.services import (
    AffiliationError,
    affiliation_create,
    affiliation_end,
    affiliation_request,
    affiliation_set_fee,
    join_request_decide,
)
from hospitals.tests.factories import DepartmentFactory, HospitalFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return DoctorFactory(user__full_name="Nia Newcomer")


def test_doctor_asks_to_join_and_is_bookable_only_after_the_admin_approves(newcomer, hospital, department,
                                                                           hospital_admin):  # fmt: skip
    join_request = affiliation_request(
        actor=newcomer.user, doctor=newcomer, hospital=hospital, department=department, consultation_fee=Decimal(450)
    )

    assert not Affiliation.objects.filter(doctor=newcomer).exists()  # issue 11: not listed, not bookable yet
    told = Notification.objects.get(recipient=hospital_admin)
    assert told.kind == Notification.Kind.AFFILIATION_CHANGED
    assert "Nia Newcomer" in told.title and newcomer.registration_number in told.body
    assert not Notification.objects.filter(recipient=newcomer.user).exists()

    join_request_decide(actor=hospital_admin, join_request=join_request, approve=True)

    affiliation = Affiliation.objects.get(doctor=newcomer, hospital=hospital)
    assert affiliation.is_active and affiliation.added_by == hospital_admin
    assert affiliation.consultation_fee == Decimal(450)
    assert JoinRequest.objects.get().status == JoinRequest.Status.APPROVED


def test_a_doctor_cannot_add_themselves_directly(newcomer, hospital, department):
    with pytest.raises(AffiliationError):
        affiliation_create(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=department)
    assert not Affiliation.objects.exists()


def test_only_this_hospitals_admin_or_the_platform_decides(newcomer, hospital, department, other_hospital_admin,
                                                          super_admin):  # fmt: skip
    join_request = affiliation_request(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=department)
    for actor in (other_hospital_admin, newcomer.user):
        with pytest.raises(AffiliationError):
            join_request_decide(actor=actor, join_request=join_request, approve=True)
    assert not Affiliation.objects.filter(doctor=newcomer).exists()

    join_request_decide(actor=super_admin, join_request=join_request, approve=False)
    assert JoinRequest.objects.get().status == JoinRequest.Status.DECLINED
    assert not Affiliation.objects.filter(doctor=newcomer).exists()


def test_asking_twice_is_refused(newcomer, hospital, department):
    affiliation_request(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=department)
    with pytest.raises(AffiliationError, match="already asked"):
        affiliation_request(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=department)


def test_admin_adds_doctor_and_doctor_is_told(newcomer, hospital, department, hospital_admin):
    affiliation_create(actor=hospital_admin, doctor=newcomer, hospital=hospital, department=department)

    told = Notification.objects.get(recipient=newcomer.user)
    assert told.title == f"You were added to {hospital.name}"
    assert not Notification.objects.filter(recipient=hospital_admin).exists()


def test_doctor_may_work_at_several_hospitals(doctor, other_hospital, other_hospital_admin):
    department = DepartmentFactory(hospital=other_hospital)
    affiliation_create(actor=other_hospital_admin, doctor=doctor, hospital=other_hospital, department=department)

    assert Affiliation.objects.filter(doctor=doctor, is_active=True).count() == 2


@pytest.mark.parametrize("status", [Hospital.Status.PENDING, Hospital.Status.SUSPENDED])
def test_doctor_cannot_link_to_unapproved_hospital(newcomer, status):
    hospital = HospitalFactory(status=status)
    with pytest.raises(AffiliationError, match="not open"):
        affiliation_request(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=None)
    assert not Affiliation.objects.exists()


def test_link_twice_is_refused(doctor, hospital, department):
    with pytest.raises(AffiliationError, match="already works at"):
        affiliation_request(actor=doctor.user, doctor=doctor, hospital=hospital, department=department)
    assert Affiliation.objects.filter(doctor=doctor, hospital=hospital).count() == 1


def test_department_of_another_hospital_is_refused(newcomer, hospital, other_hospital):
    foreign = DepartmentFactory(hospital=other_hospital)
    with pytest.raises(AffiliationError, match="another hospital"):
        affiliation_request(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=foreign)


def test_retired_department_is_refused(newcomer, hospital):
    retired = DepartmentFactory(hospital=hospital, is_active=False)
    with pytest.raises(AffiliationError, match="retired"):
        affiliation_request(actor=newcomer.user, doctor=newcomer, hospital=hospital, department=retired)


def test_other_hospitals_admin_cannot_add_or_remove(newcomer, doctor, hospital, department, other_hospital_admin):
    with pytest.raises(AffiliationError):
        affiliation_create(actor=other_hospital_admin, doctor=newcomer, hospital=hospital, department=department)
    affiliation = doctor.affiliations.get()
    with pytest.raises(AffiliationError):
        affiliation_end(actor=other_hospital_admin, affiliation=affiliation)
    affiliation.refresh_from_db()
    assert affiliation.is_active


def test_another_doctor_cannot_end_my_affiliation(doctor, other_doctor):
    with pytest.raises(AffiliationError):
        affiliation_end(actor=other_doctor.user, affiliation=doctor.affiliations.get())


def test_leave_and_rejoin_keeps_history(doctor, hospital, department, hospital_admin):
    first = doctor.affiliations.get()
    affiliation_end(actor=doctor.user, affiliation=first)
    join_request = affiliation_request(actor=doctor.user, doctor=doctor, hospital=hospital, department=department)
    second = join_request_decide(actor=hospital_admin, join_request=join_request, approve=True).doctor.affiliations.get(
        is_active=True
    )

    first.refresh_from_db()
    assert (first.is_active, first.ended_by) == (False, doctor.user)
    assert first.ended_at is not None
    assert second.pk != first.pk and second.is_active
    assert list(Affiliation.objects.filter(doctor=doctor, hospital=hospital).order_by("pk")) == [first, second]
    # The admin heard about both the leaving and the request to rejoin.
    assert Notification.objects.filter(recipient=hospital_admin).count() == 2


def test_ending_twice_is_refused(doctor):
    affiliation = doctor.affiliations.get()
    affiliation_end(actor=doctor.user, affiliation=affiliation)
    with pytest.raises(AffiliationError, match="no longer works"):
        affiliation_end(actor=doctor.user, affiliation=affiliation)


@pytest.fixture
def booked(doctor, hospital, patient, other_patient):
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    return [
        AppointmentFactory(doctor=doctor, hospital=hospital, patient=patient, start_at=soon),
        AppointmentFactory(
            doctor=doctor, hospital=hospital, patient=other_patient, start_at=soon + datetime.timedelta(hours=1)
        ),
    ]


def test_leaving_is_refused_while_future_appointments_are_booked(doctor, booked):
    affiliation = doctor.affiliations.get()
    with pytest.raises(AffiliationError, match="You still have 2 booked appointments") as refused:
        affiliation_end(actor=doctor.user, affiliation=affiliation)

    assert {a.pk for a in refused.value.appointments} == {a.pk for a in booked}
    affiliation.refresh_from_db()
    assert affiliation.is_active
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 2


def test_past_cancelled_and_other_hospital_appointments_do_not_block(doctor, hospital, other_hospital, patient):
    past = timezone.now() - datetime.timedelta(days=2)
    AppointmentFactory(doctor=doctor, hospital=hospital, patient=patient, start_at=past)
    AppointmentFactory(doctor=doctor, hospital=hospital, patient=patient, status=Appointment.Status.CANCELLED)
    AppointmentFactory(doctor=doctor, hospital=other_hospital, patient=patient)

    affiliation_end(actor=doctor.user, affiliation=doctor.affiliations.get())

    assert not doctor.affiliations.filter(is_active=True).exists()


def test_admin_removes_doctor_cancelling_appointments_and_telling_patients(
    doctor, booked, hospital_admin, patient, other_patient
):
    affiliation_end(
        actor=hospital_admin, affiliation=doctor.affiliations.get(), cancel_future_appointments=True,
        reason="Dr Rao has moved to another city.",
    )  # fmt: skip

    for appointment in booked:
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.cancelled_by == hospital_admin
        event = AppointmentEvent.objects.get(appointment=appointment)
        assert (event.to_status, event.note) == (Appointment.Status.CANCELLED, "Dr Rao has moved to another city.")
    for person in (patient, other_patient):
        told = Notification.objects.get(recipient=person.user)
        assert told.kind == Notification.Kind.APPOINTMENT_CANCELLED
        assert "Asia/Kolkata" in told.body
    removed = Notification.objects.get(recipient=doctor.user)
    assert removed.title.startswith("You were removed from")


def test_set_fee_by_doctor_and_refusals(doctor, other_doctor):
    affiliation = doctor.affiliations.get()
    affiliation_set_fee(actor=doctor.user, affiliation=affiliation, consultation_fee=Decimal("750.50"))
    affiliation.refresh_from_db()
    assert affiliation.consultation_fee == Decimal("750.50")

    with pytest.raises(AffiliationError):
        affiliation_set_fee(actor=other_doctor.user, affiliation=affiliation, consultation_fee=Decimal(1))
    with pytest.raises(AffiliationError, match="negative"):
        affiliation_set_fee(actor=doctor.user, affiliation=affiliation, consultation_fee=Decimal(-1))
