"""The public doctor directory and doctor page: who is listed, filters, search, pagination, bad input, queries."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from doctors.tests.factories import DoctorFactory, LanguageFactory, SpecializationFactory
from doctors.views import DIRECTORY_PAGE_SIZE
from hospitals.models import Hospital
from hospitals.tests.factories import AffiliationFactory, HospitalFactory

pytestmark = pytest.mark.django_db
URL = reverse("doctors:directory")


def names(response) -> list[str]:
    return [d.user.full_name for d in response.context["doctors"]]


@pytest.fixture
def network(db):
    cardio = SpecializationFactory(name="Cardiology", slug="cardiology")
    derma = SpecializationFactory(name="Dermatology", slug="dermatology")
    hindi, german = LanguageFactory(name="Hindi"), LanguageFactory(name="German")
    blr = HospitalFactory(name="City Care", city="Bengaluru")
    ber = HospitalFactory(name="Spree", city="Berlin", time_zone="Europe/Berlin")
    pending = HospitalFactory(name="Pending", city="Pune", status=Hospital.Status.PENDING)

    def doc(name, specs, langs, *hospitals):
        profile = DoctorFactory(user__full_name=name, specializations=specs, languages=langs)
        for h in hospitals:
            AffiliationFactory(doctor=profile, hospital=h, consultation_fee=700)
        return profile

    return {
        "asha": doc("Asha Rao", [cardio], [hindi], blr, ber),
        "lukas": doc("Lukas Becker", [derma], [german], ber),
        "meera": doc("Meera Iyer", [cardio, derma], [hindi], blr),
        "pia": doc("Pia Pending", [cardio], [hindi], pending),
        "nobody": doc("Noah Nowhere", [cardio], [hindi]),
        "cardio": cardio, "derma": derma, "hindi": hindi, "german": german, "blr": blr, "ber": ber,
    }  # fmt: skip


def test_only_doctors_at_approved_hospitals_are_listed(client, network):
    ended = DoctorFactory(user__full_name="Ed Ended")
    AffiliationFactory(doctor=ended, hospital=network["blr"], is_active=False)
    inactive = DoctorFactory(user__full_name="Ian Inactive", user__is_active=False)
    AffiliationFactory(doctor=inactive, hospital=network["blr"])

    response = client.get(URL)

    assert response.status_code == 200
    assert names(response) == ["Asha Rao", "Lukas Becker", "Meera Iyer"]


def test_suspending_a_hospital_hides_its_doctors_but_keeps_data(client, network, super_admin):
    from hospitals.services import hospital_set_status

    hospital_set_status(actor=super_admin, hospital=network["ber"], status=Hospital.Status.SUSPENDED)
    response = client.get(URL)

    assert names(response) == ["Asha Rao", "Meera Iyer"]
    asha = response.context["doctors"][0]
    assert [a.hospital.name for a in asha.listed_affiliations] == ["City Care"]
    assert network["lukas"].affiliations.filter(is_active=True).exists()
    assert client.get(reverse("doctors:detail", args=[network["lukas"].pk])).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda n: {"specialization": n["cardio"].pk}, ["Asha Rao", "Meera Iyer"]),
        (lambda n: {"hospital": n["ber"].pk}, ["Asha Rao", "Lukas Becker"]),
        (lambda n: {"city": "Bengaluru"}, ["Asha Rao", "Meera Iyer"]),
        (lambda n: {"language": n["german"].pk}, ["Lukas Becker"]),
        (lambda n: {"q": "meera"}, ["Meera Iyer"]),
        (lambda n: {"q": "dermatology"}, ["Lukas Becker", "Meera Iyer"]),
        (lambda n: {"specialization": n["derma"].pk, "city": "Bengaluru"}, ["Meera Iyer"]),
        (
            lambda n: {"specialization": n["cardio"].pk, "hospital": n["ber"].pk, "language": n["hindi"].pk},
            ["Asha Rao"],
        ),
    ],
)
def test_filters_and_search(client, network, params, expected):
    assert names(client.get(URL, params(network))) == expected


def test_combination_with_no_match_shows_empty_state(client, network):
    response = client.get(URL, {"specialization": network["derma"].pk, "language": network["hindi"].pk, "q": "asha"})

    assert names(response) == []
    assert "No doctor matches these filters" in response.content.decode()


def test_unknown_specialization_id_is_ignored_with_a_message(client, network):
    for bad in ("999999", "abc", "1;DROP"):
        response = client.get(URL, {"specialization": bad, "city": "Berlin"})
        assert response.status_code == 200
        assert "could not find the specialization" in response.content.decode()
        # The valid part of the query still applies.
        assert names(response) == ["Asha Rao", "Lukas Becker"]


def test_unknown_city_is_ignored(client, network):
    response = client.get(URL, {"city": "Atlantis"})
    assert response.status_code == 200 and len(names(response)) == 3


def test_pagination_and_page_out_of_range(client, specialization):
    hospital = HospitalFactory()
    for i in range(DIRECTORY_PAGE_SIZE + 3):
        AffiliationFactory(
            hospital=hospital,
            doctor=DoctorFactory(user__full_name=f"Doc {i:02d}", specializations=[specialization]),
        )
    first = client.get(URL, {"specialization": specialization.pk})
    second = client.get(URL, {"specialization": specialization.pk, "page": 2})
    beyond = client.get(URL, {"specialization": specialization.pk, "page": 999})
    junk = client.get(URL, {"page": "last-ish"})

    assert len(names(first)) == DIRECTORY_PAGE_SIZE
    assert names(second) == ["Doc 12", "Doc 13", "Doc 14"]
    assert f"specialization={specialization.pk}&amp;page=2" in first.content.decode()
    assert beyond.status_code == 200 and names(beyond) == names(second)
    assert junk.status_code == 200 and len(names(junk)) == DIRECTORY_PAGE_SIZE


def _many_doctors(count: int, hospitals, specializations, languages):
    for _i in range(count):
        profile = DoctorFactory(specializations=specializations, languages=languages)
        for hospital in hospitals:
            AffiliationFactory(doctor=profile, hospital=hospital)


@pytest.mark.parametrize("count", [1, 50])
def test_directory_query_count_is_constant(client_for, patient, django_assert_max_num_queries, count):
    hospitals = [HospitalFactory(city="Pune"), HospitalFactory(city="Pune")]
    specs = [SpecializationFactory(), SpecializationFactory()]
    languages = [LanguageFactory(), LanguageFactory()]
    _many_doctors(count, hospitals, specs, languages)
    all_filters = {
        "specialization": specs[0].pk, "hospital": hospitals[1].pk, "city": "Pune", "language": languages[0].pk,
        "q": "a", "page": 1,
    }  # fmt: skip
    measured = {}
    for label, client, params in [
        ("anonymous, no filter", client_for(None), {}),
        ("patient, every filter", client_for(patient.user), all_filters),
    ]:
        client.get(URL)  # warm up the session
        # Measured: 8 queries anonymous; 14 signed in with every filter, of which 6 are the layout's (session read
        # and save, user, unread-notification count), plus the next free slot of every doctor on the page (one
        # query without schedules, three with: appointments.selectors.next_free_slots). The same for 1 and 50.
        with django_assert_max_num_queries(11 if not params else 15) as captured:
            response = client.get(URL, params)
        assert response.status_code == 200
        assert len(names(response)) == min(count, DIRECTORY_PAGE_SIZE)
        measured[label] = len(captured.captured_queries)
    print(f"directory with {count} doctors: {measured}")


def test_doctor_page_shows_hospitals_and_fees(client, network):
    response = client.get(reverse("doctors:detail", args=[network["asha"].pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Dr Asha Rao" in html and "City Care" in html and "Spree" in html and "700" in html
    assert reverse("hospitals:detail", args=[network["blr"].slug]) in html


@pytest.mark.parametrize("who", ["pia", "nobody"])
def test_unlisted_doctor_page_is_404(client, network, who):
    assert client.get(reverse("doctors:detail", args=[network[who].pk])).status_code == 404


def test_directory_is_public_and_in_patient_navigation(client, client_for, patient, network):
    assert client.get(URL).status_code == 200
    html = client_for(patient.user).get(URL).content.decode()
    assert 'href="/doctors/">Find a doctor</a>' in html
    assert patient.user.role == User.Role.PATIENT


def test_doctor_page_offers_next_free_slots_with_booking_links(client, doctor, hospital, django_assert_max_num_queries):
    from appointments.models import ScheduleRange, WeeklySchedule

    schedule = WeeklySchedule.objects.create(doctor=doctor, hospital=hospital, valid_from=datetime.date(2000, 1, 1))
    for weekday in range(7):
        ScheduleRange.objects.create(
            schedule=schedule, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(12)
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("doctors:detail", args=[doctor.pk]))
    html = response.content.decode()

    rows = response.context["bookable_slots"]
    assert 1 <= len(rows) <= 8
    assert response.context["next_slot"] == rows[0]
    assert "Next free appointments" in html and "Next free slot:" in html
    assert f"/appointments/book/{doctor.pk}/?place={hospital.pk}%3Ain_person&amp;date=" in html
    # Local wall-clock times in the hospital's zone, never UTC.
    assert rows[0]["slot"].local_start.hour in (9, 10, 11)


def test_doctor_page_without_schedule_shows_no_slot_section(client, doctor):
    html = client.get(reverse("doctors:detail", args=[doctor.pk])).content.decode()
    assert "Next free" not in html and "Book an appointment" in html
