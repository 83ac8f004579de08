"""Every role against every appointment URL, forged POST values, and query budgets."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment, ScheduleRange, TimeOff
from appointments.tests.conftest import IN_PERSON, desk_link
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from hospitals.tests.factories import AffiliationFactory
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def people(patient, other_patient, working_doctor, other_doctor, hospital_admin, other_hospital_admin, staff,
           super_admin):  # fmt: skip
    return {
        "patient": patient.user, "other_patient": other_patient.user, "doctor": working_doctor.user,
        "other_doctor": other_doctor.user, "hospital_admin": hospital_admin,
        "other_hospital_admin": other_hospital_admin, "staff": staff, "super_admin": super_admin, "anonymous": None,
    }  # fmt: skip


@pytest.fixture
def appointment(working_doctor, hospital, patient, at):
    return AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("09:00"))


def place(hospital, mode=IN_PERSON) -> str:
    return f"{hospital.pk}:{mode}"


def slot_value(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


# --- access matrix -----------------------------------------------------------------------------

SEES_IT = {"patient", "doctor", "hospital_admin", "staff", "super_admin"}
CAN_RESCHEDULE = {"patient", "hospital_admin", "staff", "super_admin"}


@pytest.mark.parametrize("viewer", ["patient", "other_patient", "doctor", "other_doctor", "hospital_admin",
                                    "other_hospital_admin", "staff", "super_admin", "anonymous"])  # fmt: skip
@pytest.mark.parametrize("name", ["detail", "confirmed", "ics", "reschedule"])
def test_appointment_pages_by_role(client_for, people, appointment, viewer, name):
    response = client_for(people[viewer]).get(reverse(f"appointments:{name}", args=[appointment.pk]))

    if viewer == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif viewer in (CAN_RESCHEDULE if name == "reschedule" else SEES_IT):
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("viewer", ["other_patient", "other_doctor", "other_hospital_admin"])
@pytest.mark.parametrize("action", ["cancel", "rate", "check_in", "no_show", "complete"])
def test_writes_on_someone_elses_appointment_are_404(client_for, people, appointment, viewer, action):
    url = (
        reverse(f"appointments:{action}", args=[appointment.pk])
        if action in ("cancel", "rate")
        else reverse("appointments:mark", args=[appointment.pk, action])
    )
    response = client_for(people[viewer]).post(url, {"reason": "x", "score": 5})

    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_patient_cannot_check_themselves_in(client_for, patient, appointment):
    response = client_for(patient.user).post(reverse("appointments:mark", args=[appointment.pk, "check_in"]))
    assert response.status_code == 403


def test_writes_need_post(client_for, patient, appointment):
    assert client_for(patient.user).get(reverse("appointments:cancel", args=[appointment.pk])).status_code == 405


ROLE_PAGES = {
    "appointments:list": {"patient", "other_patient", "doctor", "other_doctor", "hospital_admin",
                          "other_hospital_admin", "staff", "super_admin"},
    "appointments:doctor_day": {"doctor", "other_doctor"},
    "appointments:doctor_week": {"doctor", "other_doctor"},
    "appointments:schedule": {"doctor", "other_doctor"},
    "appointments:time_off": {"doctor", "other_doctor"},
    "appointments:hospital_week": {"hospital_admin", "other_hospital_admin"},
    "appointments:hospital_patients": {"hospital_admin", "other_hospital_admin"},
    "appointments:desk": {"hospital_admin", "other_hospital_admin", "staff"},
    "appointments:desk_book": {"hospital_admin", "other_hospital_admin", "staff"},
    "appointments:desk_register": {"hospital_admin", "other_hospital_admin", "staff"},
}  # fmt: skip


@pytest.mark.parametrize("viewer", ["patient", "doctor", "other_doctor", "hospital_admin", "staff", "anonymous"])
@pytest.mark.parametrize("name", ROLE_PAGES)
def test_role_pages(client_for, people, appointment, viewer, name):
    response = client_for(people[viewer]).get(reverse(name))

    if viewer == "anonymous":
        assert response.status_code == 302
    elif viewer in ROLE_PAGES[name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("viewer", ["doctor", "hospital_admin", "staff", "super_admin"])
def test_only_patients_use_the_booking_page(client_for, people, working_doctor, viewer):
    assert client_for(people[viewer]).get(reverse("appointments:book", args=[working_doctor.pk])).status_code == 403


def test_doctor_pages_show_only_their_own_data(client_for, other_doctor, appointment, day):
    response = client_for(other_doctor.user).get(reverse("appointments:doctor_day"), {"date": day.isoformat()})
    assert appointment.patient.user.full_name not in response.content.decode()


def test_doctor_cannot_touch_another_doctors_schedule_or_time_off(client_for, working_doctor, other_doctor):
    schedule_range = ScheduleRange.objects.filter(schedule__doctor=working_doctor).first()
    off = TimeOff.objects.create(
        doctor=working_doctor, start_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        end_at=datetime.datetime(2030, 1, 2, tzinfo=datetime.UTC),
    )  # fmt: skip
    client = client_for(other_doctor.user)

    assert client.post(reverse("appointments:schedule_range_delete", args=[schedule_range.pk])).status_code == 404
    assert client.post(reverse("appointments:time_off_delete", args=[off.pk])).status_code == 404
    assert client.get(reverse("appointments:time_off_detail", args=[off.pk])).status_code == 404
    assert ScheduleRange.objects.filter(pk=schedule_range.pk).exists() and TimeOff.objects.filter(pk=off.pk).exists()


# --- booking page ------------------------------------------------------------------------------


def test_booking_page_shows_local_times_with_zone(client_for, patient, working_doctor, hospital, day):
    response = client_for(patient.user).get(
        reverse("appointments:book", args=[working_doctor.pk]), {"place": place(hospital), "date": day.isoformat()}
    )
    html = response.content.decode()
    assert "Asia/Kolkata" in html and ">09:00<" in html and ">16:30<" in html and ">13:00<" not in html


def test_booking_through_the_page(client_for, patient, working_doctor, hospital, at):
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[working_doctor.pk]),
        {"place": place(hospital), "start_at": slot_value(at("10:30")), "reason": "Cough"},
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "appointments:confirmed", args=[appointment.pk]
    )
    assert (appointment.start_at, appointment.reason, appointment.patient) == (at("10:30"), "Cough", patient)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("10:10", "does not see patients at that time"),  # off the grid
        ("13:00", "does not see patients at that time"),  # the lunch break
        ("not-a-time", "Choose one of the free slots"),
        ("", "Choose one of the free slots"),
    ],
)
def test_forged_slot_times_are_refused(client_for, patient, working_doctor, hospital, at, start, message):
    value = slot_value(at(start)) if ":" in start else start
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[working_doctor.pk]), {"place": place(hospital), "start_at": value}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Appointment.objects.exists()


def test_forged_far_future_date_is_refused(client_for, patient, working_doctor, hospital, at, day):
    far = at("09:00", on=day + datetime.timedelta(days=3650))
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[working_doctor.pk]), {"place": place(hospital), "start_at": slot_value(far)}
    )
    assert response.status_code == 400 and "at most" in response.content.decode()
    far_page = client_for(patient.user).get(
        reverse("appointments:book", args=[working_doctor.pk]), {"date": "9999-12-31", "place": place(hospital)}
    )
    assert far_page.status_code == 200


def test_forged_hospital_where_the_doctor_does_not_work(client_for, patient, working_doctor, other_hospital, at):
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[working_doctor.pk]),
        {"place": place(other_hospital), "start_at": slot_value(at("09:00"))},
    )
    assert response.status_code == 400 and not Appointment.objects.exists()


def test_forged_other_doctor_id_books_that_doctor_only_inside_their_schedule(client_for, patient, other_doctor, at,
                                                                              hospital):  # fmt: skip
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[other_doctor.pk]),
        {"place": place(hospital), "start_at": slot_value(at("09:00"))},
    )
    assert response.status_code == 400 and not Appointment.objects.exists()
    assert client_for(patient.user).get(reverse("appointments:book", args=[999999])).status_code == 404


def test_taken_slot_on_the_page_shows_nearest_free_ones(client_for, patient, other_patient, working_doctor, hospital,
                                                         at):  # fmt: skip
    AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=other_patient, start_at=at("10:00"))
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[working_doctor.pk]),
        {"place": place(hospital), "start_at": slot_value(at("10:00"))},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "That slot was just taken — here are the nearest free ones." in html
    assert "Nearest free slots" in html and slot_value(at("09:30")) in html and slot_value(at("10:30")) in html


def test_reschedule_and_cancel_through_the_pages(client_for, patient, appointment, at, hospital, working_doctor):
    client = client_for(patient.user)
    response = client.post(
        reverse("appointments:reschedule", args=[appointment.pk]),
        {"place": place(hospital), "start_at": slot_value(at("15:30"))},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_at == at("15:30")

    client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": "Travelling"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancellation_reason) == (Status.CANCELLED, "Travelling")


def test_ics_file(client_for, patient, appointment):
    response = client_for(patient.user).get(reverse("appointments:ics", args=[appointment.pk]))
    body = response.content.decode()

    assert response["Content-Type"] == "text/calendar"
    assert f"DTSTART:{appointment.start_at:%Y%m%dT%H%M%SZ}" in body
    assert "BEGIN:VEVENT" in body and "Dr Asha Rao" in body and body.endswith("END:VCALENDAR\r\n")


# --- front desk --------------------------------------------------------------------------------


def test_desk_books_for_a_registered_patient(client_for, staff, working_doctor, hospital, other_patient, at):
    client = client_for(staff)
    url = f"{desk_link(client, 'pat2@example.org', 'Paula Schmidt')}&doctor={working_doctor.pk}"
    response = client.post(url, {"place": place(hospital), "start_at": slot_value(at("11:00"))})

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert (appointment.patient, appointment.booked_by) == (other_patient, staff)


def test_desk_cannot_book_a_doctor_from_another_hospital(client_for, staff, other_doctor, other_patient, at, hospital):
    client = client_for(staff)
    url = f"{desk_link(client, 'pat2@example.org', 'Paula Schmidt')}&doctor={other_doctor.pk}"
    response = client.post(url, {"place": place(hospital), "start_at": slot_value(at("11:00"))})
    assert response.status_code == 404 and not Appointment.objects.exists()


def test_desk_registers_then_books(client_for, staff):
    response = client_for(staff).post(
        reverse("appointments:desk_register"), {"full_name": "Walk In", "email": "walkin@example.org", "phone": "1"}
    )
    assert response.status_code == 302 and "?patient=" in response["Location"]
    booking_page = client_for(staff).get(response["Location"])
    assert booking_page.status_code == 200 and "Book for Walk In" in booking_page.content.decode()


def test_desk_checks_in_only_at_its_own_hospital(client_for, staff, other_hospital_admin, working_doctor, hospital,
                                                 patient):  # fmt: skip
    now = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
    appointment = AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=now)
    url = reverse("appointments:mark", args=[appointment.pk, "check_in"])

    assert client_for(other_hospital_admin).post(url).status_code == 404
    client_for(staff).post(url)
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN


def test_hospital_patients_search_and_dates(client_for, hospital_admin, working_doctor, hospital, patient,
                                            other_patient, at, day):  # fmt: skip
    AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("09:00"))
    AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=other_patient,
                       start_at=at("09:00", on=day + datetime.timedelta(days=2)))  # fmt: skip
    client = client_for(hospital_admin)
    by_name = client.get(reverse("appointments:hospital_patients"), {"q": "Paula"}).content.decode()
    dates = {"date_from": day.isoformat(), "date_to": day.isoformat()}
    by_date = client.get(reverse("appointments:hospital_patients"), dates).content.decode()

    assert "Paula Schmidt" in by_name and "Pat Kumar" not in by_name
    assert "Pat Kumar" in by_date and "Paula Schmidt" not in by_date


def test_hospital_week_of_a_doctor_elsewhere_is_404(client_for, hospital_admin, other_doctor):
    response = client_for(hospital_admin).get(reverse("appointments:hospital_week"), {"doctor": other_doctor.pk})
    assert response.status_code == 404


# --- query budgets -----------------------------------------------------------------------------


def _many(working_doctor, hospital, at, count):
    for offset in range(count):
        AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=PatientFactory(),
                           start_at=at("09:00") + datetime.timedelta(days=offset))  # fmt: skip


@pytest.mark.parametrize(
    ("who", "name", "budget"),
    [
        ("patient", "appointments:list", 10),
        ("hospital_admin", "appointments:hospital_patients", 12),
        ("hospital_admin", "appointments:hospital_week", 12),
        ("doctor", "appointments:doctor_week", 12),
        ("doctor", "appointments:doctor_day", 12),
        ("staff", "appointments:desk", 12),
    ],
)
@pytest.mark.parametrize("rows", [1, 15])
def test_list_pages_query_budget(client_for, people, working_doctor, hospital, patient, at, day, who, name, budget,
                                 rows, django_assert_max_num_queries):  # fmt: skip
    _many(working_doctor, hospital, at, rows)
    AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("10:00"))
    client = client_for(people[who])
    with django_assert_max_num_queries(budget):
        response = client.get(reverse(name), {"date": day.isoformat()})
    assert response.status_code == 200


def test_booking_page_query_budget(client_for, patient, working_doctor, hospital, at, django_assert_max_num_queries):
    _many(working_doctor, hospital, at, 20)
    for _ in range(3):
        other = DoctorFactory()
        AffiliationFactory(doctor=other, hospital=hospital)
    client = client_for(patient.user)
    with django_assert_max_num_queries(14):  # +2: the patient and their own bookings (clashes are hidden)
        response = client.get(reverse("appointments:book", args=[working_doctor.pk]))
    assert response.status_code == 200


def test_doctor_page_and_directory_show_next_free_slot_and_average_rating(client, working_doctor, hospital, patient,
                                                                         day):  # fmt: skip
    from appointments.models import AppointmentRating

    past = AppointmentFactory(doctor=working_doctor, hospital=hospital, patient=patient, status=Status.COMPLETED,
                              start_at=datetime.datetime(2026, 1, 5, 4, 0, tzinfo=datetime.UTC))  # fmt: skip
    AppointmentRating.objects.create(appointment=past, doctor=working_doctor, score=4)

    page = client.get(reverse("doctors:detail", args=[working_doctor.pk])).content.decode()
    directory = client.get(reverse("doctors:directory")).content.decode()

    assert "Next free slot:" in page and "(Asia/Kolkata)" in page
    assert "<strong>4.0</strong> out of 5" in page and "1 rating from patients" in page
    assert reverse("appointments:book", args=[working_doctor.pk]) in page
    assert "Next free:" in directory and "(Asia/Kolkata)" in directory


def test_hospital_admin_does_not_see_the_reason_for_the_visit(client_for, hospital_admin, staff, appointment):
    url = reverse("appointments:detail", args=[appointment.pk])
    assert "Check-up" not in client_for(hospital_admin).get(url).content.decode()
    assert "Check-up" in client_for(staff).get(url).content.decode()


def test_doctor_adds_hours_through_the_schedule_page(client_for, doctor, hospital, other_hospital, day):
    client = client_for(doctor.user)
    data = {"hospital": hospital.pk, "weekdays": [day.weekday()], "start_time": "08:00", "end_time": "09:00",
            "mode": "video"}  # fmt: skip
    assert client.post(reverse("appointments:schedule"), data).status_code == 302
    assert ScheduleRange.objects.filter(schedule__doctor=doctor, mode="video", weekday=day.weekday()).exists()

    forged = client.post(reverse("appointments:schedule"), {**data, "hospital": other_hospital.pk})
    assert forged.status_code == 400 and ScheduleRange.objects.count() == 1


def test_time_off_with_bookings_asks_to_keep_or_cancel(client_for, working_doctor, appointment, day, patient):
    client = client_for(working_doctor.user)
    response = client.post(
        reverse("appointments:time_off"),
        {"hospital": "", "first_day": day.isoformat(), "last_day": day.isoformat(), "kind": "conference"},
    )
    detail = client.get(response["Location"]).content.decode()
    assert "Pat Kumar" in detail and "Cancel selected appointments" in detail

    client.post(response["Location"], {"appointment": [appointment.pk], "reason": "At a congress"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancellation_reason) == (Status.CANCELLED, "At a congress")
