from pharmacy.selectors import is_pharmacist


def pharmacy_nav(request) -> dict:
    """Pharmacists are hospital staff with a pharmacist membership: they get the dispensary navigation.
    One small query, and only for signed-in staff."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != "staff":
        return {"nav_pharmacist": False}
    return {"nav_pharmacist": is_pharmacist(user)}
