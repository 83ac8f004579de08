from django.db.models import QuerySet

from notifications.models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def latest_notifications(user, *, limit: int = 5) -> list[Notification]:
    return list(notifications_of(user)[:limit])
