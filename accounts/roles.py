"""Role checks in one place (views use the decorator, templates use the navigation context)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import User

Role = User.Role


def user_has_role(user, *roles: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if Role.SUPER_ADMIN in roles and user.is_superuser:
        return True
    return user.role in roles


def role_required(*roles: str) -> Callable:
    """Anonymous visitors go to the login page; a signed-in user of another role gets 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, *roles):
                raise PermissionDenied("This page is not available for your account.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
