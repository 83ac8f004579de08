"""One login path: allauth's headless app API issues the JWTs (same rate limits as the web login). Access tokens
live at most 5 minutes, refresh tokens rotate, and logout or a password change revokes both."""

import time

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from api.tests.conftest import access_token_for

LOGIN = "/_allauth/app/v1/auth/login"
REFRESH = "/_allauth/app/v1/tokens/refresh"
SESSION = "/_allauth/app/v1/auth/session"
PASSWORD_CHANGE = "/_allauth/app/v1/account/password/change"


def login(email: str, password: str):
    return APIClient().post(LOGIN, {"email": email, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def tokens(patient, password):
    response = login(patient.user.email, password)
    assert response.status_code == 200, response.content
    meta = response.json()["meta"]
    return meta["access_token"], meta["refresh_token"]


def test_login_gives_a_short_lived_token_that_opens_the_api(tokens, patient):
    access, _ = tokens
    payload = jwt.decode(access, options={"verify_signature": False})
    assert payload["exp"] - payload["iat"] <= 300
    response = bearer(access).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == patient.user.email


def test_refresh_rotates_and_an_old_refresh_token_is_refused(tokens):
    _, refresh = tokens
    first = APIClient().post(REFRESH, {"refresh_token": refresh}, format="json")
    assert first.status_code == 200, first.content
    new_access, new_refresh = first.json()["data"]["access_token"], first.json()["data"]["refresh_token"]
    assert new_refresh != refresh
    assert bearer(new_access).get("/api/v1/me/").status_code == 200
    replay = APIClient().post(REFRESH, {"refresh_token": refresh}, format="json")
    assert replay.status_code >= 400


def test_logout_revokes_access_and_refresh_tokens(tokens):
    access, refresh = tokens
    assert bearer(access).delete(SESSION).status_code == 401  # allauth: "logged out" is a 401 with no session
    assert bearer(access).get("/api/v1/me/").status_code == 401
    assert APIClient().post(REFRESH, {"refresh_token": refresh}, format="json").status_code >= 400


def test_password_change_through_the_api_revokes_tokens(tokens, password):
    access, refresh = tokens
    response = bearer(access).post(
        PASSWORD_CHANGE, {"current_password": password, "new_password": "A-much-newer-pass-2026"}, format="json"
    )
    assert response.status_code in (200, 401), response.content
    assert bearer(access).get("/api/v1/me/").status_code == 401
    assert APIClient().post(REFRESH, {"refresh_token": refresh}, format="json").status_code >= 400


def test_password_change_on_the_web_revokes_api_tokens(tokens, patient):
    access, refresh = tokens
    patient.user.set_password("Another-new-pass-2026")
    patient.user.save()
    assert bearer(access).get("/api/v1/me/").status_code == 401
    assert APIClient().post(REFRESH, {"refresh_token": refresh}, format="json").status_code >= 400


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        jwt.encode({"sub": "1", "sid": "x", "jti": "y", "token_use": "access", "exp": 4102444800}, "not-our-key-" * 4),
        "Ünïcødé",
    ],
)
def test_forged_tokens_are_a_json_401(db, token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("authentication_failed", "not_authenticated")


def test_expired_token_is_refused(patient, settings):
    settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = -10
    token = access_token_for(patient.user)
    assert bearer(token).get("/api/v1/me/").status_code == 401


def test_deactivated_account_is_refused(patient):
    token = access_token_for(patient.user)
    patient.user.is_active = False
    patient.user.save()
    assert bearer(token).get("/api/v1/me/").status_code == 401


def test_api_login_shares_the_web_login_lockout(patient, password):
    from django.test import Client

    web = Client()
    for _ in range(5):  # ACCOUNT_RATE_LIMITS login_failed: 5 per 15 minutes per e-mail, on the web page
        web.post("/accounts/login/", {"login": patient.user.email, "password": "wrong-password-123"})
    response = login(patient.user.email, password)  # even the right password, through the API
    assert response.status_code in (400, 429)
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"
    assert "access_token" not in response.json().get("meta", {})


def test_access_token_lifetime_is_capped_at_five_minutes():
    assert settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN <= 300
    assert settings.HEADLESS_JWT_ROTATE_REFRESH_TOKEN is True
    assert time.time() > 0
