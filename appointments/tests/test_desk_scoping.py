"""The front desk sees only what a walk-in gives it: approved hospitals only, scoped search, signed patient links."""

import datetime
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from appointments.models import Appointment
from appointments.selectors import DESK_LINK_SALT, desk_patient_search, desk_patient_token
from appointments.tests.conftest import IN_PERSON, desk_link
from appointments.tests.factories import AppointmentFactory
from hospitals.models import Hospital, HospitalMembership
from hospitals.tests.factories import HospitalFactory, MembershipFactory
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

DESK_URLS = ["appointments:desk", "appointments:desk_book", "appointments:desk_register"]


@pytest.fixture
def local_patient(patient, working_doctor, hospital, at):
    """Pat Kumar, a patient of City Care (one past, cancelled visit still counts)."""
    patient.user.phone = "+91 98450 12345"
    patient.user.save(update_fields=["phone"])
    patient.date_of_birth = datetime.date(1984, 3, 17)
    patient.save(update_fields=["date_of_birth"])
    AppointmentFactory(
        doctor=working_doctor, hospital=hospital, patient=patient, start_at=at("09:00"),
        status=Appointment.Status.CANCELLED,
    )  # fmt: skip
    return patient


@pytest.fixture
def far_patient(other_doctor, other_hospital):
    """Pat Kumaran, known only at the Berlin hospital."""
    far = PatientFactory(
        user=UserFactory(email="Kumaran@Example.org", full_name="Pat Kumaran", role=User.Role.PATIENT,
                         phone="+49 (30) 1234-5678"),
        patient_number="B000777", date_of_birth=datetime.date(1971, 11, 2),
    )  # fmt: skip
    AppointmentFactory(
        doctor=other_doctor, hospital=other_hospital, patient=far,
        start_at=datetime.datetime(2030, 1, 7, 9, tzinfo=datetime.UTC),
    )  # fmt: skip
    return far


def _desk_person(status: str, role: str) -> User:
    unapproved = HospitalFactory(name=f"New {status}", slug=f"new-{status}", status=status)
    user_role = User.Role.HOSPITAL_ADMIN if role == HospitalMembership.Role.ADMIN else User.Role.STAFF
    user = UserFactory(email=f"{status}@example.org", role=user_role)
    MembershipFactory(hospital=unapproved, user=user, role=role)
    return user


@pytest.mark.parametrize(
    ("status", "role"),
    [(Hospital.Status.PENDING, HospitalMembership.Role.ADMIN), (Hospital.Status.SUSPENDED, "front_desk")],
)
def test_unapproved_hospitals_get_no_front_desk(client_for, local_patient, status, role):
    person = _desk_person(status, role)
    hospital = person.memberships.get().hospital
    client = client_for(person)
    token = desk_patient_token(hospital, local_patient)

    responses = [client.get(reverse(name)) for name in DESK_URLS] + [
        client.get(reverse("appointments:desk_book"), {"q": "Pat"}),
        client.get(reverse("appointments:desk_book"), {"q": local_patient.patient_number}),
        client.get(reverse("appointments:desk_book"), {"patient": token}),
        client.post(f"{reverse('appointments:desk_book')}?patient={token}", {"start_at": "2030-01-07T09:00Z"}),
        client.post(reverse("appointments:desk_register"), {"full_name": "Sneaky", "email": "sneaky@example.org"}),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert "have access to this page" in responses[0].content.decode()  # the friendly 403 page
    assert not User.objects.filter(email="sneaky@example.org").exists()
    assert not Appointment.objects.filter(booked_by=person).exists()


def test_suspending_a_hospital_closes_its_desk(client_for, staff, hospital):
    client = client_for(staff)
    assert client.get(reverse("appointments:desk")).status_code == 200
    Hospital.objects.filter(pk=hospital.pk).update(status=Hospital.Status.SUSPENDED)
    assert client.get(reverse("appointments:desk")).status_code == 403


def test_name_search_finds_only_this_hospitals_patients(client_for, staff, local_patient, far_patient, other_patient):
    page = client_for(staff).get(reverse("appointments:desk_book"), {"q": "Kumar"}).content.decode()

    assert "Book for Pat Kumar<" in page
    assert "Pat Kumaran" not in page and far_patient.patient_number not in page


@pytest.mark.parametrize("query", ["B000777", "b000777", "kumaran@example.org", "KUMARAN@EXAMPLE.ORG",
                                   "+49 30 1234 5678", "4930 12345678", "+49-30-12345678"])  # fmt: skip
def test_exact_number_email_or_phone_finds_a_patient_from_elsewhere(client_for, staff, far_patient, query):
    page = client_for(staff).get(reverse("appointments:desk_book"), {"q": query}).content.decode()
    assert "Book for Pat Kumaran<" in page and "B000777" in page


@pytest.mark.parametrize("query", ["B00077", "kumaran@example", "Example.org", "12345678", "1234-5678", "Kumaran"])
def test_partial_number_email_or_phone_finds_no_one_elsewhere(client_for, staff, far_patient, query):
    page = client_for(staff).get(reverse("appointments:desk_book"), {"q": query}).content.decode()
    assert "Pat Kumaran" not in page and "No patient matches" in page


def test_search_selector_marks_local_patients(hospital, local_patient, far_patient):
    found = desk_patient_search(hospital, "pat kumar")
    by_number = desk_patient_search(hospital, "B000777")

    assert [(p, p.is_local) for p in found] == [(local_patient, True)]
    assert [(p, p.is_local) for p in by_number] == [(far_patient, False)]


def test_results_show_name_and_number_but_no_phone_or_birth_date(client_for, staff, local_patient, far_patient):
    client = client_for(staff)
    local = client.get(reverse("appointments:desk_book"), {"q": "Pat Kumar"}).content.decode()
    far = client.get(reverse("appointments:desk_book"), {"q": "B000777"}).content.decode()

    assert local_patient.patient_number in local and "born 1984" in local
    for secret in ["98450", "17 Mar", "1984-03-17", "Mar 1984"]:
        assert secret not in local
    for secret in ["1234-5678", "(30)", "1971", "2 Nov"]:
        assert secret not in far


def staff_hospital_pk(user: User) -> int:
    return user.memberships.get().hospital_id


def test_result_links_carry_no_patient_id(client_for, staff, local_patient):
    link = desk_link(client_for(staff), "Pat Kumar", "Pat Kumar")
    assert f"patient={local_patient.pk}&" not in link + "&"
    token = parse_qs(urlsplit(link).query)["patient"][0]
    assert signing.loads(token, salt=DESK_LINK_SALT) == {
        "patient": local_patient.pk,
        "hospital": staff_hospital_pk(staff),
    }


def _expired_token(hospital, patient) -> str:
    class TwoHoursAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 7200)

    return TwoHoursAgo(salt=DESK_LINK_SALT).sign_object({"patient": patient.pk, "hospital": hospital.pk})


def test_raw_ids_and_bad_tokens_open_no_patient(client_for, staff, hospital, other_hospital, local_patient,
                                                far_patient):  # fmt: skip
    good = desk_patient_token(hospital, far_patient)
    tampered = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    forged = signing.dumps({"patient": far_patient.pk, "hospital": hospital.pk}, salt="another-purpose")
    foreign = desk_patient_token(other_hospital, far_patient)
    bad = [str(far_patient.pk), str(local_patient.pk), tampered, forged, foreign, _expired_token(hospital, far_patient)]
    client = client_for(staff)

    for token in bad:
        response = client.get(reverse("appointments:desk_book"), {"patient": token})
        page = response.content.decode()
        assert response.status_code == 400, token
        assert "invalid or has expired" in page and "Pat Kumaran" not in page and "Book for Pat Kumar" not in page
    assert client.get(reverse("appointments:desk_book"), {"patient": good}).status_code == 200


def test_posting_with_a_bad_token_books_nothing(client_for, staff, hospital, working_doctor, far_patient, at):
    url = f"{reverse('appointments:desk_book')}?patient={far_patient.pk}&doctor={working_doctor.pk}"
    response = client_for(staff).post(url, _slot(hospital, at("11:00")))
    assert response.status_code == 400 and not Appointment.objects.filter(hospital=hospital).exists()


@pytest.mark.parametrize(
    "params",
    [{"patient": "²"}, {"patient": "١٢"}, {"patient": "abc"}, {"patient": "-1"}, {"patient": "1" * 40},
     {"patient": "x:y:z"}, {"q": "²²²"}, {"q": "x" * 500}, {"date": "²"}],
)  # fmt: skip
def test_junk_parameters_never_give_a_500(client_for, staff, params):
    assert client_for(staff).get(reverse("appointments:desk_book"), params).status_code in (200, 400)


def test_junk_doctor_with_a_good_token_is_404(client_for, staff, hospital, local_patient):
    token = desk_patient_token(hospital, local_patient)
    for doctor in ["²", "abc", "99999999999999999999"]:
        response = client_for(staff).get(reverse("appointments:desk_book"), {"patient": token, "doctor": doctor})
        assert response.status_code == 404


def test_desk_date_junk_falls_back_to_today(client_for, staff):
    assert client_for(staff).get(reverse("appointments:desk"), {"date": "²"}).status_code == 200


def _slot(hospital, moment: datetime.datetime) -> dict:
    return {"place": f"{hospital.pk}:{IN_PERSON}", "start_at": moment.strftime("%Y-%m-%dT%H:%MZ")}


def test_search_then_book_journey(client_for, staff, hospital, working_doctor, far_patient, at):
    client = client_for(staff)
    link = desk_link(client, "kumaran@example.org", "Pat Kumaran")
    booking_page = client.get(f"{link}&doctor={working_doctor.pk}")
    response = client.post(f"{link}&doctor={working_doctor.pk}", _slot(hospital, at("11:00")))

    assert booking_page.status_code == 200 and "Book for Pat Kumaran" in booking_page.content.decode()
    appointment = Appointment.objects.get(hospital=hospital)
    assert response.status_code == 302
    assert (appointment.patient, appointment.booked_by) == (far_patient, staff)


def test_register_then_book_journey(client_for, staff, hospital, working_doctor, at):
    client = client_for(staff)
    response = client.post(
        reverse("appointments:desk_register"),
        {"full_name": "Walk In", "email": "walkin@example.org", "phone": "+91 80 5555 0101"},
    )
    location = response["Location"]
    booked = client.post(f"{location}&doctor={working_doctor.pk}", _slot(hospital, at("11:00")))

    walk_in = User.objects.get(email="walkin@example.org").patient_profile
    assert response.status_code == 302 and f"patient={walk_in.pk}&" not in location + "&"
    assert booked.status_code == 302
    assert Appointment.objects.get(hospital=hospital).patient == walk_in
    # Now a patient of this hospital, so the desk finds them by name next time.
    assert desk_link(client, "Walk In", "Walk In")
