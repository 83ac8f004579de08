from accounts.models import User


def navigation(request) -> dict:
    """The role of the signed-in user, so base.html can show the right navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    role = User.Role.SUPER_ADMIN if user.is_superuser else user.role
    return {"nav_role": role}
