"""OpenAPI descriptions of the JWT door's authenticators (drf-spectacular discovers subclasses on import)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "jwt_demo.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "An access token from POST /jwt/token/ (15 minutes by default)."}


class RejectInvalidBearerScheme(OpenApiAuthenticationExtension):
    target_class = "jwt_demo.authentication.RejectInvalidBearer"
    name = "rejectInvalidBearer"
    priority = 1

    def get_security_definition(self, auto_schema):
        return []
