import time

import pytest
from django.template import Context, Template
from django.urls import reverse

from notifications.presence import is_online, online_among, presence_leave, presence_sweep, presence_touch


def test_online_while_any_tab_is_connected(db, doctor):
    assert presence_touch(doctor_id=doctor.pk, connection="tab-1") is True
    assert presence_touch(doctor_id=doctor.pk, connection="tab-2") is False
    assert presence_leave(doctor_id=doctor.pk, connection="tab-1") is False
    assert is_online(doctor.pk)
    assert presence_leave(doctor_id=doctor.pk, connection="tab-2") is True
    assert not is_online(doctor.pk)


def test_a_crashed_browser_goes_offline_after_the_ttl_and_the_sweep_reports_it(db, settings, doctor, other_doctor):
    settings.PRESENCE_TTL_SECONDS = 1
    presence_touch(doctor_id=doctor.pk, connection="crashed-tab")
    presence_touch(doctor_id=other_doctor.pk, connection="live-tab")
    assert online_among([doctor.pk, other_doctor.pk]) == {doctor.pk, other_doctor.pk}

    time.sleep(0.7)
    presence_touch(doctor_id=other_doctor.pk, connection="live-tab")  # heartbeat
    time.sleep(0.5)

    assert online_among([doctor.pk, other_doctor.pk]) == {other_doctor.pk}
    assert presence_sweep(every_seconds=1) == [doctor.pk]
    assert presence_sweep(every_seconds=1) == []  # at most once per interval


def test_presence_endpoint_is_public_and_answers_for_the_asked_doctors(client, db, doctor, other_doctor):
    presence_touch(doctor_id=doctor.pk, connection="tab")
    response = client.get(reverse("notifications:presence"), {"doctor": [doctor.pk, other_doctor.pk, "x"]})
    assert response.json() == {"online": [doctor.pk]}


@pytest.mark.parametrize("online", [True, False])
def test_badge_template_tag(db, doctor, online):
    if online:
        presence_touch(doctor_id=doctor.pk, connection="tab")
    html = Template("{% load presence %}{% doctor_presence_badge doctor %}").render(Context({"doctor": doctor}))
    assert f'data-presence-doctor="{doctor.pk}"' in html
    assert ("Online" if online else "Offline") in html
    assert "js/presence.js" in html


def test_doctor_dashboard_shows_the_doctors_own_badge(client_for, doctor):
    html = client_for(doctor.user).get(reverse("doctors:dashboard")).content.decode()
    assert f'data-presence-doctor="{doctor.pk}"' in html
