"""DRF authentication for the JWT door: `Authorization: Bearer <access token>`, checked against revocation.

Built on simplejwt's chain of small steps (`get_header` → `get_raw_token` → `get_validated_token` → `get_user`)
through the revocation store's drop-in class (denylist.simplejwt); Token Lab overrides each step:
- `get_header` and `get_raw_token`: the strict header rules (printable ASCII, one space, one token);
- `get_validated_token`: Token Lab's AccessToken, its exact refusal (`detail` and `code`) instead of simplejwt's
  "Given token not valid for any token type", then the revocation check on the claims already parsed;
- `get_user`: a TokenUser that costs no query until a view needs more than the user's id.
"""

import re

from rest_framework.exceptions import APIException
from rest_framework_simplejwt.exceptions import InvalidToken as SimpleJWTInvalidToken

from denylist.simplejwt.authentication import DenylistJWTAuthentication
from jwt_demo.principal import TokenUser
from jwt_demo.services import claims_revoked
from jwt_demo.tokens import AccessToken, TokenError

_HEADER = re.compile(r"(?P<scheme>[^ \t]+)(?:(?P<separator>[ \t]+)(?P<credentials>.*))?", re.DOTALL)
REALM = 'Bearer realm="token-lab"'
_PRINTABLE_HEADER = re.compile(r"[\x20-\x7e\t]*")
_WHITESPACE = re.compile(r"\s")


class InvalidToken(SimpleJWTInvalidToken):
    """401 for a Bearer token that was presented and refused (RFC 6750 §3.1 `invalid_token`)."""

    def __init__(self, detail: str, code: str = "token_not_valid"):
        super().__init__(detail, code)
        self.www_authenticate = f'{REALM}, error="invalid_token", error_description="{detail}"'


class JWTAuthentication(DenylistJWTAuthentication):
    """Authenticate `Authorization: Bearer <token>`.

    Return None when the request carries no Authorization header or another scheme (so other authenticators
    may run); raise InvalidToken for a Bearer credential that is malformed, forged, expired, of the wrong type
    or revoked. `request.auth` is the validated AccessToken (its checked claims in `.claims`).
    """

    token_class = AccessToken
    www_authenticate_realm = "token-lab"

    def __init__(self):
        # simplejwt's constructor resolves the user model for its user lookup; this class never looks a user up.
        pass

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

    def get_raw_token(self, header: str) -> str | None:
        match = _HEADER.fullmatch(header)
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
        if _WHITESPACE.search(credentials):
            raise InvalidToken("Invalid Authorization header: the token must not contain spaces.",
                               "bad_authorization_header")
        return credentials

    def get_validated_token(self, raw_token: str) -> AccessToken:
        try:
            token = self.token_class(raw_token)
        except TokenError as exc:
            raise InvalidToken(exc.detail, exc.code) from None
        if self.is_revoked(token):
            raise InvalidToken("Token has been revoked.", "token_revoked")
        return token

    def is_revoked(self, validated_token: AccessToken) -> bool:
        return claims_revoked(validated_token.claims)

    def get_user(self, validated_token: AccessToken) -> TokenUser:
        return TokenUser(validated_token.claims.user_id)

    def authenticate_header(self, request) -> str:
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

    error_responses = {401: "An invalid Bearer token, refused even beside a valid session cookie."}

    def authenticate(self, request):
        try:
            super().authenticate(request)
        except InvalidToken as exc:
            detail = exc.detail
            error = InvalidBearerBesideSession(str(detail["detail"]), str(detail["code"]))
            error.www_authenticate = exc.www_authenticate
            raise error from None
        return None

    def authenticate_header(self, request):
        return None
