"""Mint and check Token Lab's JWTs: the algorithm is pinned, every claim is required and typed.

Threats named where they are met (RFC 8725, "JWT Best Current Practices"):
- `alg: none` and algorithm confusion (§2.1, §3.1): only `settings.JWT_ALGORITHM` is accepted, and the key is
  chosen by our `kid` table, never by the token.
- `jku`, `x5u`, embedded `jwk`/`x5c` (§3.10 of RFC 7515 security considerations): refused; nothing is fetched.
- Substitution of one token kind for another (§2.8, §3.11): access and refresh tokens differ by header `typ`
  and by the `token_type` claim, and both are checked.
- Cross-service confusion (§3.9): `iss` and `aud` are required and checked.
- Signature malleability: each segment must be canonical base64url; revocation is keyed by `jti`, never by the
  token string.
- A refresh in flight outliving "log out everywhere": every token carries `auth_time` (OpenID Connect Core §2),
  the instant its login began, identical for every token of one login however late it was minted; user cut-offs
  are compared with it, so a rotation that ran across a cut-off yields tokens that are already dead.
- Parser denial of service: a token over `MAX_TOKEN_LENGTH`, or whose header is deeply nested JSON, is refused
  before the JSON parser can recurse.
"""

import base64
import binascii
import json
import math
import re
import time
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings

from jwt_demo.keys import keyring

ACCESS = "access"
REFRESH = "refresh"
TYP = {ACCESS: "at+jwt", REFRESH: "rt+jwt"}  # RFC 9068 §2.1 names at+jwt for access tokens
MAX_HEADER_SEGMENT = 512
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_HEX32 = re.compile(r"[0-9a-f]{32}")
# `b64` (RFC 7797) would switch off payload encoding; `crit` would oblige us to understand extensions we do not.
_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit", "b64")
_MAX_NUMERIC_DATE = 10**12  # about the year 33658: bounds every arithmetic on time claims


class TokenError(Exception):
    """A token that must not be accepted. `code` is machine-readable; `detail` never echoes the token."""

    def __init__(self, detail: str, code: str = "token_not_valid"):
        super().__init__(detail)
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class Claims:
    """The checked claims of a token."""

    token_type: str
    user_id: int
    jti: str
    family: str
    issued_at_ms: int
    login_at_ms: int
    expires_at: int
    raw: dict


def new_id() -> str:
    return uuid.uuid4().hex


def _canonical_segment(segment: str) -> bytes:
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise TokenError("Token is malformed.")
    padded = segment + "=" * (-len(segment) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        raise TokenError("Token is malformed.") from None
    # Unused low bits in the last character give several spellings of the same bytes: accept only one.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
        raise TokenError("Token is malformed.")
    return raw


class TokenCodec:
    """Encode and decode Token Lab's access and refresh tokens.

    `clock` (Unix seconds, float) is the test seam for time; settings are read on every call.
    """

    clock = staticmethod(time.time)

    def encode(self, *, token_type: str, user_id: int, family: str, lifetime: int | None = None,
               expires_at: int | None = None, jti: str | None = None, extra: dict | None = None,
               login_at: float | None = None) -> tuple[str, Claims]:
        """Return a signed token of `token_type` and its claims.

        `login_at` (Unix seconds) is when the token's login began — the family's creation — and becomes the
        `auth_time` claim that revocation cut-offs are compared with; None means a login beginning now.
        """
        key = keyring().current
        now = self.clock()
        issued_at = math.floor(now * 1000) / 1000  # millisecond precision: compared with revocation cut-offs
        auth_time = issued_at if login_at is None else min(issued_at, math.floor(login_at * 1000) / 1000)
        exp = expires_at if expires_at is not None else int(now) + int(lifetime)
        payload = {
            "iss": settings.JWT_ISSUER,
            "aud": settings.JWT_AUDIENCE,
            "sub": str(user_id),
            "iat": issued_at,
            "auth_time": auth_time,
            "exp": exp,
            "jti": jti or new_id(),
            "fam": family,
            "token_type": token_type,
            **(extra or {}),
        }
        token = jwt.encode(payload, key.signing, algorithm=key.algorithm,
                           headers={"kid": key.kid, "typ": TYP[token_type]})
        return token, self._claims(payload)

    def decode(self, token: object, *, token_types: tuple[str, ...] = (ACCESS,)) -> Claims:
        """Return the checked claims of `token`, or raise TokenError. Does not consult the revocation store."""
        if not isinstance(token, str) or not token:
            raise TokenError("Token must be a non-empty string.")
        if len(token) > settings.MAX_TOKEN_LENGTH:
            raise TokenError("Token is too long.")
        segments = token.split(".")
        if len(segments) != 3:
            raise TokenError("Token is malformed.")
        if len(segments[0]) > MAX_HEADER_SEGMENT:
            raise TokenError("Token header is too large.")
        for segment in segments:
            _canonical_segment(segment)
        header = self._header(segments[0])
        expected_alg = settings.JWT_ALGORITHM
        if header.get("alg") != expected_alg:
            raise TokenError(f"Token algorithm is not allowed; this server accepts {expected_alg} only.")
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise TokenError("Token header carries a parameter this server refuses (jku, x5u, jwk, x5c, crit, b64).")
        token_type = next((t for t in token_types if header.get("typ") == TYP[t]), None)
        if token_type is None:
            raise TokenError("Token has the wrong type for this endpoint.")
        kid = header.get("kid")
        key = keyring().verifying_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenError("Token was signed with an unknown key.")
        try:
            # Time claims are checked below, against `self.clock`, with exact types; PyJWT's own checks would
            # read the wall clock and accept `true` as the NumericDate 1.
            payload = jwt.decode(
                token, key.verifying, algorithms=[expected_alg], audience=settings.JWT_AUDIENCE,
                issuer=settings.JWT_ISSUER,
                options={"require": ["exp", "iat", "jti", "sub", "iss", "aud"], "verify_sub": True,
                         "verify_jti": True, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except (jwt.PyJWTError, RecursionError, ValueError, TypeError, OverflowError):
            raise TokenError("Token is invalid.") from None
        if payload.get("token_type") != token_type:
            raise TokenError("Token has the wrong type for this endpoint.")
        claims = self._claims(payload)
        self._check_times(payload, token_type)
        return claims

    def _check_times(self, payload: dict, token_type: str) -> None:
        """Check `exp`, `nbf` and `iat` against the clock (RFC 7519 §4.1.4-4.1.6), with `JWT_LEEWAY` of skew.

        - expired when now >= exp (the current time MUST be before `exp`);
        - not yet valid when now < nbf, or when `iat` lies in the future;
        - refused when `exp - iat` exceeds the lifetime this server gives a token of its type: a token that
          claims to live until the year 10000 was not minted here, whatever key signed it (RFC 8725 §3.10 asks
          verifiers to apply their own policy, not the token's).
        """
        now, leeway = self.clock(), settings.JWT_LEEWAY
        exp, iat, nbf = payload["exp"], payload["iat"], payload.get("nbf", 0)
        if not _is_number(nbf):
            raise TokenError("Token claims are malformed.")
        lifetime = settings.ACCESS_TOKEN_LIFETIME if token_type == ACCESS else settings.REFRESH_TOKEN_LIFETIME
        if exp - iat > lifetime:
            raise TokenError("Token lifetime exceeds what this server issues.")
        # Rotation never keeps a login alive past its absolute lifetime; a token claiming an older login was not
        # minted here.
        if iat - payload["auth_time"] > settings.REFRESH_ABSOLUTE_LIFETIME + leeway:
            raise TokenError("Token belongs to a login older than this server allows.", "token_expired")
        if now >= exp + leeway:
            raise TokenError("Token is expired.", "token_expired")
        if now + leeway < nbf or now + leeway < iat:
            raise TokenError("Token is not valid yet.", "token_not_yet_valid")

    def _header(self, segment: str) -> dict:
        try:
            header = json.loads(_canonical_segment(segment))
        except (ValueError, RecursionError, UnicodeDecodeError):
            raise TokenError("Token header is not valid JSON.") from None
        if not isinstance(header, dict):
            raise TokenError("Token header is not a JSON object.")
        return header

    def _claims(self, payload: dict) -> Claims:
        sub, jti, fam, iat, exp, auth_time = (payload.get(k) for k in ("sub", "jti", "fam", "iat", "exp", "auth_time"))
        valid = (
            isinstance(sub, str) and sub.isascii() and sub.isdigit() and len(sub) <= 18
            and isinstance(jti, str) and _HEX32.fullmatch(jti)
            and isinstance(fam, str) and _HEX32.fullmatch(fam)
            and _is_number(iat) and _is_number(auth_time) and auth_time <= iat
            and isinstance(exp, int) and not isinstance(exp, bool) and abs(exp) < _MAX_NUMERIC_DATE
        )
        if not valid:
            raise TokenError("Token claims are malformed.")
        return Claims(token_type=payload["token_type"], user_id=int(sub), jti=jti, family=fam,
                      issued_at_ms=math.floor(round(iat * 1000, 3)),
                      login_at_ms=math.floor(round(auth_time * 1000, 3)), expires_at=exp, raw=payload)


def _is_number(value: object) -> bool:
    """A JSON number usable as a NumericDate: not a boolean, finite, and within ±10^12 seconds."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and abs(value) < _MAX_NUMERIC_DATE)


codec = TokenCodec()
