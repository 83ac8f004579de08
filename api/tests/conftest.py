"""API fixtures: real JWTs from allauth's headless strategy (a real login session behind each), and a small
clinical world for the access matrix (the patients app's `records`)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from patients.tests.conftest import access_log_flushable, care_appointment, records  # noqa: F401


def access_token_for(user) -> str:
    """A token exactly as /_allauth/app/v1/auth/login issues it, minted without re-hashing the password."""
    from allauth.headless.tokens.strategies.jwt.internal import create_access_token
    from django.contrib.sessions.backends.db import SessionStore

    client = Client()
    client.force_login(user)
    session = SessionStore(client.cookies["sessionid"].value)
    session.load()
    return create_access_token(user, session, {})


@pytest.fixture
def api_for():
    """api_for(user) -> an APIClient sending that user's bearer token (anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
        return client

    return make
