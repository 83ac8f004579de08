from django.urls import path

from notifications import consumers

websocket_urlpatterns: list = [
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
    path("ws/presence/", consumers.PresenceConsumer.as_asgi()),
]
