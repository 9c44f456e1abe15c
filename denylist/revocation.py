"""Revoke credentials and check them: the one entry point both doors and the account services use.

The backend is chosen by the dotted path in `settings.REVOCATION_BACKEND` (the database backend when unset),
resolved on first use (and again whenever the setting changes), never at import time.

A revocation that returned is durable; it is acknowledged — safe to report to anyone — once the block or
request it was made in has ended: a backend with a leased cache may have to wait a lease out first, and
`batch()` makes several revocations share that one wait (denylist/waits.py).
"""

import math
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from denylist import conf, waits
from denylist.backends.base import RevocationBackend
from denylist.entries import Entry, Query
from denylist.models import Revocation

_backend: RevocationBackend | None = None


def get_backend() -> RevocationBackend:
    """Return the configured backend instance (one per process)."""
    global _backend
    if _backend is None:
        _backend = import_string(conf.setting("REVOCATION_BACKEND"))()
    return _backend


@receiver(setting_changed)
def _reset_backend(*, setting, **kwargs):
    global _backend
    if setting in {"REVOCATION_BACKEND", "CACHES"}:
        _backend = None


def now_ms() -> int:
    """Return the current time in Unix milliseconds, the precision of `iat` in Token Lab's tokens."""
    return math.floor(time.time() * 1000)


def _at(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)


longest_credential_lifetime = conf.longest_credential_lifetime
batch = waits.batch  # with revocation.batch(): several revocations, at most one lease wait (at the block's end)


def revoke_token(*, jti: str, expires_at: float, user_id: int | None = None, reason: str = "") -> None:
    """Revoke one token by its `jti` until `expires_at` (Unix seconds), when it would have died anyway."""
    get_backend().revoke([Entry(Revocation.Kind.TOKEN, jti, _at(expires_at), user_id, reason=reason)])


def revoke_family(*, family: str, expires_at: float, user_id: int | None = None, reason: str = "") -> None:
    """Revoke every access and refresh token descending from one login."""
    get_backend().revoke([Entry(Revocation.Kind.FAMILY, family, _at(expires_at), user_id, reason=reason)])


def revoke_sessions(*, digests: list[str], user_id: int | None = None, reason: str = "") -> None:
    """Record ended sessions (by digest) so a cached copy of their data can never bring them back."""
    expires = _at(time.time() + settings.SESSION_COOKIE_AGE)
    get_backend().revoke([Entry(Revocation.Kind.SESSION, d, expires, user_id, reason=reason) for d in digests])


def revoke_user(*, user_id: int, reason: str = "") -> int:
    """Kill every credential of the user issued before now; return the cut-off (Unix ms).

    A credential issued in the same millisecond as the cut-off counts as before it. This function returns only
    once the clock has passed the cut-off, so that a credential the caller issues next (the new session or
    token pair after a password change) is dated after it and survives.

    The database's triggers may record more for this user in the same transaction (a project's session rows
    ended at the cut-off: sessions_demo.triggers); they are pushed to the fast path at once with the cut-off.
    """
    cutoff = now_ms() + 1
    expires = _at(cutoff / 1000 + longest_credential_lifetime())
    backend = get_backend()
    backend.revoke([Entry(Revocation.Kind.USER, str(user_id), expires, user_id, cutoff, reason)])
    backend.push_pending(user_id=user_id)
    while now_ms() < cutoff:
        time.sleep(0.001)
    return cutoff


def user_cutoff_ms(user_id: int) -> int | None:
    """Return the user's cut-off (Unix ms) as the database holds it, or None when the user has none.

    Read from the database, the source of truth, never from a cache in front of it: this is what a login is
    admitted against, under the user's row lock, and a cut-off that committed a moment ago must be seen.
    """
    return (Revocation.objects.filter(kind=Revocation.Kind.USER, key=str(user_id))
            .values_list("cutoff_ms", flat=True).first())


def is_revoked(query: Query) -> bool:
    """Tell whether the credential described by `query` is revoked. Never False when unsure (see the backend)."""
    return get_backend().is_revoked(query)


def purge(now: datetime | None = None) -> int:
    """Delete entries that no longer cover any live credential; return how many."""
    return get_backend().purge(now or datetime.now(tz=UTC) - timedelta(seconds=conf.setting("JWT_LEEWAY")))
