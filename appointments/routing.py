from django.urls import path

from appointments.consumers import CallConsumer

websocket_urlpatterns: list = [
    path("ws/calls/<int:pk>/", CallConsumer.as_asgi()),
]
