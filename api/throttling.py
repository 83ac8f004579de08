"""Per-user and anonymous request rates, counted in the default cache (Redis when REDIS_URL is set, so every
process shares one count). A refused request is a JSON 429 with Retry-After."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    scope = "anon"


class UserThrottle(UserRateThrottle):
    scope = "user"
