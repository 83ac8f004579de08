import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import Notification, NotificationPreference
from notifications.tests.factories import NotificationFactory

LIST = reverse("notifications:list")
SUMMARY = reverse("notifications:summary")
READ_ALL = reverse("notifications:mark_all_read")
PREFS = reverse("notifications:preferences")


@pytest.mark.parametrize("url", [LIST, SUMMARY, PREFS])
def test_anonymous_visitors_are_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_list_shows_own_items_linking_to_what_they_are_about(client_for, patient, other_patient):
    NotificationFactory(recipient=patient.user, title="Appointment confirmed", url="/dashboard/")
    NotificationFactory(recipient=other_patient.user, title="Someone else's news")

    response = client_for(patient.user).get(LIST)

    html = response.content.decode()
    assert '<a href="/dashboard/">Appointment confirmed</a>' in html
    assert "Someone else" not in html
    assert "Mark read" in html


def test_list_query_count_does_not_grow_with_rows(client_for, patient, django_assert_max_num_queries):
    client = client_for(patient.user)
    NotificationFactory(recipient=patient.user)
    with django_assert_max_num_queries(8) as one:
        client.get(LIST)
    NotificationFactory.create_batch(24, recipient=patient.user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(LIST)


def test_summary_gives_unread_count_and_latest_items(client_for, patient, other_patient):
    for title in ["First", "Second", "Third"]:
        NotificationFactory(recipient=patient.user, title=title)
    NotificationFactory(recipient=other_patient.user, title="Not yours")

    data = client_for(patient.user).get(SUMMARY).json()

    assert data["unread"] == 3
    assert [item["title"] for item in data["items"]] == ["Third", "Second", "First"]
    assert set(data["items"][0]) == {"id", "kind", "kind_label", "title", "body", "url", "read", "created_at"}


def test_mark_one_read_by_post_with_csrf(patient):
    from django.test import Client

    notification = NotificationFactory(recipient=patient.user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient.user)
    url = reverse("notifications:mark_read", args=[notification.pk])

    assert client.post(url).status_code == 403  # no CSRF token
    client.get(LIST)
    response = client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, "next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_someone_elses_notification_is_404(client_for, patient, other_patient):
    theirs = NotificationFactory(recipient=other_patient.user)
    response = client_for(patient.user).post(reverse("notifications:mark_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_is_post_only(client_for, patient):
    notification = NotificationFactory(recipient=patient.user)
    assert client_for(patient.user).get(reverse("notifications:mark_read", args=[notification.pk])).status_code == 405


def test_mark_all_read(client_for, patient, other_patient):
    NotificationFactory.create_batch(2, recipient=patient.user)
    theirs = NotificationFactory(recipient=other_patient.user)

    response = client_for(patient.user).post(READ_ALL, follow=True)

    assert "Marked 2 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=patient.user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_offsite_next_is_ignored(client_for, patient):
    response = client_for(patient.user).post(READ_ALL, {"next": "https://evil.example/"})
    assert response["Location"] == LIST


def test_preferences_page_saves_choices(client_for, db):
    user = UserFactory(phone="+919800000003")
    client = client_for(user)
    page = client.get(PREFS).content.decode()
    assert "E-mail for new appointment" in page

    response = client.post(PREFS, {"email_appointment_reminder": "on", "sms_appointment_reminder": "on"}, follow=True)

    assert "Your notification settings are saved." in response.content.decode()
    reminder = NotificationPreference.objects.get(user=user, kind="appointment_reminder")
    assert (reminder.email, reminder.sms) == (True, True)
    booked = NotificationPreference.objects.get(user=user, kind="appointment_booked")
    assert (booked.email, booked.sms) == (False, False)


def test_without_a_phone_sms_stays_off_whatever_is_posted(client_for, patient):
    client = client_for(patient.user)
    assert "SMS needs a phone number" in client.get(PREFS).content.decode()
    client.post(PREFS, {"email_appointment_reminder": "on", "sms_appointment_reminder": "on"})
    assert NotificationPreference.objects.get(user=patient.user, kind="appointment_reminder").sms is False


def test_bell_and_settings_link_on_every_page(client_for, patient):
    NotificationFactory.create_batch(2, recipient=patient.user)
    html = client_for(patient.user).get(reverse("patients:dashboard")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in html
    assert f'data-summary-url="{SUMMARY}"' in html
    assert "js/notifications.js" in html
    assert f'href="{PREFS}">Notification settings' in html
