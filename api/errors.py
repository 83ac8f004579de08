"""Uniform JSON errors for the whole API: {"error": {"status", "code", "message", "fields"}}.

Domain refusals (each app's *Error) are 400s with their message, 403/404 keep their meaning, and nothing a
client can send turns into an HTML page or a 500."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

from appointments.services import AppointmentError, SlotTakenError
from doctors.services import DoctorError
from hms.errors import DomainError
from hospitals.services import HospitalError
from notifications.services import NotificationError
from prescriptions.services import ClinicalError

DOMAIN_ERRORS = (DomainError, AppointmentError, ClinicalError, DoctorError, HospitalError, NotificationError)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


class DomainRefusal(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


def _message(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_message(value)}" for key, value in detail.items())
    return str(detail)


def error_body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, SlotTakenError):
        exc = Conflict(str(exc), code="slot_taken")
    elif isinstance(exc, DOMAIN_ERRORS):
        exc = DomainRefusal(str(exc))
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        code, message = "invalid", str(_("The request is not valid."))
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {key: [str(item) for item in (value if isinstance(value, list) else [value])]
                      for key, value in detail.items()}  # fmt: skip
            if list(fields) == ["non_field_errors"]:
                message = " ".join(fields.pop("non_field_errors"))
        else:
            message = _message(detail)
    else:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else "error"
        message = _message(exc.detail)
    response.data = error_body(response.status_code, code, message, fields)
    return response


@csrf_exempt  # it only answers 404 and changes nothing; a POST with a bearer token must not get an HTML CSRF 403
def json_not_found(request, *args, **kwargs):
    """Any address under /api/ or /fhir/ that matches no route: a JSON 404, not the HTML page."""
    return JsonResponse(error_body(404, "not_found", str(_("Not found."))), status=404)


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
