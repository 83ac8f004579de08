"""hms.asgi with the bench settings (the hello view beside every real page)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from hms.asgi import application  # noqa: F401
