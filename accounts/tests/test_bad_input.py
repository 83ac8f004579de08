"""Input a person (or a script) can send that once gave a 500: each now gets a clear answer and changes nothing.
Found by a review that walked every URL with junk parameters."""

import pytest
from django.urls import reverse

from accounts.models import User
from appointments.tests.factories import AppointmentFactory
from doctors.models import DoctorProfile
from hms.inputs import parse_id, parse_ids

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999"


def test_parse_id_accepts_only_ascii_digits_the_database_can_hold():
    assert parse_id("42") == 42
    assert parse_id("²") is None and parse_id("①") is None
    assert parse_id(TOO_BIG) is None and parse_id("0") is None and parse_id("-1") is None
    assert parse_ids(["1", "x", "²", "7"]) == [1, 7]


def test_presence_ignores_unicode_digits(client, doctor):
    response = client.get(reverse("notifications:presence"), {"doctor": ["²", str(doctor.pk)]})

    assert response.status_code == 200
    assert response.json() == {"online": [], "busy": []}


@pytest.mark.parametrize("start_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00", "2026-13-45T10:00"])
def test_booking_an_impossible_time_is_a_form_error(client_for, patient, doctor, hospital, start_at):
    response = client_for(patient.user).post(
        reverse("appointments:book", args=[doctor.pk]), {"place": f"{hospital.pk}:in_person", "start_at": start_at}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["start_at"] == ["Choose one of the free slots."]
    assert not doctor.appointments.exists()


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_booked_patients_filter_refuses_dates_out_of_range(client_for, hospital_admin, query):
    response = client_for(hospital_admin).get(reverse("appointments:hospital_patients"), query)

    assert response.status_code == 200
    assert "Enter a date between 1900 and 2200." in response.content.decode()


def test_nul_character_in_a_search_is_a_400_not_a_database_error(client_for, doctor):
    response = client_for(doctor.user).get(reverse("patients:my_patients"), {"q": "a\x00b"})

    assert response.status_code == 400
    assert "characters that are not allowed" in response.content.decode()


def test_nul_character_in_a_form_changes_nothing(client_for, doctor, patient, hospital):
    appointment = AppointmentFactory(doctor=doctor, patient=patient, hospital=hospital)
    response = client_for(patient.user).post(
        reverse("appointments:cancel", args=[appointment.pk]), {"reason": "x\x00y"}
    )

    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_huge_id_in_a_url_is_a_404(client_for, hospital_admin):
    response = client_for(hospital_admin).get(f"/hospitals/manage/doctors/{TOO_BIG}/")
    assert response.status_code == 404


def test_huge_id_in_a_multiple_choice_is_a_form_error(client_for, doctor):
    response = client_for(doctor.user).post(reverse("doctors:my_profile"), {"languages": TOO_BIG})

    assert response.status_code in (200, 400)
    assert "not one of the available choices" in response.context["form"].errors["languages"][0]
    assert DoctorProfile.objects.get(pk=doctor.pk).languages.count() == 0


@pytest.mark.parametrize(("dob", "message"), [("9999-12-31", "cannot be in the future"), ("1066-10-14", "after 1900")])
def test_signup_refuses_impossible_date_of_birth(client, dob, message):
    response = client.post(
        reverse("account_signup"),
        {"full_name": "Nina Patel", "email": "nina@example.com", "date_of_birth": dob, "sex": "female",
         "password1": "Correct-Horse-42", "password2": "Correct-Horse-42"},
    )  # fmt: skip

    assert message in response.content.decode()
    assert not User.objects.filter(email="nina@example.com").exists()
