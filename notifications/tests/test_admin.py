from django.urls import reverse

from hms.celery import app
from notifications.models import Delivery, DeliveryAttempt
from notifications.tests.factories import NotificationFactory


def test_super_admin_sees_the_delivery_log(client_for, super_admin):
    delivery = Delivery.objects.create(notification=NotificationFactory(title="Booked"), channel="email", attempts=2)
    DeliveryAttempt.objects.create(delivery=delivery, number=1, outcome="failed", error="SMTPConnectError: 421")
    DeliveryAttempt.objects.create(delivery=delivery, number=2, outcome="sent")
    client = client_for(super_admin)

    listing = client.get(reverse("admin:notifications_delivery_changelist")).content.decode()
    detail = client.get(reverse("admin:notifications_delivery_change", args=[delivery.pk])).content.decode()
    log = client.get(reverse("admin:notifications_deliveryattempt_changelist")).content.decode()

    assert "Booked" in listing
    assert "SMTPConnectError: 421" in detail and "Sent" in detail
    assert "SMTPConnectError: 421" in log


def test_other_roles_do_not_get_the_admin(client_for, doctor):
    response = client_for(doctor.user).get(reverse("admin:notifications_delivery_changelist"))
    assert response.status_code == 302


def test_beat_runs_the_reminder_task_every_minute(settings):
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps' tasks
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks
