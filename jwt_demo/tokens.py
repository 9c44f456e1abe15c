"""Token Lab's access and refresh tokens: simplejwt token classes whose claims are required, typed and dated.

Every token carries `iss`/`aud` (added by the backend), `sub`, a millisecond `iat`, `auth_time`, `exp`, `jti`, the
login's family (`fam`) and `token_type`; its header carries `typ` (`at+jwt` / `rt+jwt`) and `kid`. Signing and
the structural checks live in the token backend (jwt_demo.backend); the classes here check the claims' shapes and
time; `TokenUser` is the user a verified access token names (simplejwt's `TOKEN_USER_CLASS`). Threats met here:
- A refresh in flight outliving "log out everywhere": `auth_time` (OpenID Connect Core §2) is the instant the
  token's login began, identical for every token of one login however late it was minted; user cut-offs are
  compared with it, so a rotation that ran across a cut-off yields tokens that are already dead.
- Tokens this server never minted: `exp - iat` may not exceed the lifetime this server gives a token of its type,
  and `iat - auth_time` may not exceed the absolute login lifetime (RFC 8725 §3.10: the verifier's policy, not
  the token's).

Where simplejwt reads settings at import (`AccessToken.lifetime`) or the wall clock (`Token.__init__`,
`check_exp`), these classes read settings when used and time from `codec.clock`, the one clock tests freeze.
"""

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db import transaction
from rest_framework_simplejwt import tokens as simplejwt

from accounts.principal import LazyUser
from denylist.clock import claim_ms, ms_seconds, seconds_ms
from denylist.simplejwt.claims import api_settings
from jwt_demo.backend import ACCESS, MAX_HEADER_SEGMENT, REFRESH, TYP, TokenError, TokenExpired, token_backend
from jwt_demo.families import AccountUnavailable, login_start, refresh_record

__all__ = ["ACCESS", "MAX_HEADER_SEGMENT", "REFRESH", "TYP", "AccessToken", "Claims", "RefreshToken", "TokenCodec",
           "TokenError", "TokenExpired", "TokenUser", "UntypedToken", "codec", "new_id", "user_id_claims"]

_HEX32 = re.compile(r"[0-9a-f]{32}")
_MAX_NUMERIC_DATE = 10**12  # about the year 33658: bounds every arithmetic on time claims
_LIFETIME_SETTINGS = {ACCESS: "ACCESS_TOKEN_LIFETIME", REFRESH: "REFRESH_TOKEN_LIFETIME"}  # seconds


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


def _is_number(value: object) -> bool:
    """A JSON number usable as a NumericDate: not a boolean, finite, and within ±10^12 seconds."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and abs(value) < _MAX_NUMERIC_DATE)


def claims_of(payload: dict) -> Claims:
    """Return the typed claims of a payload, or raise TokenError when one is missing or of the wrong shape."""
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
                  issued_at_ms=claim_ms(iat), login_at_ms=claim_ms(auth_time), expires_at=exp, raw=payload)


def user_id_claims(user) -> dict:
    """Return the claim simplejwt's `USER_ID_CLAIM` names, holding the user's `USER_ID_FIELD`, unless it is `sub`.

    `sub` is always the primary key, as a string (RFC 7519 §4.1.2): the revocation store and every verifier key
    users by it. A project that names another claim gets it beside `sub`, as simplejwt's `for_user` writes it (an
    integer stays one, anything else becomes a string); `sub` with another field is refused at start-up
    (jwt_demo.checks).
    """
    api = api_settings()
    if api.USER_ID_CLAIM == "sub":
        return {}
    value = getattr(user, api.USER_ID_FIELD)
    return {api.USER_ID_CLAIM: value if isinstance(value, int) and not isinstance(value, bool) else str(value)}


class _Lifetime:
    """`lifetime` read from a Token Lab setting (seconds) whenever it is asked for, on the class or an instance."""

    def __init__(self, setting: str):
        self.setting = setting

    def __get__(self, instance, owner) -> timedelta:
        return timedelta(seconds=getattr(settings, self.setting))


class TokenLabToken(simplejwt.Token):
    """What Token Lab's token classes share: the backend, the clock, the claims and the time checks.

    `accepted_types` are the kinds a string may decode as (the header `typ` and the `token_type` claim decide);
    `now` is the instant the object was made, in Unix seconds from `codec.clock`.
    """

    accepted_types: tuple[str, ...] = ()
    login_expires_at: int | None = None  # set on a minted refresh token: no token of its login outlives this

    def __init__(self, token=None, verify: bool = True):
        # Not simplejwt's __init__: it reads the wall clock and flattens backend errors into "Token is invalid".
        # Its one guard is kept: a subclass that names no type or lifetime is a TokenError, not an AttributeError.
        if getattr(self, "token_type", None) is None or getattr(self, "lifetime", None) is None:
            raise TokenError("Cannot create token with no type or lifetime.")
        self.token = token
        self.now = codec.clock()
        if token is not None:
            self.payload = self.get_token_backend().decode(token, verify=verify, token_types=self.accepted_types)
            if verify:
                self.verify()
        else:
            self.payload = {"token_type": self.token_type}
            self.set_iat()
            self.set_exp()
            self.set_jti()

    # --- simplejwt's extension points ---------------------------------------------------------------------------
    @property
    def token_backend(self):
        return token_backend

    def get_token_backend(self):
        return token_backend

    @property
    def current_time(self) -> datetime:
        return datetime.fromtimestamp(self.now, tz=UTC)

    @current_time.setter
    def current_time(self, value: datetime) -> None:
        """Move this token's clock, as assigning simplejwt's attribute does (a naive datetime is UTC, as simplejwt's
        `aware_utcnow()` returns one without USE_TZ)."""
        self.now = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()

    def set_iat(self, claim: str = "iat", at_time: datetime | None = None) -> None:
        """Date the token to the millisecond: cut-offs are compared at that precision."""
        self.payload[claim] = ms_seconds(seconds_ms(self.now if at_time is None else at_time.timestamp()))

    def set_exp(self, claim: str = "exp", from_time: datetime | None = None, lifetime: timedelta | None = None):
        start = self.now if from_time is None else from_time.timestamp()
        self.payload[claim] = int(start) + int((self.lifetime if lifetime is None else lifetime).total_seconds())

    def verify(self) -> None:
        """Check the claims' shapes, then time (RFC 7519 §4.1.4-4.1.6); raise TokenError. Signature, issuer,
        audience and type were checked by the backend."""
        self.verify_token_type()
        self.claims  # noqa: B018 - computing the claims checks their shapes
        self.check_exp()
        self.check_time()

    def verify_token_type(self) -> None:
        if self.payload.get("token_type") not in self.accepted_types:
            raise TokenError("Token has the wrong type for this endpoint.")

    def _leeway(self) -> float:
        """Seconds of clock skew allowed: the backend's leeway (`JWT_LEEWAY` unless pinned); TokenBackendError when
        it is not a number or a timedelta, as simplejwt's `get_leeway()` raises."""
        return self.get_token_backend().get_leeway().total_seconds()

    def check_exp(self, claim: str = "exp", current_time: datetime | None = None) -> None:
        """simplejwt's contract: raise TokenError when `claim` is missing or not a NumericDate, and TokenExpired
        (simplejwt's ExpiredTokenError) when it has passed — when `current_time` (this token's clock by default)
        is at or after it plus the leeway: the current time MUST be before `exp` (RFC 7519 §4.1.4)."""
        now = self.now if current_time is None else current_time.timestamp()
        # A missing or ill-typed claim is a TokenError (simplejwt's contract), never a KeyError or a TypeError.
        if claim not in self.payload:
            raise TokenError(f"Token has no '{claim}' claim.")
        expires = self.payload[claim]
        if not _is_number(expires):
            raise TokenError("Token claims are malformed.")
        if now >= expires + self._leeway():
            raise TokenExpired("Token is expired." if claim == "exp" else f"Token '{claim}' claim has expired.")

    def check_time(self) -> None:
        """Check the other time claims against this token's clock, with the same leeway; raise TokenError:

        - not yet valid when now < nbf, or when `iat` lies in the future;
        - refused when `exp - iat` exceeds the lifetime this server gives a token of its type, or when `iat` is
          further from `auth_time` than a login may last.
        """
        payload = self.payload
        now, leeway = self.now, self._leeway()
        exp, iat, nbf, auth_time = (payload.get("exp"), payload.get("iat"), payload.get("nbf", 0),
                                    payload.get("auth_time"))
        if not all(_is_number(value) for value in (exp, iat, nbf, auth_time)):
            raise TokenError("Token claims are malformed.")
        # The lifetime of the type the token is (an untyped token may be either), not of the class decoding it; a
        # type this server never issues has none, and is refused.
        lifetime = _LIFETIME_SETTINGS.get(payload.get("token_type"))
        if lifetime is None:
            raise TokenError("Token has the wrong type for this endpoint.")
        if exp - iat > getattr(settings, lifetime):
            raise TokenError("Token lifetime exceeds what this server issues.")
        # Rotation never keeps a login alive past its absolute lifetime; a token claiming an older login was not
        # minted here.
        if iat - auth_time > settings.REFRESH_ABSOLUTE_LIFETIME + leeway:
            raise TokenExpired("Token belongs to a login older than this server allows.")
        if now + leeway < nbf or now + leeway < iat:
            raise TokenError("Token is not valid yet.", "token_not_yet_valid")

    @classmethod
    def for_user(cls, user):
        """Start a new login for `user` and return its first token of this class (simplejwt's entry point).

        The login is recorded as a login through the door is: a token family (jwt_demo.families) dated now and
        admitted under the user's row lock, and for a refresh token its row, so the token refreshes through
        `/jwt/token/refresh/` with rotation, reuse detection and the login's absolute lifetime, and logout or
        log-out-everywhere ends it. Raise TokenError when the account may not log in (inactive, or a cut-off at
        this instant).
        """
        with transaction.atomic():
            try:
                family = login_start(user=user, now_ms=seconds_ms(codec.clock()), door="jwt")
            except AccountUnavailable:
                raise TokenError("No active account found for this user.", "no_active_account") from None
            return cls.for_family(family, extra=user_id_claims(user))

    @classmethod
    def for_family(cls, family, *, extra: dict | None = None):
        """Mint a token of the login `family` (a jwt_demo.models.TokenFamily), dated now, never outliving the login.

        A refresh token is recorded as issued (only a recorded one can be exchanged). Call inside a transaction.
        """
        absolute = int(family.absolute_expires_at.timestamp())
        now = codec.clock()
        lifetime = getattr(settings, _LIFETIME_SETTINGS.get(cls.token_type, "ACCESS_TOKEN_LIFETIME"))
        token = cls.for_login(user_id=family.user_id, family=family.id, login_at=family.created.timestamp(),
                              login_expires_at=absolute, expires_at=min(int(now) + lifetime, absolute), extra=extra)
        if cls.token_type == REFRESH:
            claims = token.claims
            refresh_record(jti=claims.jti, family=family, issued_at=now, expires_at=claims.expires_at)
        return token

    @classmethod
    def for_login(cls, *, user_id: int, family: str, login_at: float | None = None, expires_at: int | None = None,
                  lifetime: int | None = None, jti: str | None = None, extra: dict | None = None,
                  login_expires_at: int | None = None):
        """Mint a token of login `family` for `user_id`.

        `login_at` (Unix seconds) is when the login began and becomes `auth_time`; None means a login beginning
        now. `expires_at` wins over `lifetime` (seconds), which defaults to the type's lifetime setting.
        """
        token = cls()
        issued_at = token.payload["iat"]
        auth_time = issued_at if login_at is None else min(issued_at, ms_seconds(seconds_ms(login_at)))
        if expires_at is None:
            expires_at = int(token.now) + (int(lifetime) if lifetime is not None else
                                           int(token.lifetime.total_seconds()))
        token.payload = {
            "iss": settings.JWT_ISSUER, "aud": settings.JWT_AUDIENCE, "sub": str(user_id), "iat": issued_at,
            "auth_time": auth_time, "exp": expires_at, "jti": jti or token.payload["jti"], "fam": family,
            "token_type": cls.token_type, **(extra or {}),
        }
        token.login_expires_at = login_expires_at
        return token

    @cached_property
    def claims(self) -> Claims:
        """The typed claims; raise TokenError when their shapes are wrong."""
        return claims_of(self.payload)


class AccessToken(TokenLabToken, simplejwt.AccessToken):
    token_type = ACCESS
    accepted_types = (ACCESS,)
    lifetime = _Lifetime(_LIFETIME_SETTINGS[ACCESS])


class RefreshToken(TokenLabToken, simplejwt.RefreshToken):
    token_type = REFRESH
    accepted_types = (REFRESH,)
    lifetime = _Lifetime(_LIFETIME_SETTINGS[REFRESH])
    access_token_class = AccessToken

    @property
    def access_token(self) -> AccessToken:
        """An access token of the same login, dated now, expiring after the access lifetime or with the login.

        As simplejwt does, every claim but `token_type`, `exp`, `jti` and `iat` is copied from this token —
        `iss`, `aud`, `sub`, `auth_time` and `fam` included, bit for bit (a token lacking them yields an access
        token lacking them, which no verifier accepts). Raise TokenError when this token's `exp` is not a number.
        """
        access = self.access_token_class()
        for claim, value in self.payload.items():
            if claim not in self.no_copy_claims:
                access[claim] = value
        deadline = self.login_expires_at if self.login_expires_at is not None else self.payload.get("exp")
        if not _is_number(deadline):
            raise TokenError("Token claims are malformed.")
        access["exp"] = min(access["exp"], int(deadline))
        return access


class UntypedToken(TokenLabToken, simplejwt.UntypedToken):
    """An access or a refresh token, whichever its header and claim say (the verify endpoint takes both).

    Made from scratch it is simplejwt's: type `untyped`, lifetime zero, expired at once; signed, it carries no
    header `typ`, so nothing decodes it.
    """

    accepted_types = (ACCESS, REFRESH)


_CLASSES = {(ACCESS,): AccessToken, (REFRESH,): RefreshToken, (ACCESS, REFRESH): UntypedToken,
            (REFRESH, ACCESS): UntypedToken}
_MINTED = {ACCESS: AccessToken, REFRESH: RefreshToken}


def simplejwt_clock() -> float:
    """Now, in Unix seconds, read through simplejwt's own clock (`rest_framework_simplejwt.tokens.aware_utcnow`,
    looked up on every call): a project's tests that freeze simplejwt's time (patching it, or freezegun) freeze
    Token Lab's tokens too. A naive datetime (simplejwt's without USE_TZ) is UTC."""
    now = simplejwt.aware_utcnow()
    return (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).timestamp()


class TokenCodec:
    """Encode and decode tokens in one call, over the token classes: what tests, the benchmark and the workshop use.

    `clock` (Unix seconds, float) is the test seam for time: the token classes read it and nothing else. By
    default it is simplejwt's clock (`simplejwt_clock`).
    """

    clock = staticmethod(simplejwt_clock)

    def encode(self, *, token_type: str, user_id: int, family: str, lifetime: int | None = None,
               expires_at: int | None = None, jti: str | None = None, extra: dict | None = None,
               login_at: float | None = None) -> tuple[str, Claims]:
        """Return a signed token of `token_type` and its claims (see `TokenLabToken.for_login`)."""
        token = _MINTED[token_type].for_login(user_id=user_id, family=family, login_at=login_at,
                                              expires_at=expires_at, lifetime=lifetime, jti=jti, extra=extra)
        return str(token), token.claims

    def decode(self, token: object, *, token_types: tuple[str, ...] = (ACCESS,)) -> Claims:
        """Return the checked claims of `token`, or raise TokenError. Does not consult the revocation store."""
        return _CLASSES[tuple(token_types)](token).claims


codec = TokenCodec()


class TokenUser(LazyUser):
    """The user named by a verified access token's `sub` (see accounts.principal.LazyUser).

    simplejwt's `TOKEN_USER_CLASS` contract: built from the validated token (`TokenUser(token)`); a user id is
    taken too, for callers that hold only that (service B, the benchmark).

    The drop-in has a `TokenUser` too (`denylist.simplejwt.authentication.TokenUser`), and both must exist: that
    one is simplejwt's, for any project, and reads every attribute from the token's claims (a view that needs the
    row loads it itself); this one is Token Lab's `LazyUser`, the same principal the session door hands its views,
    so that the resources behind both doors see one kind of user, read from the database on first need.
    """

    def __init__(self, token):
        super().__init__(token if isinstance(token, int) else token.claims.user_id)
