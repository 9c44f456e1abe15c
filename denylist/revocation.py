"""Revoke credentials and check them: the one entry point both doors and the account services use.

The backend is chosen by the dotted path in `settings.REVOCATION_BACKEND` (the database backend when unset),
resolved on first use (and again whenever the setting changes), never at import time.

A revocation that returned is durable; it is acknowledged — safe to report to anyone — once the block or
request it was made in has ended: a backend with a leased cache may have to wait a lease out first, and
`batch()` makes several revocations share that one wait (denylist/waits.py).

It is also the only way into the store for the rest of the project (an import-linter contract keeps
`denylist.models` and `denylist.backends` inside `denylist`): the questions other apps ask — a user's cut-offs,
"revoked before" as a SQL condition for lists, why a session or a user's logins ended, the Redis copy's status —
are functions here, and time is spoken in `denylist.clock`'s Unix milliseconds.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.module_loading import import_string

from denylist import conf, waits
from denylist.backends.base import RevocationBackend
from denylist.clock import ms_datetime, now_ms, seconds_datetime
from denylist.entries import Entry, Query
from denylist.expressions import EpochMicroseconds
from denylist.models import PasswordRehash, Revocation

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


# `now_ms` (denylist.clock) is named here too: the store's callers read the clock as `revocation.now_ms()`, which
# is also the seam a test replaces to move the clock of every revocation and login at once.
longest_credential_lifetime = conf.longest_credential_lifetime
batch = waits.batch  # with revocation.batch(): several revocations, at most one lease wait (at the block's end)


def revoke_token(*, jti: str, expires_at: float, user_id: int | None = None, reason: str = "") -> None:
    """Revoke one token by its `jti` until `expires_at` (Unix seconds), when it would have died anyway."""
    get_backend().revoke([Entry(Revocation.Kind.TOKEN, jti, seconds_datetime(expires_at), user_id, reason=reason)])


def revoke_family(*, family: str, expires_at: float, user_id: int | None = None, reason: str = "") -> None:
    """Revoke every access and refresh token descending from one login."""
    get_backend().revoke([Entry(Revocation.Kind.FAMILY, family, seconds_datetime(expires_at), user_id, reason=reason)])


def revoke_sessions(*, digests: list[str], user_id: int | None = None, reason: str = "") -> None:
    """Record ended sessions (by digest) so a cached copy of their data can never bring them back."""
    expires = seconds_datetime(time.time() + settings.SESSION_COOKIE_AGE)
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
    expires = ms_datetime(cutoff) + timedelta(seconds=longest_credential_lifetime())
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


def user_cutoffs(user_ids: Iterable[int]) -> dict[int, int]:
    """Return {user id: cut-off in Unix ms} of the given users that have one, from the database (one query)."""
    ids = {int(u) for u in user_ids}
    if not ids:
        return {}
    rows = Revocation.objects.filter(kind=Revocation.Kind.USER, key__in=[str(u) for u in ids])
    return {int(key): cutoff for key, cutoff in rows.values_list("key", "cutoff_ms") if cutoff is not None}


@dataclass(frozen=True)
class Ending:
    """Why and when the store says a credential ended: the entry's `reason` ("" when none was given) and `at`."""

    reason: str
    at: datetime


def user_cutoff_ending(user_id: int, *, after_ms: int | None = None) -> Ending | None:
    """Return the user's (latest) cut-off as an Ending, or None: no cut-off, or none later than `after_ms`."""
    row = (Revocation.objects.filter(kind=Revocation.Kind.USER, key=str(user_id))
           .values_list("reason", "cutoff_ms").first())
    if row is None or row[1] is None or (after_ms is not None and row[1] <= after_ms):
        return None
    return Ending(row[0], ms_datetime(row[1]))


def session_ending(digest: str) -> Ending | None:
    """Return why and when the session of this digest was recorded as ended (`revoke_sessions`), or None."""
    row = Revocation.objects.filter(kind=Revocation.Kind.SESSION, key=digest).values_list("reason", "created").first()
    return Ending(*row) if row is not None else None


def revoked_before_q(*, created: str = "created", user: str = "user_id") -> models.Q:
    """Return a condition on any model: true for rows whose login began (datetime field `created`) strictly before
    the cut-off of their user (field `user`) — the SQL twin of `Query.matches` for USER entries, exact to the
    microsecond on SQLite and PostgreSQL, for lists and counts that cannot ask row by row."""
    behind = (Revocation.objects.filter(kind=Revocation.Kind.USER, user_id=models.OuterRef(user))
              .annotate(cutoff_us=models.F("cutoff_ms") * 1000)
              .filter(cutoff_us__gt=EpochMicroseconds(models.OuterRef(created))))
    return models.Q(models.Exists(behind))


def entry_counts() -> dict[str, int]:
    """Return how many entries the database holds, by kind label ("user cut-off": 3, ...), zeros included."""
    labels = dict(Revocation.Kind.choices)
    counts = dict.fromkeys(labels.values(), 0)
    for row in Revocation.objects.values("kind").annotate(n=models.Count("id")):
        counts[labels.get(row["kind"], row["kind"])] = row["n"]
    return counts


def user_entry_count(user_id: int) -> int:
    """Return how many entries the store holds about the user (any kind)."""
    return Revocation.objects.filter(user_id=user_id).count()


@dataclass(frozen=True)
class CopyStatus:
    """The Redis copy of the store: `state` is "unavailable" (none, or unreachable), "cold" (no lease), "expired"
    or "trusted" (a caller without Redis says "disabled"); `entries` counts its fields by kind label;
    `lease_until` is when the lease runs out; `truncated` when counting stopped at the limit."""

    state: str
    entries: dict = field(default_factory=dict)
    lease_until: datetime | None = None
    truncated: bool = False


def copy_status(now: datetime | None = None, *, limit: int = 200_000) -> CopyStatus:
    """Read the Redis copy of the configured backend: its entries by kind (at most `limit` counted) and its lease."""
    from redis.exceptions import RedisError

    from denylist.backends.redis_layout import copy_fields

    copy = get_backend().redis_copy()
    if copy is None:
        return CopyStatus("unavailable")
    labels = dict(Revocation.Kind.choices)
    counts = dict.fromkeys(labels.values(), 0)
    try:
        lease, kinds, truncated = copy_fields(*copy, limit=limit)
    except RedisError:
        return CopyStatus("unavailable")
    for kind, n in kinds.items():
        if kind in labels:
            counts[labels[kind]] += n
    if lease is None:
        return CopyStatus("cold", counts, truncated=truncated)
    until = ms_datetime(lease)
    return CopyStatus("trusted" if until > (now or datetime.now(tz=UTC)) else "expired", counts, until, truncated)


def copy_lease_held(client, key: str) -> bool:
    """Tell whether the Redis copy at `key` (read with `client`) holds a lease that still runs."""
    from denylist.backends.redis_layout import LEASE_FIELD, lease_of

    lease = lease_of(client.hget(key, LEASE_FIELD))
    return lease is not None and lease > now_ms()


def copy_rebuild_chunk() -> int:
    """Return how many live entries one check copies into a lost Redis copy (RedisRevocationBackend)."""
    from denylist.backends.redis import RedisRevocationBackend

    return RedisRevocationBackend.rebuild_chunk


def rehash_permit(*, user_id: int, previous: str, password: str, using: str | None = None) -> None:
    """Record that changing the user's stored hash from `previous` to `password` re-encodes the same password, so
    that the database's trigger (denylist.triggers) ends no credential for it. Write it just before that save."""
    PasswordRehash.objects.using(using).create(user_id=user_id, previous=previous, password=password)


def is_revoked(query: Query) -> bool:
    """Tell whether the credential described by `query` is revoked. Never False when unsure (see the backend)."""
    return get_backend().is_revoked(query)


def purge(now: datetime | None = None) -> int:
    """Delete entries that no longer cover any live credential; return how many."""
    return get_backend().purge(now or datetime.now(tz=UTC) - timedelta(seconds=conf.setting("JWT_LEEWAY")))
