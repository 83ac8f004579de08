"""Websocket origin check (issue 11): the page that opens a socket must come from this very site.

Channels' AllowedHostsOriginValidator compares only the host name, so a page on any port of an allowed host
(another service on the same machine) could open sockets with our users' cookies. Here the Origin must match the
request's Host exactly, port included (default ports by scheme), and the host must be in ALLOWED_HOSTS. A request
without a Host header (never a browser's) is held to the host check with a default port."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def origin_allowed(origin: str, host_header: str | None) -> bool:
    try:
        parts = urlsplit(origin)
        origin_host, origin_port = parts.hostname or "", str(parts.port or DEFAULT_PORTS.get(parts.scheme, ""))
    except ValueError:
        return False
    if not origin_host or not origin_port or not validate_host(origin_host, settings.ALLOWED_HOSTS):
        return False
    if host_header is None:
        return origin_port == DEFAULT_PORTS[parts.scheme]
    host, port = split_domain_port(host_header)
    return host == origin_host.lower() and (port or DEFAULT_PORTS[parts.scheme]) == origin_port


class SameOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin1")
        host = headers.get(b"host")
        if origin and origin_allowed(origin, host.decode("latin1") if host is not None else None):
            return await self.application(scope, receive, send)
        denier = WebsocketDenier()
        return await denier(scope, receive, send)
