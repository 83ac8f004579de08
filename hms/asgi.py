"""ASGI entry point: HTTP through Django, websockets through Channels (one Daphne process serves both)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
django_asgi_app = get_asgi_application()

from ops.runtime import register_server_process  # noqa: E402

register_server_process("asgi")  # `manage.py restore` refuses while this process lives

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from hms.routing import websocket_urlpatterns  # noqa: E402
from hms.websocket_origin import SameOriginValidator  # noqa: E402
from notifications.scheduler import maybe_start_from_environment  # noqa: E402

# `make run` (embedded mode, no Celery beat): reminders run in this process (see notifications.scheduler).
maybe_start_from_environment()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin checked (same scheme/host/port as the request, host in ALLOWED_HOSTS) before any consumer runs:
        # a page on another site or another port cannot open a socket with our user's cookies.
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
