"""Issue 10: CSRF protection on every POST view, checked by walking the whole URLconf.

Each URL is filled in with sample arguments and POSTed without a token by a logged-in platform admin. The CSRF
middleware runs before any view, so every view must answer with the CSRF failure view (which this test swaps for
one with its own status); a view that lost its protection (csrf_exempt) answers anything else."""

import re
import uuid

from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from accounts.models import User
from accounts.tests.factories import UserFactory

CSRF_REFUSED = 419
# Views that are CSRF-exempt on purpose, with the reason (e.g. a payment provider's signed webhook).
EXEMPT: dict[str, str] = {
    "billing.views.webhook": "the payment provider's webhook: no browser session, authenticated by its signature",
}
# Bearer-token APIs (REST, FHIR, allauth's headless "app" client): a cookie never authenticates them, so CSRF cannot
# apply. The walk still posts to them with the signed-in super admin's cookie: none of them may accept it.
TOKEN_ONLY_PREFIXES = ("/api/", "/fhir/", "/_allauth/app/")
SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}


def csrf_refused(request, reason=""):
    return HttpResponse(f"CSRF refused: {reason}", status=CSRF_REFUSED)


def _sample(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "x"), route)
    # Regex patterns (the Django admin): named groups become "1", anchors go.
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    return route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _sample(str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + _sample(str(entry.pattern)), entry


def _views():
    seen = {}
    for path, entry in _walk(get_resolver().url_patterns):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.func is not entry.callback:
            continue  # an earlier pattern owns this sample path; it is checked as itself
        seen.setdefault(path, f"{entry.callback.__module__}.{entry.callback.__name__}")
    return seen


VIEWS = _views()


def test_the_walk_reaches_every_app():
    modules = {name.rsplit(".", 2)[0].split(".")[0] for name in VIEWS.values()}
    for app in ("accounts", "appointments", "doctors", "hospitals", "notifications", "patients", "prescriptions"):
        assert app in modules, f"no URL of {app} was reached by the walk"
    assert len(VIEWS) > 80


def test_every_post_without_a_token_is_refused(db, settings):
    settings.CSRF_FAILURE_VIEW = "accounts.tests.test_csrf_everywhere.csrf_refused"
    admin = UserFactory(email="csrf-root@example.org", role=User.Role.SUPER_ADMIN, is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    unprotected = []
    for path, view in sorted(VIEWS.items()):
        if view in EXEMPT:
            continue
        if path.startswith(TOKEN_ONLY_PREFIXES):
            status = client.post(path, {"x": "1"}).status_code
            if status < 400:
                unprotected.append(f"{path} ({view}): {status} with only a session cookie")
            continue
        status = client.post(path, {"x": "1"}).status_code
        if status != CSRF_REFUSED:
            unprotected.append(f"{path} ({view}): {status}")
    assert not unprotected, "POST without a CSRF token was not refused by:\n" + "\n".join(unprotected)
