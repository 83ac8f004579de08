from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from accounts.models import User
from notifications.models import Notification


def user_group_name(user_id: int) -> str:
    return f"user-{user_id}"


def _poke(user_id: int) -> None:
    """Tell the user's open tabs that something new exists; they re-read from the database."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(user_group_name(user_id), {"type": "notification.poke"})


def notify(*, recipient: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Record a notification. Delivery (websocket poke) happens only once the caller's transaction commits,
    so a rolled-back booking tells nobody anything."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, title=title, body=body, url=url)
    transaction.on_commit(lambda: _poke(recipient.pk))
    return notification
