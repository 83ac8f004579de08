"""Issue 11: pages that only use Redis as a cache keep working while Redis is down (the directory never 500s)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    # Nothing listens on port 1: every cache call fails at once, as during a Redis restart.
    settings.CACHES = {"default": {"BACKEND": "hms.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}  # fmt: skip


def test_directory_and_doctor_page_work_without_redis(redis_down, client, doctor):
    directory = client.get(reverse("doctors:directory"))
    assert directory.status_code == 200 and doctor.user.full_name in directory.content.decode()
    assert client.get(reverse("doctors:detail", args=[doctor.pk])).status_code == 200


def test_login_and_desk_lookup_work_without_redis(redis_down, client_for, staff, patient):
    page = client_for(staff).get(reverse("appointments:desk_book"), {"q": patient.user.email})
    assert page.status_code == 200
