"""Bad input gets a JSON 4xx, changes nothing, never a 500: malformed JSON, wrong types, huge payloads, ids the
database cannot hold, NUL characters, someone else's ids; plus throttling (429 + Retry-After)."""

import pytest

from accounts.models import User
from api.throttling import AnonThrottle, UserThrottle
from patients.models import PatientProfile


def _error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["status"] == status
    return body["error"]


def test_malformed_json(api_for, staff):
    response = api_for(staff).post("/api/v1/patients/", "{not json", content_type="application/json")
    assert _error(response, 400)["code"] == "parse_error"


def test_wrong_types_name_the_fields(api_for, staff):
    count = User.objects.count()
    response = api_for(staff).post("/api/v1/patients/", {"email": 42, "full_name": ["x"]}, format="json")
    assert set(_error(response, 400)["fields"]) == {"email", "full_name"}
    assert User.objects.count() == count


def test_huge_payload_is_413(api_for, staff):
    response = api_for(staff).post("/api/v1/patients/", {"full_name": "x" * 200_000}, format="json")
    _error(response, 413)


def test_ids_too_large_for_the_database(api_for, patient):
    body = {"doctor": 2**70, "hospital": 1, "start_at": "2030-01-01T10:00:00Z", "mode": "in_person"}
    assert "doctor" in _error(api_for(patient.user).post("/api/v1/appointments/", body, format="json"), 400)["fields"]
    _error(api_for(patient.user).get(f"/api/v1/doctors/{2**70}/"), 404)
    assert "hospital" in _error(api_for(patient.user).get(f"/api/v1/doctors/?hospital={2**70}"), 400)["fields"]


def test_nul_characters_are_refused(api_for, patient):
    response = api_for(patient.user).patch(f"/api/v1/patients/{patient.pk}/", {"address": "a\x00b"}, format="json")
    _error(response, 400)
    assert PatientProfile.objects.get(pk=patient.pk).address == ""


def test_someone_elses_ids(api_for, patient, other_patient, doctor, hospital):
    # A patient cannot book for another patient: that id is not theirs, so it does not exist for them.
    body = {"doctor": doctor.pk, "hospital": hospital.pk, "patient": other_patient.pk,
            "start_at": "2030-01-01T10:00:00Z", "mode": "in_person"}  # fmt: skip
    _error(api_for(patient.user).post("/api/v1/appointments/", body, format="json"), 404)
    _error(api_for(patient.user).patch(f"/api/v1/patients/{other_patient.pk}/", {"phone": "1"}, format="json"), 404)


def test_dates_out_of_range(api_for, patient, doctor):
    _error(api_for(patient.user).get(f"/api/v1/doctors/{doctor.pk}/slots/?start=9999-12-31"), 400)
    _error(api_for(patient.user).get(f"/api/v1/doctors/{doctor.pk}/slots/?start=2030-01-01&end=2030-06-01"), 400)
    _error(api_for(patient.user).get("/api/v1/appointments/?date_from=0001-01-01"), 400)


def test_bad_cursor_is_a_json_404(api_for, patient):
    _error(api_for(patient.user).get("/api/v1/appointments/?cursor=garbage"), 404)


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})


def test_user_throttle_says_when_to_retry(api_for, patient, low_rates):
    client = api_for(patient.user)
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
    response = client.get("/api/v1/me/")
    _error(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60


def test_anonymous_throttle(api_for, db, low_rates):
    client = api_for()
    for _ in range(2):
        assert client.get("/api/v1/me/").status_code == 401
    _error(client.get("/api/v1/me/"), 429)
