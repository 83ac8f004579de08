"""Platform statistics: counts only, and a poke on the super admin's socket when a booking commits."""

import copy
import datetime
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from hms.asgi import application
from notifications.tests.helpers import in_fresh_thread
from reports.selectors import platform_statistics

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def _own_channel_layer(settings):
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    if "CONFIG" in layers["default"]:
        layers["default"]["CONFIG"]["prefix"] = f"test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = layers


def _cookie_for(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@pytest.mark.django_db
def test_counts_use_each_hospitals_own_today(hospital, other_hospital, doctor, other_doctor, patient):
    """Bengaluru (UTC+5:30) and Berlin: at 20:00 UTC it is already tomorrow in Bengaluru."""
    now = datetime.datetime(2026, 6, 10, 20, 0, tzinfo=datetime.UTC)
    # Bengaluru's 11 June starts at 10 June 18:30 UTC; Berlin's 10 June ends at 21:59 UTC.
    AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient, start_at=now + datetime.timedelta(hours=1))
    AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient, start_at=now - datetime.timedelta(hours=2))
    AppointmentFactory(hospital=other_hospital, doctor=other_doctor, patient=patient,
                       start_at=now + datetime.timedelta(hours=1, minutes=30))  # fmt: skip
    AppointmentFactory(hospital=other_hospital, doctor=other_doctor, patient=patient,
                       start_at=now + datetime.timedelta(hours=3), status=Appointment.Status.BOOKED)  # fmt: skip
    AppointmentFactory(hospital=other_hospital, doctor=other_doctor, patient=patient, status="cancelled",
                       start_at=now + datetime.timedelta(minutes=30))  # fmt: skip
    stats = platform_statistics(now)
    # Bengaluru's today (11 June): 21:00 UTC = 02:30 local counts; 18:00 UTC = 23:30 on 10 June does not.
    # Berlin's today (10 June): 21:30 UTC = 23:30 local counts; 23:00 UTC = 01:00 on 11 June does not; nor the
    # cancelled one.
    assert stats["counts"]["appointments_today"] == 2
    assert stats["counts"]["hospitals"] == 2 and stats["counts"]["patients"] == 1


@pytest.mark.django_db
def test_comparison_table_trends(hospital, doctor, patient):
    now = timezone.now()
    for days in (1, 2, 3):
        AppointmentFactory(
            hospital=hospital, doctor=doctor, patient=patient, start_at=now - datetime.timedelta(days=days)
        )
    AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient, start_at=now - datetime.timedelta(days=9))
    (row,) = platform_statistics(now)["hospitals"]
    assert (row.this_week, row.last_week, row.change, row.doctor_count) == (3, 1, 2, 1)


@pytest.mark.django_db
def test_platform_page_is_for_the_super_admin_only(client_for, super_admin, hospital_admin, patient,
                                                   django_assert_max_num_queries):  # fmt: skip
    client = client_for(super_admin)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:platform"))
    assert response.status_code == 200
    assert 'data-stat="appointments-today"' in response.content.decode()
    assert client_for(super_admin).get(reverse("reports:platform_live")).status_code == 200
    assert client_for(hospital_admin).get(reverse("reports:platform")).status_code == 403
    assert client_for(patient.user).get(reverse("reports:platform_live")).status_code == 403


def test_a_booking_pokes_the_super_admins_socket_and_nobody_elses(transactional_db, super_admin, patient, doctor,
                                                                  hospital):  # fmt: skip
    @database_sync_to_async
    def book():
        with transaction.atomic():
            AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient)
            AppointmentFactory(hospital=hospital, doctor=doctor, patient=patient,
                               start_at=timezone.now() + datetime.timedelta(days=3))  # fmt: skip

    async def scenario():
        admin = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, _cookie_for(super_admin)])
        other = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, _cookie_for(patient.user)])
        assert (await admin.connect())[0]
        assert (await other.connect())[0]
        await book()
        assert await admin.receive_json_from(timeout=5) == {"type": "stats"}
        assert await admin.receive_nothing(timeout=0.5)  # one poke per transaction
        assert await other.receive_nothing(timeout=0.5)
        await admin.disconnect()
        await other.disconnect()

    in_fresh_thread(async_to_sync(scenario))
