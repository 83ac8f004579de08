"""The production settings plus one bare "hello" view (bench/urls.py), the yardstick of bench/load.py."""

from hms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
