"""The API's one authentication class: allauth's headless JWT (the same login, rate limits and MFA as the web).

Access tokens are validated against their login session (HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED), so logging
out or changing the password revokes them at once. Deactivated accounts are refused like a bad token."""

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed


class JWTAuthentication(JWTTokenAuthentication):
    def authenticate(self, request):
        try:
            result = super().authenticate(request)
        except (ValueError, UnicodeError) as error:  # undecodable garbage in the header
            raise AuthenticationFailed(_("Invalid token.")) from error
        if result is None:
            return None
        user, payload = result
        if not user.is_active:
            raise AuthenticationFailed(_("This account is deactivated."))
        return user, payload
