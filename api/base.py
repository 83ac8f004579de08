"""What every API view shares: role gates per action, scoped single-object fetches (out of scope = 404),
junk ids as a JSON 404, a cap on the body size, and the access-log helper for clinical reads."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, viewsets
from rest_framework.exceptions import NotFound

from accounts.models import User
from accounts.roles import user_has_role
from api.errors import PayloadTooLarge
from hms.inputs import parse_id
from patients.services import log_clinical_read

SUPER_ADMIN, HOSPITAL_ADMIN, STAFF = User.Role.SUPER_ADMIN, User.Role.HOSPITAL_ADMIN, User.Role.STAFF
DOCTOR, PATIENT = User.Role.DOCTOR, User.Role.PATIENT
EVERYONE = (SUPER_ADMIN, HOSPITAL_ADMIN, STAFF, DOCTOR, PATIENT)


class RoleGate(permissions.BasePermission):
    """`view.roles[action]` lists who may call an action at all (403 for other signed-in roles); which objects
    they reach is the scoped queryset's business (404), and what they may change is the service's (403/400)."""

    message = _("Your account cannot do this.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        allowed = getattr(view, "roles", {}).get(getattr(view, "action", None), EVERYONE)
        return user_has_role(request.user, *allowed)


def check_body_size(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise PayloadTooLarge()


def parse_pk(value) -> int:
    pk = parse_id(value)
    if pk is None:
        raise NotFound()
    return pk


class ApiMixin:
    """Body cap, and anonymous callers throttled before they are refused (so guessing tokens is limited too)."""

    permission_classes = [permissions.IsAuthenticated, RoleGate]

    def initial(self, request, *args, **kwargs):
        check_body_size(request)
        super().initial(request, *args, **kwargs)

    def check_permissions(self, request):
        if not request.user.is_authenticated:
            super().check_throttles(request)
            self._throttled_already = True
        super().check_permissions(request)

    def check_throttles(self, request):
        if not getattr(self, "_throttled_already", False):
            super().check_throttles(request)


class ApiViewSet(ApiMixin, viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"  # anything else falls through to the JSON 404
    roles: dict[str, tuple] = {}

    def get_object(self):
        obj = (
            self.get_queryset().filter(pk=parse_pk(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field))).first()
        )
        if obj is None:
            raise NotFound()
        self.check_object_permissions(self.request, obj)
        return obj

    def paged(self, queryset, serializer_class=None):
        serializer_class = serializer_class or self.get_serializer_class()
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


def log_read(request, *, patient, kind: str, object_id=None, hospital_id=None) -> None:
    """The same access-log row the web pages write (patients.services.log_clinical_read)."""
    log_clinical_read(request, patient=patient, kind=kind, object_id=object_id, hospital_id=hospital_id)
