"""Revoke simplejwt tokens: one login (logout), every login of a user (logout-all), and a refresh token's use.

A refresh token's use is recorded here as an entry of the revocation store, not as a row per issued token as the
JWT door does: stock simplejwt records nothing when it issues a token (denylist.rotation says why there are two
records, and settles what a use means for both).
"""

import time
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from denylist import revocation
from denylist.models import Revocation
from denylist.reasons import Reason
from denylist.rotation import Use
from denylist.simplejwt.claims import FAMILY_CLAIM, api_settings, login_family

ROTATED = Reason.ROTATED  # the `reason` of a refresh token's entry once it has been exchanged


def user_key(value):
    """The user id as the store's `user_id` column holds it (an integer), or None for another kind of id."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def login_expiry(token) -> float:
    """Unix seconds by which every token of this token's login has expired, once nothing rotates it any more."""
    api = api_settings()
    longest = max(api.ACCESS_TOKEN_LIFETIME, api.REFRESH_TOKEN_LIFETIME).total_seconds()
    return max(token["exp"], time.time() + longest)


def refresh_token_use(*, jti: str, expires_at: float, user_id=None) -> str | None:
    """Record that the refresh token `jti` has been exchanged; return None for its first exchange.

    Otherwise return the reason of the entry found in its place: "rotated" for a token exchanged before (reuse),
    another reason for a token revoked by other means. The insert decides, under the store's unique (kind, key)
    constraint, so of concurrent exchanges of one token exactly one wins, on every database.
    """
    try:
        with transaction.atomic():
            Revocation.objects.create(kind=Revocation.Kind.TOKEN, key=jti, user_id=user_key(user_id),
                                      expires_at=datetime.fromtimestamp(expires_at, tz=UTC), reason=ROTATED,
                                      synced=False)
    except IntegrityError:
        reasons = Revocation.objects.filter(kind=Revocation.Kind.TOKEN, key=jti).values_list("reason", flat=True)
        return next(iter(reasons), "") or Reason.REVOKED
    # The row is durable; now the fast path (a Redis backend pushes it and marks it synced).
    revocation.revoke_token(jti=jti, expires_at=expires_at, user_id=user_key(user_id), reason=ROTATED)
    return None


def refresh_token_use_record(*, jti: str, expires_at: float, user_id=None) -> Use:
    """Record one exchange of the refresh token `jti` (`refresh_token_use`) and say what it found, for
    `denylist.rotation.refresh_use_settle`: its first use, a reuse, or a token revoked by other means."""
    previous = refresh_token_use(jti=jti, expires_at=expires_at, user_id=user_id)
    if previous is None:
        return Use.FIRST
    return Use.REUSED if previous == ROTATED else Use.REFUSED


def token_login_end(*, token, reason: str) -> None:
    """End the login `token` belongs to in the store (its family): every token carrying it stops working at the
    next request. The drop-in keeps no row per login: the store's family entry is the whole of it."""
    user_id = token.get(api_settings().USER_ID_CLAIM)
    revocation.revoke_family(family=login_family(token), expires_at=login_expiry(token), user_id=user_key(user_id),
                             reason=reason)


@transaction.atomic
def token_logout(*, access, refresh: str | None = None) -> None:
    """End the login of a validated access token (its `jti` and its family), and that of `refresh` if it is valid
    and the same user's. A refresh token that does not validate ends nothing: it was nobody's to end."""
    api = api_settings()
    user_id = access.get(api.USER_ID_CLAIM)
    revocation.revoke_token(jti=access[api.JTI_CLAIM], expires_at=access["exp"], user_id=user_key(user_id),
                            reason=Reason.LOGOUT)
    if access.get(FAMILY_CLAIM):
        token_login_end(token=access, reason=Reason.LOGOUT)
    if not refresh:
        return
    try:
        token = RefreshToken(refresh)
    except TokenError:
        return
    if token.get(api.USER_ID_CLAIM) != user_id:
        return
    revocation.revoke_token(jti=token[api.JTI_CLAIM], expires_at=token["exp"], user_id=user_key(user_id),
                            reason=Reason.LOGOUT)
    token_login_end(token=token, reason=Reason.LOGOUT)


def user_logout_all(*, user_id) -> None:
    """End every token of the user issued before now (a cut-off): log out everywhere."""
    revocation.revoke_user(user_id=user_id, reason=Reason.LOGOUT_EVERYWHERE)
