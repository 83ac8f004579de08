"""The booking services: appointment_book, appointment_reschedule, appointment_cancel and friends."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection, transaction

from appointments.models import Appointment, AppointmentEvent, AppointmentRating
from appointments.selectors import available_slots, average_rating
from appointments.services import (
    AppointmentError,
    SlotTakenError,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_rate,
    appointment_reschedule,
    schedule_range_add,
    time_off_add,
    time_off_cancel_conflicts,
)
from appointments.tests.conftest import IN_PERSON, VIDEO
from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import AffiliationFactory
from notifications.models import Notification
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def book(working_doctor, hospital, patient):
    def make(start_at, *, who=None, mode=IN_PERSON, place=None, doctor=None, actor=None):
        who = who or patient
        return appointment_book(
            actor=actor or who.user, patient=who, doctor=doctor or working_doctor, hospital=place or hospital,
            start_at=start_at, mode=mode, reason="Check-up",
        )  # fmt: skip

    return make


def test_booking_a_free_slot(book, at, working_doctor, patient):
    appointment = book(at("09:30"))

    assert (appointment.status, appointment.start_at, appointment.end_at) == (Status.BOOKED, at("09:30"), at("10:00"))
    assert appointment.booked_by == patient.user
    assert AppointmentEvent.objects.filter(appointment=appointment, to_status=Status.BOOKED).exists()
    assert set(Notification.objects.values_list("recipient", "kind")) == {
        (working_doctor.user.pk, Notification.Kind.APPOINTMENT_BOOKED),
        (patient.user.pk, Notification.Kind.APPOINTMENT_CONFIRMED),  # the patient's own confirmation (issue 10)
    }
    note = Notification.objects.get(recipient=working_doctor.user)
    assert "Asia/Kolkata" in note.title and "15:00" not in note.title and "09:30" in note.title


def test_front_desk_booking_tells_patient_and_doctor(book, at, staff, patient, working_doctor):
    book(at("10:00"), actor=staff)

    assert set(Notification.objects.values_list("recipient", "kind")) == {
        (patient.user.pk, Notification.Kind.APPOINTMENT_CONFIRMED),
        (working_doctor.user.pk, Notification.Kind.APPOINTMENT_BOOKED),
    }


@pytest.mark.parametrize("time", ["10:15", "13:00", "13:30", "18:00", "08:30"])
def test_slot_not_in_schedule_is_refused(book, at, time):
    with pytest.raises(AppointmentError, match="does not see patients at that time"):
        book(at(time))
    assert not Appointment.objects.exists()


def test_in_person_time_booked_as_video_is_refused(book, at):
    with pytest.raises(AppointmentError, match="does not see patients"):
        book(at("09:00"), mode=VIDEO)
    assert book(at("17:00"), mode=VIDEO).mode == VIDEO


def test_past_slot_is_refused(book, at, day):
    with pytest.raises(AppointmentError, match="already passed"):
        book(at("09:00", on=day - datetime.timedelta(days=5)))


def test_slot_inside_lead_time_is_refused(book, at, settings):
    settings.BOOKING_MIN_LEAD_MINUTES = 5 * 24 * 60
    with pytest.raises(AppointmentError, match="in advance"):
        book(at("09:00"))


def test_slot_beyond_horizon_is_refused(book, at, day, settings):
    with pytest.raises(AppointmentError, match="at most"):
        book(at("09:00", on=day + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)))


def test_taken_slot_offers_the_nearest_free_ones(book, at, other_patient):
    book(at("09:30"), who=other_patient)

    with pytest.raises(SlotTakenError, match="just taken") as error:
        book(at("09:30"))
    assert [slot.start_at for slot in error.value.alternatives] == [at("09:00"), at("10:00"), at("10:30")]
    assert Appointment.objects.count() == 1


def test_patient_cannot_be_in_two_places_at_once(book, at, patient, other_doctor, other_hospital, make_schedule):
    make_schedule(other_doctor, other_hospital, [(range(7), "00:00", "23:30")])
    book(at("11:00"))
    berlin_time = at("11:00")  # the very same instant, 06:30/07:30 in Berlin

    with pytest.raises(AppointmentError, match="already has an appointment at that time"):
        book(berlin_time, doctor=other_doctor, place=other_hospital)


def test_inactive_affiliation_is_refused(book, at, working_doctor):
    working_doctor.affiliations.update(is_active=False)
    with pytest.raises(AppointmentError, match="no longer works at"):
        book(at("09:00"))


def test_unapproved_hospital_is_refused(book, at, hospital):
    hospital.status = hospital.Status.PENDING
    hospital.save()
    with pytest.raises(AppointmentError, match="not accepting bookings"):
        book(at("09:00"))


def test_time_off_is_refused(book, at, working_doctor, day):
    time_off_add(actor=working_doctor.user, doctor=working_doctor, hospital=None, first_day=day, last_day=day)
    with pytest.raises(AppointmentError):
        book(at("09:00"))


def test_naive_time_is_refused(book, at):
    with pytest.raises(AppointmentError, match="time zone"):
        book(at("09:00").replace(tzinfo=None))


def test_someone_else_cannot_book_for_a_patient(book, at, other_patient, other_hospital_admin, patient):
    with pytest.raises(PermissionDenied):
        book(at("09:00"), who=patient, actor=other_patient.user)
    with pytest.raises(PermissionDenied):
        book(at("09:00"), who=patient, actor=other_hospital_admin)


def test_reschedule_moves_in_one_step(book, at, working_doctor, patient):
    appointment = book(at("09:00"))

    moved = appointment_reschedule(actor=patient.user, appointment=appointment, start_at=at("15:00"))

    assert (moved.pk, moved.start_at, moved.status) == (appointment.pk, at("15:00"), Status.BOOKED)
    assert at("09:00") in [
        slot.start_at
        for slot in available_slots(
            doctor=working_doctor,
            start_date=at("09:00").date(),
            end_date=at("09:00").date() + datetime.timedelta(days=1),
        )
    ]
    assert Notification.objects.filter(kind=Notification.Kind.APPOINTMENT_RESCHEDULED).get().recipient == (
        working_doctor.user
    )
    assert "Rescheduled from" in appointment.events.last().note


def test_reschedule_to_a_taken_slot_keeps_the_old_one(book, at, patient, other_patient):
    appointment = book(at("09:00"))
    book(at("15:00"), who=other_patient)

    with pytest.raises(SlotTakenError):
        appointment_reschedule(actor=patient.user, appointment=appointment, start_at=at("15:00"))

    appointment.refresh_from_db()
    assert (appointment.start_at, appointment.status) == (at("09:00"), Status.BOOKED)


def test_reschedule_to_a_time_off_the_grid_keeps_the_old_one(book, at, patient):
    appointment = book(at("09:00"))
    with pytest.raises(AppointmentError, match="does not see patients"):
        appointment_reschedule(actor=patient.user, appointment=appointment, start_at=at("09:10"))
    appointment.refresh_from_db()
    assert appointment.start_at == at("09:00")


def test_reschedule_into_the_neighbouring_slot_is_allowed(book, at, patient):
    appointment = book(at("09:00"))
    assert appointment_reschedule(actor=patient.user, appointment=appointment, start_at=at("09:30")).start_at == at(
        "09:30"
    )


def test_doctor_cannot_reschedule_and_cancelled_cannot_move(book, at, patient, working_doctor):
    appointment = book(at("09:00"))
    with pytest.raises(PermissionDenied):
        appointment_reschedule(actor=working_doctor.user, appointment=appointment, start_at=at("10:00"))
    appointment_cancel(actor=patient.user, appointment=appointment)
    with pytest.raises(AppointmentError, match="cannot be moved"):
        appointment_reschedule(actor=patient.user, appointment=appointment, start_at=at("10:00"))


def test_cancel_frees_the_slot_for_someone_else(book, at, patient, other_patient, working_doctor):
    appointment = book(at("09:00"))

    cancelled = appointment_cancel(actor=patient.user, appointment=appointment, reason="Feeling better")

    assert (cancelled.status, cancelled.cancelled_by) == (Status.CANCELLED, patient.user)
    assert Notification.objects.filter(kind=Notification.Kind.APPOINTMENT_CANCELLED, recipient=working_doctor.user)
    rebooked = book(at("09:00"), who=other_patient)
    assert rebooked.status == Status.BOOKED
    assert book(at("09:30")).patient == patient  # and the first patient can book again too


def test_doctor_cancels_with_a_reason_and_the_patient_hears(book, at, patient, working_doctor):
    appointment = book(at("09:00"))
    with pytest.raises(AppointmentError, match="reason"):
        appointment_cancel(actor=working_doctor.user, appointment=appointment, reason="")

    appointment_cancel(actor=working_doctor.user, appointment=appointment, reason="Called to surgery")

    note = Notification.objects.get(recipient=patient.user, kind=Notification.Kind.APPOINTMENT_CANCELLED)
    assert "doctor" in note.body and "Called to surgery" in note.body


def test_other_doctor_cannot_cancel(book, at, other_doctor):
    appointment = book(at("09:00"))
    with pytest.raises(PermissionDenied):
        appointment_cancel(actor=other_doctor.user, appointment=appointment, reason="x")


def test_check_in_only_on_the_day_and_no_show_only_after_start(book, at, staff):
    appointment = book(at("09:00"))
    with pytest.raises(AppointmentError, match="day of their appointment"):
        appointment_mark(actor=staff, appointment=appointment, action="check_in")
    with pytest.raises(AppointmentError, match="not started"):
        appointment_mark(actor=staff, appointment=appointment, action="no_show")


def test_visit_lifecycle_and_one_rating(doctor, hospital, patient, staff, other_patient):
    now = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
    appointment = AppointmentFactory(
        doctor=doctor, hospital=hospital, patient=patient, start_at=now - datetime.timedelta(minutes=5)
    )
    appointment_mark(actor=staff, appointment=appointment, action="check_in")
    with pytest.raises(PermissionDenied):
        appointment_mark(actor=staff, appointment=appointment, action="complete")
    with pytest.raises(AppointmentError, match="once it is completed"):
        appointment_rate(actor=patient.user, appointment=appointment, score=5)
    appointment_mark(actor=doctor.user, appointment=appointment, action="complete")
    appointment.refresh_from_db()

    with pytest.raises(PermissionDenied):
        appointment_rate(actor=other_patient.user, appointment=appointment, score=1)
    appointment_rate(actor=patient.user, appointment=appointment, score=4, comment="Kind")
    with pytest.raises(AppointmentError, match="already rated"):
        appointment_rate(actor=patient.user, appointment=appointment, score=1)
    assert AppointmentRating.objects.get().score == 4
    assert average_rating(doctor) == {"average": 4.0, "count": 1}
    assert [e.to_status for e in appointment.events.all()] == [Status.CHECKED_IN, Status.COMPLETED]


def test_time_off_lists_booked_appointments_to_keep_or_cancel(book, at, working_doctor, day, other_patient, patient):
    kept, dropped = book(at("09:00")), book(at("10:00"), who=other_patient)
    rows = time_off_add(
        actor=working_doctor.user, doctor=working_doctor, hospital=None, first_day=day, last_day=day
    )  # fmt: skip

    time_off_cancel_conflicts(actor=working_doctor.user, time_off=rows[0], appointment_ids=[dropped.pk], reason="")

    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.status, dropped.status) == (Status.BOOKED, Status.CANCELLED)
    assert Notification.objects.filter(recipient=other_patient.user, kind=Notification.Kind.APPOINTMENT_CANCELLED)


def test_schedule_ranges_must_not_overlap_and_must_hold_a_slot(doctor, hospital):
    schedule_range_add(
        actor=doctor.user, doctor=doctor, hospital=hospital, weekdays=[0, 1],
        start_time=datetime.time(9), end_time=datetime.time(12), mode=IN_PERSON,
    )  # fmt: skip
    with pytest.raises(AppointmentError, match="overlaps"):
        schedule_range_add(
            actor=doctor.user, doctor=doctor, hospital=hospital, weekdays=[1],
            start_time=datetime.time(11), end_time=datetime.time(13), mode=VIDEO,
        )  # fmt: skip
    with pytest.raises(AppointmentError, match="at least 30 minutes"):
        schedule_range_add(
            actor=doctor.user, doctor=doctor, hospital=hospital, weekdays=[2],
            start_time=datetime.time(9), end_time=datetime.time(9, 20), mode=IN_PERSON,
        )  # fmt: skip


def test_someone_else_cannot_edit_a_schedule(doctor, other_doctor, hospital):
    with pytest.raises(PermissionDenied):
        schedule_range_add(
            actor=other_doctor.user, doctor=doctor, hospital=hospital, weekdays=[0],
            start_time=datetime.time(9), end_time=datetime.time(12), mode=IN_PERSON,
        )  # fmt: skip


# --- the database decides a race ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_competing_insert_during_booking_becomes_slot_taken_and_the_outer_transaction_survives(
    working_doctor, hospital, patient, at
):
    """Another connection inserts the same slot and commits while our booking is between its check and its
    insert (PostgreSQL: our insert waits on the constraint, then fails; SQLite: our IMMEDIATE transaction waits
    for the lock). Either way: the slot-taken result, and our outer transaction is still usable."""
    rival = PatientFactory()
    inserted, release = threading.Event(), threading.Event()

    def competing_booking():
        try:
            with transaction.atomic():
                Appointment.objects.create(
                    patient=rival, doctor=working_doctor, hospital=hospital, start_at=at("09:00"), end_at=at("09:30")
                )
                inserted.set()
                release.wait(10)
        finally:
            close_old_connections()
            connection.close()

    rival_thread = threading.Thread(target=competing_booking)
    rival_thread.start()
    assert inserted.wait(10)
    threading.Timer(0.5, release.set).start()

    with transaction.atomic():
        with pytest.raises(SlotTakenError) as error:
            appointment_book(
                actor=patient.user, patient=patient, doctor=working_doctor, hospital=hospital,
                start_at=at("09:00"), mode=IN_PERSON,
            )  # fmt: skip
        assert Appointment.objects.filter(patient=rival).count() == 1  # the transaction still works
        assert at("09:30") in [slot.start_at for slot in error.value.alternatives]
    rival_thread.join(10)
    assert Appointment.objects.filter(status=Status.BOOKED).count() == 1


def test_front_desk_moves_visits_only_within_its_hospital(book, at, staff, working_doctor, other_hospital,
                                                         make_schedule):  # fmt: skip
    AffiliationFactory(doctor=working_doctor, hospital=other_hospital)
    make_schedule(working_doctor, other_hospital, [(range(7), "00:00", "02:00")])
    appointment = book(at("09:00"))

    with pytest.raises(PermissionDenied):
        appointment_reschedule(actor=staff, appointment=appointment, start_at=at("00:30", place=other_hospital),
                               hospital=other_hospital)  # fmt: skip
    assert appointment_reschedule(actor=staff, appointment=appointment, start_at=at("11:00")).start_at == at("11:00")
