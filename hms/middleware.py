import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string


class RejectNulCharactersMiddleware:
    """A NUL character in a query string or form field is never legitimate input, and PostgreSQL refuses
    it in text columns (a 500 deep inside a search). Answer such a request with a plain 400 instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            return self._bad_request(request)
        # allauth's headless API reads the raw body itself (JSON only): parsing a multipart form here would consume
        # the stream and turn its body read into a 500.
        if (
            request.method == "POST"
            and not request.path.startswith("/_allauth/")
            and request.content_type
            in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
        ):
            for values in request.POST.lists():
                if any("\x00" in value for value in values[1]):
                    return self._bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _bad_request(request):
        if request.path.startswith(("/api/", "/fhir/")):  # API clients get the API's JSON error body
            from django.http import JsonResponse

            from api.errors import error_body

            return JsonResponse(error_body(400, "invalid", "NUL characters are not allowed."), status=400)
        return HttpResponseBadRequest(render_to_string("400.html", request=request))


class SessionIdleRefreshMiddleware:
    """Idle expiry with few writes: a signed-in session is saved (pushing its expiry SESSION_COOKIE_AGE ahead)
    only when SESSION_REFRESH_SECONDS have passed since it was last pushed, not on every request."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it and renews the cookie
        return response


@receiver(user_logged_in)
def _session_refreshed_at_login(sender, request, user, **kwargs):
    """Login writes the session anyway: stamp it, so the next minute of requests writes nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionIdleRefreshMiddleware.KEY] = int(time.time())
