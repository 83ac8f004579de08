"""All websocket routes, collected from the apps that own them."""

from appointments.routing import websocket_urlpatterns as appointment_routes
from notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*notification_routes, *appointment_routes]
