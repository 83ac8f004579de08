"""A request id on every request and every log line it causes (and on the response, for support tickets).

nginx sends its own `$request_id` as X-Request-ID (deploy/nginx/hms-proxy.conf), so proxy and app logs join on it;
without a proxy we make one."""

import contextvars
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = request_id_var.get()
            if request_id == "-":  # Django logs a response's status after the middleware returned it
                request_id = getattr(getattr(record, "request", None), "request_id", "-")
            record.request_id = request_id
        return True
