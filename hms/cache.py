"""A Redis cache that degrades instead of failing (issue 11).

The cache only ever holds copies (presence, rate-limit counters, cached fragments): while Redis is down a read is
a miss and a write is dropped, so pages that only use Redis as a cache keep working from the database (the public
directory must never answer 500). Rate limits fail open for that time; the outage is logged once a minute."""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("hms.cache")
_last_warning = 0.0


def _warn(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("Redis cache unavailable, serving without it: %s", error)


def _degrading(name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except RedisError as error:
            _warn(error)
            if name == "incr":
                raise ValueError("cache unavailable") from error  # callers treat it like a missing key
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    get = _degrading("get", lambda key, default=None, version=None: default)
    get_many = _degrading("get_many", {})
    set = _degrading("set", None)
    set_many = _degrading("set_many", [])
    add = _degrading("add", False)
    touch = _degrading("touch", False)
    delete = _degrading("delete", False)
    delete_many = _degrading("delete_many", None)
    has_key = _degrading("has_key", False)
    incr = _degrading("incr", None)
