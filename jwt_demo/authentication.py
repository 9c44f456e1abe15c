"""DRF authentication for the JWT door: `Authorization: Bearer <access token>`, checked against revocation.

Built on simplejwt's chain of small steps (`get_header` → `get_raw_token` → `get_validated_token` → `get_user`),
which simplejwt's `authenticate()` runs; Token Lab overrides each step:
- `get_header` and `get_raw_token`: the strict header rules (printable ASCII, one space, one token), on the
  header `AUTH_HEADER_NAME` names and the schemes `AUTH_HEADER_TYPES` lists, read on every call; both speak bytes,
  as simplejwt's do (a `str` is taken too);
- `get_validated_token`: Token Lab's AccessToken, its exact refusal (`detail` and `code`) instead of simplejwt's
  "Given token not valid for any token type", then the revocation check on the claims already parsed;
- `get_user`: simplejwt's `TOKEN_USER_CLASS` built from the validated token; Token Lab names its own TokenUser
  there, which costs no query until a view needs more than the user's id.

It subclasses simplejwt's stateless class, not the drop-in's (`denylist.simplejwt.authentication.
DenylistJWTAuthentication`), although both end in the same store: what the two share is simplejwt's chain, and
every step the drop-in adds is one the door replaces — the drop-in validates stock simplejwt tokens and asks the
store through their claims (`token_query`), the door validates its own `AccessToken` and asks through the claims
that class has already checked (`jwt_demo.services.claims_revoked`, which also honours the lab's
`REVOCATION_ENABLED` toggle); the drop-in hands views simplejwt's `TokenUser` with a typed id, the door its own.
Inheriting the drop-in's class would only have hidden that nothing of it runs.
"""

import re

from rest_framework.authentication import HTTP_HEADER_ENCODING
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken as SimpleJWTInvalidToken

from denylist.simplejwt.claims import api_settings
from jwt_demo.backend import challenge, header_types
from jwt_demo.services import claims_revoked
from jwt_demo.tokens import AccessToken, TokenError

_HEADER = re.compile(r"(?P<scheme>[^ \t]+)(?:(?P<separator>[ \t]+)(?P<credentials>.*))?", re.DOTALL)
REALM = 'Bearer realm="token-lab"'  # the challenge with the default AUTH_HEADER_TYPES; see `challenge()`
_PRINTABLE_HEADER = re.compile(r"[\x20-\x7e\t]*")
_WHITESPACE = re.compile(r"\s")


class InvalidToken(SimpleJWTInvalidToken):
    """401 for a Bearer token that was presented and refused (RFC 6750 §3.1 `invalid_token`)."""

    def __init__(self, detail: str, code: str = "token_not_valid"):
        super().__init__(detail, code)
        self.www_authenticate = f'{challenge()}, error="invalid_token", error_description="{detail}"'


def _bad_header(detail: str) -> InvalidToken:
    return InvalidToken(f"Invalid Authorization header: {detail}", "bad_authorization_header")


class JWTAuthentication(JWTStatelessUserAuthentication):
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

    def get_header(self, request) -> bytes | None:
        """Return the header `AUTH_HEADER_NAME` names (`HTTP_AUTHORIZATION` by default) as bytes, or None."""
        raw = request.META.get(api_settings().AUTH_HEADER_NAME)
        if raw is None:
            return None
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("ascii")
            except UnicodeDecodeError:
                raise _bad_header("it must be printable ASCII.") from None
        # Every character must be printable ASCII or a tab. (Testing the whole string with `isprintable()` and
        # excusing any tab in it let "Bearer\t<token>\x00" through to the token parser.)
        if not _PRINTABLE_HEADER.fullmatch(raw):
            raise _bad_header("it must be printable ASCII.")
        return raw.strip().encode(HTTP_HEADER_ENCODING)

    def get_raw_token(self, header: bytes | str) -> bytes | None:
        """Return the token of `<scheme> <token>` for a scheme of `AUTH_HEADER_TYPES` (compared without regard to
        case, RFC 9110 §11.1), None for another scheme or an empty header; raise InvalidToken when malformed."""
        if isinstance(header, bytes):
            try:
                header = header.decode("ascii")
            except UnicodeDecodeError:
                raise _bad_header("it must be printable ASCII.") from None
        match = _HEADER.fullmatch(header)
        scheme = None if match is None else next(
            (t for t in header_types() if t.lower() == match["scheme"].lower()), None)
        if scheme is None:
            return None
        credentials = match["credentials"] or ""
        # RFC 9110 §11.4 / RFC 6750 §2.1: `Bearer 1*SP token`. A tab is not a separator; refusing it (rather than
        # reading past it) keeps every parser on the path from a proxy to here agreeing on what the token is.
        if "\t" in (match["separator"] or ""):
            raise _bad_header(f"separate {scheme} and the token with a space.")
        if not credentials:
            raise _bad_header(f"no token after {scheme}.")
        if _WHITESPACE.search(credentials):
            raise _bad_header("the token must not contain spaces.")
        return credentials.encode(HTTP_HEADER_ENCODING)

    def get_validated_token(self, raw_token: str) -> AccessToken:
        try:
            token = self.token_class(raw_token)
        except TokenError as exc:
            raise InvalidToken(exc.detail, exc.code) from None
        if self.is_revoked(token):
            raise InvalidToken("Token has been revoked.", "token_revoked")
        return token

    def is_revoked(self, validated_token: AccessToken) -> bool:
        """Tell whether the store revokes this token (one round trip; see `jwt_demo.services.claims_revoked`)."""
        return claims_revoked(validated_token.claims)

    def get_user(self, validated_token: AccessToken):
        """Return `TOKEN_USER_CLASS(validated_token)` (Token Lab's settings name jwt_demo.tokens.TokenUser)."""
        return api_settings().TOKEN_USER_CLASS(validated_token)

    def authenticate_header(self, request) -> str:
        return challenge()


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
