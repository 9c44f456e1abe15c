"""Token families: start a login (admitted, dated, recorded), record each refresh token issued in it, mark its use.

The door's record of refresh-token use is these rows, not the revocation store's entries the drop-in writes
(denylist.rotation says why there are two); what a use means is settled by `denylist.rotation.refresh_use_settle`.

Below both the token classes (`for_user` starts a login here) and the door's services (logins and rotation):
it mints nothing and reads no clock; callers pass the instant.
"""

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import update_last_login

from accounts.admission import LoginRefused, login_admit, login_instant
from denylist.clock import ms_datetime
from denylist.simplejwt.claims import api_settings
from httpkit.refusals import CredentialsRefused
from jwt_demo.models import RefreshToken, TokenFamily


class BadCredentials(CredentialsRefused):
    """No login for these credentials: one refusal, in simplejwt's words, for an unknown user, a wrong password, an
    inactive account and a refused admission alike (nothing to tell an attacker which)."""

    default_detail = "No active account found with the given credentials."
    default_code = "no_active_account"


class AccountUnavailable(BadCredentials):
    """The login was refused (accounts.admission): the account was deleted, deactivated, given a new password or
    logged out everywhere while its password was being checked. No token is issued."""


def login_start(*, user, now_ms: int, door: str, ip: str | None = None, user_agent: str = "") -> TokenFamily:
    """Admit a login of `user` under its row lock and record its token family; raise AccountUnavailable.

    Call inside a transaction. The family is dated at the login instant (accounts.admission): when the password
    check that returned `user` began, or `now_ms` for a login made without one. Honours simplejwt's
    `UPDATE_LAST_LOGIN` (off in Token Lab's settings: a write per login), as simplejwt's login serializer does.
    """
    at_ms = login_instant(user, issued_at_ms=now_ms)
    try:
        login_admit(user=user, at_ms=at_ms)
    except LoginRefused:
        raise AccountUnavailable() from None
    created = ms_datetime(at_ms)
    family = TokenFamily.objects.create(
        id=uuid.uuid4().hex, user=user, door=door, created=created,
        absolute_expires_at=created + timedelta(seconds=settings.REFRESH_ABSOLUTE_LIFETIME),
        user_agent=user_agent[:300], ip=ip,
    )
    if api_settings().UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return family


def refresh_record(*, jti: str, family: TokenFamily, issued_at: float, expires_at: int) -> None:
    """Record that the refresh token `jti` of `family` was issued: only a recorded token can be exchanged."""
    RefreshToken.objects.create(jti=jti, family=family, issued_at=datetime.fromtimestamp(issued_at, tz=UTC),
                                expires_at=datetime.fromtimestamp(expires_at, tz=UTC))


def refresh_token_rotate(*, jti: str, family_id: str, now: datetime) -> bool:
    """Mark the refresh token `jti` of the family rotated at `now`; tell whether this call did (its first use).

    One conditional UPDATE (`rotated_at IS NULL`, not expired): of concurrent calls for one token, on any database,
    exactly one changes the row. A token never recorded, or expired, is never rotated.
    """
    return bool(RefreshToken.objects.filter(jti=jti, family_id=family_id, rotated_at__isnull=True,
                                            expires_at__gt=now).update(rotated_at=now))


def refresh_token_rotated(*, jti: str, family_id: str) -> bool:
    """Tell whether the refresh token `jti` of the family was recorded and already rotated: a use of it is reuse."""
    row = RefreshToken.objects.filter(jti=jti, family_id=family_id).first()
    return row is not None and row.rotated_at is not None
