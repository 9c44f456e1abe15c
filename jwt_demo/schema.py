"""OpenAPI descriptions of the JWT door's authenticators (drf-spectacular discovers subclasses on import)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "jwt_demo.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "An access token from POST /jwt/token/ (15 minutes by default)."}


class RejectInvalidBearerScheme(OpenApiAuthenticationExtension):
    """The session door's guard against invalid Bearer tokens is not a way to authenticate: it adds no scheme.

    (An empty list as the definition of a named scheme made the document invalid OpenAPI.)
    """

    target_class = "jwt_demo.authentication.RejectInvalidBearer"
    name = []  # several names, here none: nothing is registered under components.securitySchemes
    priority = 1

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []
