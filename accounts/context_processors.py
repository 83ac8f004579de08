from accounts.models import User


def navigation(request) -> dict:
    """The role of the signed-in user, so base.html can show the right navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    role = User.Role.SUPER_ADMIN if user.is_superuser else user.role
    context = {"nav_role": role}
    if role == User.Role.STAFF:
        # Cashiers get the billing navigation (issue 13), pharmacists the dispensary's (issue 14), instead of the
        # front desk's. One query for both.
        roles = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
        context["nav_cashier"] = "cashier" in roles
        context["nav_pharmacist"] = "pharmacist" in roles
    return context
