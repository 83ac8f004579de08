from accounts.models import User


def navigation(request) -> dict:
    """The role of the signed-in user, so base.html can show the right navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    role = User.Role.SUPER_ADMIN if user.is_superuser else user.role
    context = {"nav_role": role}
    if role == User.Role.STAFF:
        # Cashiers get the billing navigation instead of the front desk's (issue 13).
        context["nav_cashier"] = user.memberships.filter(is_active=True, role="cashier").exists()
    return context
