"""simplejwt's stateless authentication with the revocation check: one round trip per request, no user query."""

from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from denylist import revocation
from denylist.simplejwt.claims import token_query


class TokenRevoked(InvalidToken):
    default_detail = "Token has been revoked."
    default_code = "token_revoked"


class DenylistJWTAuthentication(JWTStatelessUserAuthentication):
    """Authenticate a simplejwt access token, then refuse it (401 `token_revoked`) if the store revokes its `jti`,
    its login (family) or everything its user was issued before a cut-off.

    `request.user` is simplejwt's `TOKEN_USER_CLASS` built from the token, `request.auth` the validated token.
    The check fails closed: when neither Redis nor the database can answer, the backend raises and the request
    fails (a 503 behind an outage middleware such as Token Lab's), it never passes unchecked.
    """

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if self.is_revoked(token):
            raise TokenRevoked()
        return token

    def is_revoked(self, validated_token) -> bool:
        """Tell whether the store revokes this token (one Redis HMGET, or one indexed query without Redis)."""
        return revocation.is_revoked(token_query(validated_token))
