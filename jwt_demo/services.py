"""JWT door flows: log in (one path for every password login of the door), rotate refresh tokens, log out.

Views call these and let their refusals through: a TokenError (a refused token), BadCredentials (a refused
login), LoginThrottled / RefreshThrottled; the HTTP edge (httpkit.refusals) answers each by its kind.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import AuthEvent
from accounts.services import auth_event_record, user_authenticate
from denylist import clock, revocation, rotation
from denylist.entries import Query
from denylist.reasons import Reason
from denylist.simplejwt.claims import api_settings
from jwt_demo import tokens
from jwt_demo.families import (
    AccountUnavailable,
    BadCredentials,
    login_start,
    refresh_token_rotate,
    refresh_token_rotated,
)
from jwt_demo.models import RefreshToken, TokenFamily
from jwt_demo.throttling import refresh_throttle
from jwt_demo.tokens import ACCESS, REFRESH, Claims, TokenError, codec, user_id_claims

__all__ = ["AccountUnavailable", "BadCredentials", "TokenPair", "claims_revoked", "refresh_claims_revoked",
           "refresh_token_logout", "token_family_end", "token_login", "token_logout", "token_pair_issue",
           "token_refresh", "token_verify"]

logger = logging.getLogger("tokenlab.jwt")


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_claims: Claims
    refresh_claims: Claims
    user: object = None  # the user whose login the pair starts (None for a pair minted by rotation)

    def body(self) -> dict:
        return {"access": self.access, "refresh": self.refresh}


def _now() -> datetime:
    return datetime.fromtimestamp(codec.clock(), tz=UTC)


def _issue(*, family: TokenFamily, extra: dict, user=None) -> TokenPair:
    """Mint a refresh token (recorded by jti) and an access token of `family`, neither outliving the login."""
    refresh = tokens.RefreshToken.for_family(family, extra=extra)
    access = refresh.access_token
    return TokenPair(str(access), str(refresh), access.claims, refresh.claims, user=user)


def _lock_active_user(user_id: int) -> bool:
    """Lock the user's row for this transaction; tell whether the account still exists and is active.

    Rotations take this lock first (logins take it through accounts.admission), and so does a deletion
    (accounts.models): a deletion then never meets a refresh row it did not see, and a rotation never outlives
    the account.
    """
    return get_user_model()._base_manager.select_for_update().filter(pk=user_id, is_active=True).exists()


@transaction.atomic
def token_pair_issue(*, user, door: str = "jwt", ip: str | None = None, user_agent: str = "") -> TokenPair:
    """Start a new login (a token family) for `user` and return its first pair.

    The family is dated at the login instant (accounts.admission): when the password check that returned `user`
    began, or now for a login made without one. Every token of the login carries it as `auth_time`, which user
    cut-offs are compared with; the login's absolute lifetime counts from it too. The login is admitted under
    the user's row lock, in this transaction: raise AccountUnavailable when it is refused.
    """
    family = login_start(user=user, now_ms=clock.seconds_ms(codec.clock()), door=door, ip=ip,
                         user_agent=user_agent)
    return _issue(family=family, extra=user_id_claims(user), user=user)


def token_login(*, username: str, password: str, door: str = "jwt", ip: str | None = None, user_agent: str = "",
                replaces: object = None) -> TokenPair:
    """Log in with a password; return the first pair of the new login (`.user` is the user).

    The one password login of the door: the token endpoint (simplejwt's login serializer) and the hybrid login
    both come here. The check is accounts' (throttled, recorded as an auth event, the login instant taken); the
    login starts in token_pair_issue. Raise accounts.throttling.LoginThrottled, checking nothing, when the account
    or the address is throttled; BadCredentials for an unknown user, a wrong password or an inactive account
    alike; AccountUnavailable (a BadCredentials) when admission refuses a login that overlapped a change of the
    account.

    `replaces` is a refresh token the client held until now (the hybrid login's cookie): once the password has
    checked out, its login ends rather than live on unreachable. A refused login ends nothing.
    """
    user = user_authenticate(username=username, password=password, door=door, ip=ip, user_agent=user_agent)
    if user is None:
        raise BadCredentials()
    if replaces:
        refresh_token_logout(refresh=replaces, door=door, ip=ip, user_agent=user_agent)
    return token_pair_issue(user=user, door=door, ip=ip, user_agent=user_agent)


def claims_revoked(claims: Claims) -> bool:
    """Tell whether the token's jti, family or user cut-off revokes it (one Redis round trip with Redis).

    Always False while the teaching toggle `REVOCATION_ENABLED` is off: access tokens then live until `exp`.
    """
    if not settings.REVOCATION_ENABLED:
        return False
    return revocation.is_revoked(Query(jti=claims.jti, family=claims.family, user_id=claims.user_id,
                                       issued_at_ms=claims.login_at_ms))


def refresh_claims_revoked(claims: Claims) -> bool:
    """Tell whether a refresh token's jti, family or user cut-off revokes it.

    Checked whatever the teaching toggle (`REVOCATION_ENABLED`) says: the toggle shows an access token living
    on until `exp` without a denylist, but the refresh endpoint is stateful anyway, and it is where revocation
    happens — a "log out everywhere" must not leave a refresh token minting access tokens for ever.
    """
    return revocation.is_revoked(Query(jti=claims.jti, family=claims.family, user_id=claims.user_id,
                                       issued_at_ms=claims.login_at_ms))


def token_refresh(*, refresh: object) -> TokenPair:
    """Exchange a refresh token for a new pair; the presented token dies (rotation).

    At most one successor: the use is recorded on the token's row by a single conditional UPDATE
    (`families.refresh_token_rotate`), under the user's row lock and in the transaction that mints the successor,
    so of two concurrent refreshes of one token only one wins. The other — and any later replay — is reuse
    (RFC 9700 §4.14.2), settled by rotation's one rule (`denylist.rotation.refresh_use_settle`, which the drop-in
    follows too): the whole family is ended, which ends the login for the thief and the victim alike, and the
    reuse is recorded as an auth event.
    Raise jwt_demo.throttling.RefreshThrottled, rotating nothing, when the login is over `REFRESH_RATE`.
    """
    claims = codec.decode(refresh, token_types=(REFRESH,))
    if refresh_claims_revoked(claims):
        raise TokenError("Token has been revoked.", "token_revoked")
    # Per login, before anything is written: a client looping on refresh gets 429 and nothing rotates.
    refresh_throttle.hit(family=claims.family)
    now = _now()
    pair = None
    with transaction.atomic():
        active = _lock_active_user(claims.user_id)
        won = refresh_token_rotate(jti=claims.jti, family_id=claims.family, now=now)
        family = TokenFamily.objects.filter(pk=claims.family, user_id=claims.user_id).first()
        if won and active and family is not None and family.revoked_at is None and family.absolute_expires_at > now:
            family.last_refreshed = now
            family.save(update_fields=["last_refreshed"])
            claim = api_settings().USER_ID_CLAIM
            extra = {claim: claims.raw[claim]} if claim != "sub" and claim in claims.raw else {}
            pair = _issue(family=family, extra=extra)
            use = rotation.Use.FIRST
        elif not won and refresh_token_rotated(jti=claims.jti, family_id=claims.family) and family is not None:
            use = rotation.Use.REUSED
        else:
            use = rotation.Use.REFUSED
    try:
        rotation.refresh_use_settle(use=use, login_end=lambda reason: _login_end_on_reuse(family, reason=reason))
    except rotation.RefreshReused:
        raise TokenError("Token has already been used; every token of this login has been revoked.",
                         "token_reused") from None
    except rotation.RefreshRefused:
        raise TokenError("Token is invalid or revoked.") from None
    return pair


@transaction.atomic
def _login_end_on_reuse(family: TokenFamily, *, reason: str) -> None:
    token_family_end(family=family, reason=reason)
    auth_event_record(kind=AuthEvent.Kind.REFRESH_REUSE, user=family.user, door=family.door,
                      detail=f"family {family.id[:8]} revoked")


def token_family_end(*, family: TokenFamily, reason: str) -> None:
    """End one login of the door: mark its family row ended and revoke the family in the store, so every access
    and refresh token of it stops working at the next request (the row is what the console shows)."""
    TokenFamily.objects.filter(pk=family.pk, revoked_at__isnull=True).update(revoked_at=_now(), revoked_reason=reason)
    revocation.revoke_family(family=family.id, expires_at=family.absolute_expires_at.timestamp(),
                             user_id=family.user_id, reason=reason)


@transaction.atomic
def token_logout(*, claims: Claims, refresh: str | None = None) -> None:
    """Log out the login of this access token (its family), and the login of `refresh` if it is the caller's.

    One transaction: with Redis unreachable, its revocations share one lease wait (denylist.waits).
    """
    families = {claims.family}
    if refresh:
        try:
            refresh_claims = codec.decode(refresh, token_types=(REFRESH,))
        except TokenError:
            refresh_claims = None  # expired or foreign: nothing of the caller's to end
        if refresh_claims is not None and refresh_claims.user_id == claims.user_id:
            families.add(refresh_claims.family)
    for family in TokenFamily.objects.filter(pk__in=families, user_id=claims.user_id):
        token_family_end(family=family, reason=Reason.LOGOUT)
    # The access token itself, even if its family row is gone (e.g. purged): revoke by jti too.
    revocation.revoke_token(jti=claims.jti, expires_at=claims.expires_at, user_id=claims.user_id, reason=Reason.LOGOUT)


def refresh_token_logout(*, refresh: object, door: str = "hybrid", ip: str | None = None,
                         user_agent: str = "") -> TokenFamily | None:
    """End the login (family) of a refresh token: the hybrid flow's logout, where only the cookie is at hand.

    A token whose signature, type and expiry check out ends its family even if it was already rotated: logging
    out is the owner's wish, not an exchange. Return the family, or None when the token is not valid (nothing
    of anyone's to end).
    """
    try:
        claims = codec.decode(refresh, token_types=(REFRESH,))
    except TokenError:
        return None
    family = TokenFamily.objects.filter(pk=claims.family, user_id=claims.user_id).select_related("user").first()
    if family is None:
        return None
    with transaction.atomic():
        token_family_end(family=family, reason=Reason.LOGOUT)
        auth_event_record(kind=AuthEvent.Kind.LOGOUT, user=family.user, door=door, ip=ip, user_agent=user_agent)
    return family


def token_verify(*, token: object) -> Claims:
    """Return the claims of a valid, unrevoked access or refresh token; raise TokenError otherwise.

    A refresh token must also still be exchangeable: one already rotated away, or whose login has ended, is
    refused (one query), so verify never vouches for a token that refresh would answer with reuse detection.
    """
    claims = codec.decode(token, token_types=(ACCESS, REFRESH))
    if refresh_claims_revoked(claims) if claims.token_type == REFRESH else claims_revoked(claims):
        raise TokenError("Token has been revoked.", "token_revoked")
    if claims.token_type == REFRESH and not RefreshToken.objects.filter(
        jti=claims.jti, family_id=claims.family, family__user_id=claims.user_id, rotated_at__isnull=True,
        family__revoked_at__isnull=True,
    ).exists():
        raise TokenError("Token has been rotated away or its login has ended.", "token_revoked")
    return claims
