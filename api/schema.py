from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from POST /_allauth/app/v1/auth/login (meta.access_token), valid 5 minutes; "
            "renew with POST /_allauth/app/v1/tokens/refresh.",
        }


class ApiAutoSchema(AutoSchema):
    """Every operation documents the uniform error body for the refusals it can give."""

    def _get_response_bodies(self, direction="response"):
        from api.errors import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "405", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "413"]
        for code in codes:
            responses.setdefault(code, self._get_response_for_code(ErrorSerializer, code, direction=direction))
        return responses
