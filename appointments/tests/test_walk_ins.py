"""Issue 10, defects 1 and 8: walk-ins (the desk books the slot running now or the next one, "See now"), and the
smaller rough edges of the booking pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import AppointmentError, appointment_book, appointment_mark, visit_actions
from appointments.tests.conftest import desk_link
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from hospitals.tests.factories import AffiliationFactory
from notifications.models import Notification

Status = Appointment.Status


@pytest.fixture
def clock(db, monkeypatch):
    def set_now(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


@pytest.fixture
def morning(hospital, clock, day, at):
    """It is 10:22 at the hospital on `day`."""
    clock(at("10:22"))
    return at


def slot_value(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def test_desk_books_the_running_or_next_slot_the_patient_cannot(morning, working_doctor, hospital, staff, patient):
    at = morning
    running = appointment_book(actor=staff, patient=patient, doctor=working_doctor, hospital=hospital,
                               start_at=at("10:00"), mode="in_person")  # fmt: skip
    assert running.start_at == at("10:00")
    with pytest.raises(AppointmentError, match="at least 60 minutes"):
        appointment_book(actor=patient.user, patient=patient, doctor=working_doctor, hospital=hospital,
                         start_at=at("10:30"), mode="in_person")  # fmt: skip
    with pytest.raises(AppointmentError, match="already passed"):
        appointment_book(actor=staff, patient=patient, doctor=working_doctor, hospital=hospital,
                         start_at=at("09:30"), mode="in_person")  # fmt: skip


def test_desk_picker_offers_the_next_half_hour_the_patient_picker_does_not(
    morning, client_for, working_doctor, hospital, staff, patient, other_patient
):
    at = morning
    day = at("10:22").astimezone(hospital.tz).date().isoformat()
    desk = client_for(staff)
    url = f"{desk_link(desk, 'pat2@example.org', 'Paula Schmidt')}&doctor={working_doctor.pk}&date={day}"
    desk_page = desk.get(url).content.decode()
    assert slot_value(at("10:00")) in desk_page and slot_value(at("10:30")) in desk_page
    own = client_for(patient.user).get(reverse("appointments:book", args=[working_doctor.pk]), {"date": day})
    page = own.content.decode()
    assert slot_value(at("10:30")) not in page and slot_value(at("11:30")) in page


def test_see_now_lets_the_doctor_take_a_checked_in_walk_in_early(morning, working_doctor, hospital, staff, patient):
    at = morning
    walk_in = appointment_book(actor=staff, patient=patient, doctor=working_doctor, hospital=hospital,
                               start_at=at("10:30"), mode="in_person")  # fmt: skip
    appointment_mark(actor=staff, appointment=walk_in, action="check_in")
    walk_in.refresh_from_db()
    with pytest.raises(AppointmentError, match="not started yet"):
        appointment_mark(actor=working_doctor.user, appointment=walk_in, action="complete")
    actions = [name for name, _ in visit_actions(working_doctor.user, walk_in, timezone.now())]
    assert actions == ["see_now"]
    assert "see_now" not in [name for name, _ in visit_actions(staff, walk_in, timezone.now())]
    with pytest.raises(PermissionDenied, match="Only the doctor"):
        appointment_mark(actor=staff, appointment=walk_in, action="see_now")
    seen = appointment_mark(actor=working_doctor.user, appointment=walk_in, action="see_now")
    assert seen.status == Status.IN_PROGRESS
    assert [name for name, _ in visit_actions(working_doctor.user, seen, timezone.now())] == ["complete"]
    assert appointment_mark(actor=working_doctor.user, appointment=seen, action="complete").status == Status.COMPLETED


def test_see_now_needs_a_checked_in_patient_on_the_day(morning, working_doctor, hospital, patient):
    at = morning
    booked = AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("11:00"))
    with pytest.raises(AppointmentError, match="Check the patient in"):
        appointment_mark(actor=working_doctor.user, appointment=booked, action="see_now")
    tomorrow = AppointmentFactory(
        doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("11:00") + datetime.timedelta(days=1),
        status=Status.CHECKED_IN,
    )  # fmt: skip
    with pytest.raises(AppointmentError, match="only on the day"):
        appointment_mark(actor=working_doctor.user, appointment=tomorrow, action="see_now")


# --- defect 8: the smaller rough edges ------------------------------------------------------------------


def test_a_visit_completed_early_is_not_upcoming(client_for, working_doctor, hospital, patient, at):
    done = AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("10:00"),
                              status=Status.COMPLETED)  # fmt: skip
    client = client_for(patient.user)
    for url in (reverse("appointments:list"), reverse("patients:dashboard")):
        page = client.get(url).content.decode()
        upcoming = page.split("Upcoming", 1)[1].split("</section>", 1)[0]
        assert reverse("appointments:detail", args=[done.pk]) not in upcoming, url


def test_my_appointments_rows_offer_reschedule_and_cancel(client_for, working_doctor, hospital, patient, at):
    booked = AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("10:00"))
    client = client_for(patient.user)
    page = client.get(reverse("appointments:list")).content.decode()
    assert reverse("appointments:reschedule", args=[booked.pk]) in page
    assert reverse("appointments:cancel", args=[booked.pk]) in page
    response = client.post(reverse("appointments:cancel", args=[booked.pk]), {"next": reverse("appointments:list")})
    assert response["Location"] == reverse("appointments:list")
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED


def test_a_refused_booking_shows_the_chosen_day_again(client_for, working_doctor, hospital, patient, other_patient,
                                                      at, day):  # fmt: skip
    AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=other_patient, start_at=at("10:00"))
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[working_doctor.pk]),
        {"place": f"{hospital.pk}:in_person", "start_at": slot_value(at("10:00"))},
    )
    assert response.status_code == 400
    assert f"Free slots on {day:%A} {day.day} {day:%B %Y}" in response.content.decode()


def test_slots_clashing_with_the_patients_own_booking_are_not_offered(client_for, working_doctor, hospital,
                                                                       patient, at, day):  # fmt: skip
    elsewhere = DoctorFactory()
    AffiliationFactory(doctor=elsewhere, hospital=hospital)
    AppointmentFactory(doctor=elsewhere, hospital=hospital, patient=patient, start_at=at("11:00"))
    page = (
        client_for(patient.user)
        .get(reverse("appointments:book", args=[working_doctor.pk]), {"date": day.isoformat()})
        .content.decode()
    )
    assert slot_value(at("10:30")) in page and slot_value(at("11:30")) in page
    assert slot_value(at("11:00")) not in page


def test_book_links_only_for_patients_and_visitors(client, client_for, working_doctor, hospital_admin, patient,
                                                    hospital):  # fmt: skip
    book_url = reverse("appointments:book", args=[working_doctor.pk])
    detail = reverse("doctors:detail", args=[working_doctor.pk])
    assert book_url in client.get(detail).content.decode()
    assert book_url in client_for(patient.user).get(detail).content.decode()
    for viewer in (working_doctor.user, hospital_admin):
        for url in (detail, reverse("doctors:directory"), reverse("hospitals:detail", args=[hospital.slug])):
            assert book_url not in client_for(viewer).get(url).content.decode(), (viewer, url)


def test_join_video_call_only_for_the_two_participants(client_for, working_doctor, hospital, patient,
                                                       hospital_admin):  # fmt: skip
    start = timezone.now() + datetime.timedelta(minutes=5)
    AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=start,
                       end_at=start + datetime.timedelta(minutes=30), mode="video")  # fmt: skip
    assert "Join video call" in client_for(patient.user).get(reverse("appointments:list")).content.decode()
    assert "Join video call" not in client_for(hospital_admin).get(reverse("appointments:list")).content.decode()


# --- defect 4: the patient's own booking is confirmed ------------------------------------------------------


def test_patient_who_books_gets_a_confirmation_email(patient, working_doctor, hospital, at, mailoutbox, monkeypatch,
                                                     django_capture_on_commit_callbacks):  # fmt: skip
    from hms.celery import app

    # Delivered inline here on both passes (the worker-backed delivery itself is tested in notifications).
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(actor=patient.user, patient=patient, doctor=working_doctor, hospital=hospital,
                         start_at=at("10:00"), mode="in_person")  # fmt: skip
    assert [
        t
        for t in list(
            Notification.objects.filter(recipient=patient.user, kind="appointment_confirmed").values_list(
                "title", flat=True
            )
        )
        if t.startswith("Appointment confirmed")
    ]
    to_patient = [m for m in mailoutbox if m.to == [patient.user.email]]
    assert len(to_patient) == 1 and "Appointment confirmed" in to_patient[0].subject
    assert "Asia/Kolkata" in to_patient[0].subject + to_patient[0].body
