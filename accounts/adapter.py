from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.db import transaction

from accounts.models import User
from patients.services import patient_profile_create


class AccountAdapter(DefaultAccountAdapter):
    """Every sign-up (patient, doctor, hospital) goes through allauth's SignupView, so all three share its
    rate limit, signals and e-mail/password validation. A role's form adds its own records through
    `create_role_records(request, user)`; the plain signup form registers a patient."""

    @transaction.atomic
    def save_user(self, request, user: User, form, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.phone = data.get("phone", "")
        user.role = getattr(form, "signup_role", User.Role.PATIENT)
        user.save()
        if hasattr(form, "create_role_records"):
            form.create_role_records(request, user)
            return user
        patient_profile_create(user=user, date_of_birth=data.get("date_of_birth"), sex=data.get("sex") or "undisclosed")
        return user

    # Login throttling (settings.ACCOUNT_RATE_LIMITS): allauth's "login_failed" counts failures per account
    # ("key" = the e-mail tried) with a generous per-IP ceiling, so one NAT'd hospital is never locked out as a
    # whole. We add "login_failed_ip_account": failures per (IP, account), which stops one client guessing one
    # account long before the account itself locks for everybody.
    def pre_authenticate(self, request, **credentials) -> None:
        login = credentials.get("email", credentials.get("username", "")).lower()
        self._pair_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed_ip_account",
            key=f"{ratelimit.get_ip(request)}|{login}",
        )  # fmt: skip
        if not self._pair_usage:
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def _rollback_login_failed_rl_usage(self) -> None:
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_pair_usage", None)
        if usage:
            usage.rollback()
