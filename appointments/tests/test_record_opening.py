"""Issue 11, privilege path 1: a front-desk booking must not open a patient's earlier record to a doctor.

The rule (appointments.services.booking_opens_record): the record opens when the patient books themselves, when
the hospital already knows the patient (an earlier record-opening visit there, or its desk registered them), or
when the patient shares it from the appointment page. Patient numbers are random, and desk lookups are
rate-limited and written to the patient's access log."""

import re

import pytest
from django.urls import reverse

from appointments.models import Appointment
from appointments.services import appointment_book, booking_opens_record
from appointments.tests.conftest import IN_PERSON, desk_link
from appointments.tests.factories import AppointmentFactory
from hospitals.models import HospitalMembership
from hospitals.tests.factories import MembershipFactory
from patients.models import AccessLogEntry
from patients.services import patient_register
from prescriptions.services import visit_note_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_elsewhere(patient, other_doctor, other_hospital):
    """The patient's record was written at the Berlin hospital by another doctor."""
    appointment = AppointmentFactory(
        patient=patient, doctor=other_doctor, hospital=other_hospital, status=Appointment.Status.CHECKED_IN
    )
    visit_note_save(actor=other_doctor.user, appointment=appointment, data={"chief_complaint": "Secret rash"})
    return patient


def desk_books(staff, patient, doctor, hospital, at) -> Appointment:
    return appointment_book(actor=staff, patient=patient, doctor=doctor, hospital=hospital, start_at=at("09:00"),
                            mode=IN_PERSON)  # fmt: skip


def test_desk_booking_of_a_stranger_does_not_open_the_earlier_record(
    known_elsewhere, staff, working_doctor, hospital, at, client_for
):
    appointment = desk_books(staff, known_elsewhere, working_doctor, hospital, at)
    doctor_client = client_for(working_doctor.user)

    assert appointment.opens_record is False
    assert doctor_client.get(reverse("patients:history", args=[known_elsewhere.pk])).status_code == 404
    # The visit itself still works, without the summary or the earlier visits.
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CHECKED_IN)
    visit = doctor_client.get(reverse("prescriptions:visit", args=[appointment.pk]))
    assert visit.status_code == 200
    assert "Secret rash" not in visit.content.decode()
    assert "Earlier record not shared" in visit.content.decode()


def test_patient_shares_the_record_from_the_appointment_page(
    known_elsewhere, staff, working_doctor, hospital, at, client_for
):
    appointment = desk_books(staff, known_elsewhere, working_doctor, hospital, at)
    patient_client = client_for(known_elsewhere.user)
    page = patient_client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    assert "Share my record with" in page

    patient_client.post(reverse("appointments:share_record", args=[appointment.pk]))

    history = client_for(working_doctor.user).get(reverse("patients:history", args=[known_elsewhere.pk]))
    assert history.status_code == 200 and "Secret rash" in history.content.decode()


def test_only_the_patient_can_share(known_elsewhere, staff, working_doctor, hospital, at, client_for):
    appointment = desk_books(staff, known_elsewhere, working_doctor, hospital, at)
    for user in (staff, working_doctor.user):
        client_for(user).post(reverse("appointments:share_record", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.opens_record is False


def test_patient_booking_and_known_patients_open_the_record(known_elsewhere, staff, working_doctor, hospital, at):
    assert booking_opens_record(actor=known_elsewhere.user, patient=known_elsewhere, hospital=hospital)
    assert not booking_opens_record(actor=staff, patient=known_elsewhere, hospital=hospital)
    AppointmentFactory(patient=known_elsewhere, doctor=working_doctor, hospital=hospital, start_at=at("10:00"))
    assert booking_opens_record(actor=staff, patient=known_elsewhere, hospital=hospital)


def test_walk_in_registered_by_this_desk_opens_the_record_here(staff, hospital, other_hospital):
    user = patient_register(email="walkin@example.org", password=None, full_name="Walk In", registered_at=hospital)
    assert booking_opens_record(actor=staff, patient=user.patient_profile, hospital=hospital)
    assert not booking_opens_record(actor=staff, patient=user.patient_profile, hospital=other_hospital)


def test_patient_numbers_are_random_not_sequential():
    numbers = [
        patient_register(email=f"p{i}@example.org", password=None, full_name=f"P {i}").patient_profile.patient_number
        for i in range(5)
    ]
    assert all(re.fullmatch(r"P-[0-9A-Z]{4}-[0-9A-Z]{4}", number) for number in numbers)
    assert len(set(numbers)) == 5
    assert not any(re.fullmatch(r"P\d+", number) for number in numbers)


def test_desk_lookup_across_the_network_is_logged_for_the_patient(known_elsewhere, staff, client_for):
    desk_link(client_for(staff), known_elsewhere.patient_number, known_elsewhere.user.full_name)

    entry = AccessLogEntry.objects.filter(patient=known_elsewhere, kind=AccessLogEntry.Kind.DESK_LOOKUP).get()
    assert entry.accessor == staff
    assert (
        "Found by a front desk" in client_for(known_elsewhere.user).get(reverse("patients:access_log")).content.decode()
    )


def test_desk_lookups_are_rate_limited(settings, known_elsewhere, hospital, client_for):
    settings.DESK_LOOKUPS_PER_HOUR = 3
    desk = MembershipFactory(hospital=hospital, role=HospitalMembership.Role.FRONT_DESK).user
    client = client_for(desk)
    for index in range(3):
        assert client.get(reverse("appointments:desk_book"), {"q": f"P-AAAA-{index:04d}"}).status_code == 200

    refused = client.get(reverse("appointments:desk_book"), {"q": known_elsewhere.patient_number})

    assert "Too many patient searches" in refused.content.decode()
    assert f"Book for {known_elsewhere.user.full_name}" not in refused.content.decode()
    assert not AccessLogEntry.objects.filter(patient=known_elsewhere, kind=AccessLogEntry.Kind.DESK_LOOKUP).exists()
