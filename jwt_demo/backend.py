"""Token Lab's simplejwt token backend: the only place a JWT is signed or its signature checked.

simplejwt's `TokenBackend` trusts PyJWT with the whole token and builds its key, algorithm and audience once, at
import. This subclass reads every setting on each call (pytest's `settings` fixture and key rotation take effect
at once) and, before PyJWT sees a byte, applies the rules of RFC 8725 ("JWT Best Current Practices"):
- `alg: none` and algorithm confusion (§2.1, §3.1): only `settings.JWT_ALGORITHM` is accepted, and the key is
  chosen by our `kid` table (jwt_demo.keys), never by the token.
- `jku`, `x5u`, embedded `jwk`/`x5c` (RFC 7515 §10): refused; nothing is fetched. `b64` (RFC 7797) would switch
  off payload encoding; `crit` would oblige us to understand extensions we do not.
- Substitution of one token kind for another (§2.8, §3.11): access and refresh tokens differ by header `typ`
  (RFC 9068 §2.1 names `at+jwt`) and by the `token_type` claim, and both are checked here.
- Cross-service confusion (§3.9): `iss` and `aud` are required and checked.
- Signature malleability: each segment must be canonical base64url (one token, one spelling).
- Parser denial of service: a token over `MAX_TOKEN_LENGTH`, or whose header is deeply nested JSON, is refused
  before the JSON parser can recurse.
Claim shapes and time (`exp`, `nbf`, `iat`, `auth_time`) are checked by the token classes (jwt_demo.tokens)
against the codec's clock, which tests freeze; PyJWT's own time checks would read the wall clock.

Verifying is the JWT door's largest cost after the revocation round trip (PyJWT's base64url and signature checks,
our canonical-spelling checks): a bounded per-process memory of verified tokens (`VerifiedTokens`) spares it for
a token presented again. It remembers only what cannot change for one token string — its structure, header,
signature, issuer, audience and type — never a time check (the token classes redo those on every request) and
never a revocation answer (the store is asked on every request).
"""

import base64
import binascii
import json
import re
import threading
from collections import OrderedDict
from datetime import timedelta

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenBackendError
from rest_framework_simplejwt.exceptions import TokenError as SimpleJWTTokenError

from denylist.simplejwt.claims import api_settings
from httpkit.refusals import TokenRefused
from jwt_demo.keys import Key, KeyRing, keyring

ACCESS = "access"
REFRESH = "refresh"
TYP = {ACCESS: "at+jwt", REFRESH: "rt+jwt"}  # RFC 9068 §2.1 names at+jwt for access tokens
MAX_HEADER_SEGMENT = 512
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit", "b64")
_ANY_TYPE = (ACCESS, REFRESH)


def header_types() -> tuple[str, ...]:
    """The schemes `AUTH_HEADER_TYPES` accepts (simplejwt takes one string or a sequence of them)."""
    types = api_settings().AUTH_HEADER_TYPES
    return (types,) if isinstance(types, str) else tuple(types)


def challenge() -> str:
    """The `WWW-Authenticate` challenge: the first of `AUTH_HEADER_TYPES` (`Bearer` by default) and the realm."""
    return f'{header_types()[0]} realm="token-lab"'


class TokenError(SimpleJWTTokenError, TokenRefused):
    """A token that must not be accepted. `code` is machine-readable; `detail` never echoes the token.

    A subclass of simplejwt's TokenError, so simplejwt's own code paths (its views turn one into a 401) treat it
    as theirs; not a TokenBackendError, which simplejwt's `Token.__init__` would flatten into "Token is invalid".
    A refused token (httpkit.refusals.TokenRefused) to the HTTP edge: a token presented in a body or a cookie and
    refused is a 401 with `www_authenticate`, the door's Bearer challenge and RFC 6750's `invalid_token`.
    """

    def __init__(self, detail: str, code: str = "token_not_valid"):
        super().__init__(detail, code)

    @property
    def www_authenticate(self) -> str:
        return f'{challenge()}, error="invalid_token"'


class TokenExpired(TokenError, ExpiredTokenError):
    """A token whose `exp` (or another expiry claim) has passed: simplejwt's `ExpiredTokenError` too, code
    `token_expired`, so code written against simplejwt's exception types catches it as it would simplejwt's."""

    def __init__(self, detail: str = "Token is expired.", code: str = "token_expired"):
        super().__init__(detail, code)


def canonical_segment(segment: str) -> bytes:
    """Return the bytes of a base64url segment, or raise TokenError unless it is their one canonical spelling."""
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


class VerifiedTokens:
    """Remember up to `size` tokens whose every check in `TokenLabBackend.decode` passed: token → payload.

    Keyed by the exact token string plus what the checks depended on (accepted types, algorithm, issuer,
    audience): a re-spelled token (a malleated signature) is another key, verified afresh and refused. An entry
    counts only while its key is still the ring's key for its `kid`, so a rotated-out key (or new settings, which
    build a new ring) sends the token through verification again. Oldest entries go first; payloads are copied
    in and out, so no caller can alter what is remembered. Safe across threads.
    """

    def __init__(self, size: int, ring=keyring):
        self.size = size
        self.ring = ring
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _context(token: str, token_types: tuple[str, ...]) -> tuple:
        return token, token_types, settings.JWT_ALGORITHM, settings.JWT_ISSUER, settings.JWT_AUDIENCE

    def get(self, token: str, token_types: tuple[str, ...]) -> dict | None:
        """Return a copy of the remembered payload, or None (never verified here, or its key is gone)."""
        if self.size <= 0:
            return None
        key = self._context(token, token_types)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        kid, signer, payload = entry
        if self.ring().verifying_key(kid) is not signer:
            with self._lock:
                self._entries.pop(key, None)
            return None
        return dict(payload)

    def put(self, token: str, token_types: tuple[str, ...], kid: str, signer: "Key", payload: dict) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[self._context(token, token_types)] = (kid, signer, dict(payload))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class TokenLabBackend(TokenBackend):
    """Sign and verify Token Lab's tokens with the `kid` key ring; every setting is read when it is used.

    `decode(token, token_types=...)` returns the payload of a token whose structure, header, signature, issuer,
    audience and type check out, or raises TokenError with the reason. It does not check time or the claims'
    shapes (the token classes do) and never consults the revocation store.
    """

    verified_cache_size = 4096  # tokens remembered as verified, per process (0: verify every time)

    def __init__(self, algorithm: str | None = None, signing_key=None, verifying_key="", audience=None,
                 issuer=None, jwk_url: str | None = None, leeway=None, json_encoder=None):
        """With no argument (the door's backend), read algorithm, keys, issuer, audience and leeway from the
        settings on every call. With simplejwt's arguments, pin the ones given to this instance: `algorithm` and
        its keys (an HMAC secret or PEM text, under the same strength rules), `audience`, `issuer`, `leeway`;
        what is not given still comes from the settings (`iss` and `aud` are always written and required).
        `json_encoder` is passed to `jwt.encode`. Raise TokenBackendError for an algorithm or key this server
        refuses, and for `jwk_url`: keys are never fetched from a URL (RFC 8725 §3.10, RFC 7515 §10)."""
        # simplejwt's constructor captures its settings for the life of the process (and may build a JWKS client
        # that fetches keys from a URL): the door's backend reads them lazily instead.
        if jwk_url:
            raise TokenBackendError("Token Lab never fetches verifying keys from a URL; list them in "
                                    "JWT_VERIFYING_KEYS.")
        self.jwks_client = None
        self.json_encoder = json_encoder
        self._ring = None
        if algorithm is not None:
            try:
                self._ring = KeyRing.from_material(algorithm, signing_key or verifying_key, verifying_key)
            except ImproperlyConfigured as exc:
                raise TokenBackendError(str(exc)) from None
        self._audience, self._issuer, self._leeway = audience, issuer, leeway
        # A pinned backend remembers nothing: its keys are not the ring the cache is checked against.
        self.verified = VerifiedTokens(self.verified_cache_size if self._ring is None else 0, self.keyring)

    def keyring(self) -> KeyRing:
        return self._ring if self._ring is not None else keyring()

    # --- settings, read on every use (unless pinned by the constructor) ----------------------------------------
    @property
    def algorithm(self) -> str:
        return self._ring.algorithm if self._ring is not None else settings.JWT_ALGORITHM

    @property
    def audience(self) -> str:
        return self._audience if self._audience is not None else settings.JWT_AUDIENCE

    @property
    def issuer(self) -> str:
        return self._issuer if self._issuer is not None else settings.JWT_ISSUER

    @property
    def leeway(self) -> int:
        return self._leeway if self._leeway is not None else settings.JWT_LEEWAY

    @leeway.setter
    def leeway(self, value) -> None:
        """Pin the leeway to this instance, as assigning simplejwt's attribute does; None reads `JWT_LEEWAY` again."""
        self._leeway = value

    def get_leeway(self) -> timedelta:
        leeway = self.leeway
        if isinstance(leeway, timedelta):
            return leeway
        if isinstance(leeway, (int, float)) and not isinstance(leeway, bool):
            return timedelta(seconds=leeway)
        raise TokenBackendError(f"Unrecognized type '{type(leeway)}', 'leeway' must be of type int, float or "
                                "timedelta.")

    @property
    def prepared_signing_key(self):
        return self.keyring().current.signing

    @property
    def prepared_verifying_key(self):
        return self.keyring().current.verifying

    def get_verifying_key(self, token) -> object:
        """Return the verifying key named by the token's `kid`, or raise TokenError: the ring is the only source."""
        raw = token.decode("ascii", "replace") if isinstance(token, bytes) else str(token)
        header = self._header(raw.split(".", 1)[0])
        return self._key(header).verifying

    # --- signing ------------------------------------------------------------------------------------------------
    def encode(self, payload: dict) -> str:
        """Sign `payload` with the current key; the header names its `kid` and the `typ` of its `token_type`."""
        key = self.keyring().current
        claims = {**payload, "iss": self.issuer, "aud": self.audience}
        headers = {"kid": key.kid}
        typ = TYP.get(payload.get("token_type"))
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(claims, key.signing, algorithm=key.algorithm, headers=headers,
                          json_encoder=self.json_encoder or api_settings().JSON_ENCODER)

    # --- verifying ----------------------------------------------------------------------------------------------
    def decode(self, token, verify: bool = True, *, token_types: tuple[str, ...] = _ANY_TYPE) -> dict:
        """Return the checked payload of `token` (str, or ASCII bytes as simplejwt's authentication passes it).

        `token_types` are the kinds the caller accepts; the header `typ` picks one and the `token_type` claim must
        agree. `verify=False` (simplejwt's contract) skips the signature only, never the structural checks.
        """
        if isinstance(token, bytes):
            try:
                token = token.decode("ascii")
            except UnicodeDecodeError:
                raise TokenError("Token is malformed.") from None
        if not isinstance(token, str) or not token:
            raise TokenError("Token must be a non-empty string.")
        if len(token) > settings.MAX_TOKEN_LENGTH:
            raise TokenError("Token is too long.")
        if verify and (payload := self.verified.get(token, token_types)) is not None:
            return payload
        segments = token.split(".")
        if len(segments) != 3:
            raise TokenError("Token is malformed.")
        if len(segments[0]) > MAX_HEADER_SEGMENT:
            raise TokenError("Token header is too large.")
        for segment in segments:
            canonical_segment(segment)
        header = self._header(segments[0])
        expected_alg = self.algorithm
        if header.get("alg") != expected_alg:
            raise TokenError(f"Token algorithm is not allowed; this server accepts {expected_alg} only.")
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise TokenError("Token header carries a parameter this server refuses (jku, x5u, jwk, x5c, crit, b64).")
        token_type = next((t for t in token_types if header.get("typ") == TYP[t]), None)
        if token_type is None:
            raise TokenError("Token has the wrong type for this endpoint.")
        key = self._key(header)
        try:
            # Time claims are checked by the token classes, against the codec's clock and with exact types;
            # PyJWT's own checks would read the wall clock and accept `true` as the NumericDate 1.
            payload = jwt.decode(
                token, key.verifying, algorithms=[expected_alg], audience=self.audience, issuer=self.issuer,
                options={"require": ["exp", "iat", "jti", "sub", "iss", "aud"], "verify_sub": True,
                         "verify_jti": True, "verify_exp": False, "verify_nbf": False, "verify_iat": False,
                         "verify_signature": verify},
            )
        except (jwt.PyJWTError, RecursionError, ValueError, TypeError, OverflowError):
            raise TokenError("Token is invalid.") from None
        if payload.get("token_type") != token_type:
            raise TokenError("Token has the wrong type for this endpoint.")
        if verify:
            self.verified.put(token, token_types, header["kid"], key, payload)
        return payload

    def _header(self, segment: str) -> dict:
        try:
            header = json.loads(canonical_segment(segment))
        except (ValueError, RecursionError, UnicodeDecodeError):
            raise TokenError("Token header is not valid JSON.") from None
        if not isinstance(header, dict):
            raise TokenError("Token header is not a JSON object.")
        return header

    def _key(self, header: dict) -> Key:
        kid = header.get("kid")
        key = self.keyring().verifying_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenError("Token was signed with an unknown key.")
        return key


token_backend = TokenLabBackend()
