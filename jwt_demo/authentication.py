"""DRF authentication for the JWT door: `Authorization: Bearer <access token>`, checked against revocation."""

import re

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed

from denylist import revocation
from denylist.entries import Query
from jwt_demo.principal import TokenUser
from jwt_demo.tokens import ACCESS, Claims, TokenError, codec

_HEADER = re.compile(r"(?P<scheme>[^ \t]+)(?:(?P<separator>[ \t]+)(?P<credentials>.*))?", re.DOTALL)
REALM = 'Bearer realm="token-lab"'
_PRINTABLE_HEADER = re.compile(r"[\x20-\x7e\t]*")


class InvalidToken(AuthenticationFailed):
    """401 for a Bearer token that was presented and refused (RFC 6750 §3.1 `invalid_token`)."""

    default_code = "token_not_valid"

    def __init__(self, detail: str, code: str = "token_not_valid"):
        super().__init__(detail, code)
        self.www_authenticate = f'{REALM}, error="invalid_token", error_description="{detail}"'


def claims_revoked(claims: Claims) -> bool:
    """Tell whether the token's jti, family or user cut-off revokes it (one Redis round trip with Redis)."""
    if not settings.REVOCATION_ENABLED:
        return False
    return revocation.is_revoked(Query(jti=claims.jti, family=claims.family, user_id=claims.user_id,
                                       issued_at_ms=claims.login_at_ms))


class JWTAuthentication(BaseAuthentication):
    """Authenticate `Authorization: Bearer <token>`.

    Return None when the request carries no Authorization header or another scheme (so other authenticators
    may run); raise InvalidToken for a Bearer credential that is malformed, forged, expired, of the wrong type
    or revoked. Steps are separate methods so that subclasses and the benchmark can swap one.
    """

    def authenticate(self, request):
        raw = self.get_header(request)
        if raw is None:
            return None
        match = _HEADER.fullmatch(raw)
        if match is None or match["scheme"].lower() != "bearer":
            return None
        credentials = match["credentials"] or ""
        # RFC 9110 §11.4 / RFC 6750 §2.1: `Bearer 1*SP token`. A tab is not a separator; refusing it (rather than
        # reading past it) keeps every parser on the path from a proxy to here agreeing on what the token is.
        if "\t" in (match["separator"] or ""):
            raise InvalidToken("Invalid Authorization header: separate Bearer and the token with a space.",
                               "bad_authorization_header")
        if not credentials:
            raise InvalidToken("Invalid Authorization header: no token after Bearer.", "bad_authorization_header")
        if re.search(r"\s", credentials):
            raise InvalidToken("Invalid Authorization header: the token must not contain spaces.",
                               "bad_authorization_header")
        claims = self.get_validated_claims(credentials)
        if claims_revoked(claims):
            raise InvalidToken("Token has been revoked.", "token_revoked")
        return TokenUser(claims.user_id), claims

    def get_header(self, request) -> str | None:
        raw = request.META.get("HTTP_AUTHORIZATION")
        if raw is None:
            return None
        # Every character must be printable ASCII or a tab. (Testing the whole string with `isprintable()` and
        # excusing any tab in it let "Bearer\t<token>\x00" through to the token parser.)
        if not _PRINTABLE_HEADER.fullmatch(raw):
            raise InvalidToken("Invalid Authorization header: it must be printable ASCII.",
                               "bad_authorization_header")
        return raw.strip()

    def get_validated_claims(self, token: str) -> Claims:
        try:
            return codec.decode(token, token_types=(ACCESS,))
        except TokenError as exc:
            raise InvalidToken(exc.detail, exc.code) from None

    def authenticate_header(self, request):
        return REALM


class InvalidBearerBesideSession(APIException):
    status_code = 401
    default_code = "token_not_valid"


class RejectInvalidBearer(JWTAuthentication):
    """For the session door: refuse a request whose Bearer token is invalid, even beside a valid session cookie.

    A valid Bearer token does not authenticate a session-door request (that door authenticates by cookie); it
    passes through to SessionAuthentication. An invalid one is an attack or a bug, and is answered 401 rather
    than ignored. `authenticate_header` stays None so that a plain anonymous request keeps DRF's 403.
    """

    def authenticate(self, request):
        try:
            super().authenticate(request)
        except InvalidToken as exc:
            error = InvalidBearerBesideSession(exc.detail, exc.get_codes())
            error.www_authenticate = exc.www_authenticate
            raise error from None
        return None

    def authenticate_header(self, request):
        return None
