"""Demo accounts that are not tied to a hospital or profile."""

from accounts.models import User

DEMO_PASSWORD = "demo-pass-2026"


def demo_user(email: str, full_name: str, role: str, **extra) -> User:
    """Create the demo user once; later runs leave it (and its password) as it is."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, role=role, **extra)
    return user


def seed(demo: dict) -> None:
    demo["superadmin"] = demo_user(
        "superadmin@example.com", "Sam Superadmin", User.Role.SUPER_ADMIN, is_staff=True, is_superuser=True
    )
