"""The contract every revocation backend implements."""

from collections.abc import Iterable
from datetime import datetime

from denylist.entries import Entry, Query


class RevocationBackend:
    """Store revocations durably and answer "is this credential revoked?".

    Contract (tests/denylist/test_backend_contract.py runs it against every implementation):
    - `revoke()` returns only once the entries are durable: a revocation that was acknowledged is never lost,
      whatever happens to a cache afterwards.
    - `is_revoked()` returns True or False only when it knows. When it cannot find out (the database and the
      cache are both unreachable) it raises httpkit.outages.BackendUnavailable (or the driver's error, which the
      outage middleware maps to 503) — it never answers False for "I could not check" (no fail-open).
    - Entries of kind USER keep the latest cut-off: revoking a user twice never moves the cut-off back.
    - `push_pending(user_id=...)` is optional: a backend with a copy in front of the database pushes the user's
      entries that the database recorded on its own (its triggers: denylist.triggers) into that copy now, rather
      than at its next renewal. The database backend has nothing to push.
    - `purge()` deletes entries whose `expires_at` is before `now` and returns how many it deleted.
    - `redis_copy()` is optional: a backend whose checks can be answered from a Redis hash names it, so that a
      caller may read `fields(query)` of that hash in its own round trip (a pipeline or a script beside its own
      reads) and hand the values to `verdict(query, values)`, which decides exactly as `is_revoked()` would —
      falling back to the database whenever the copy cannot vouch. Backends without such a copy return None.
    """

    def revoke(self, entries: Iterable[Entry]) -> None:
        raise NotImplementedError("subclasses of RevocationBackend must provide a revoke() method")

    def is_revoked(self, query: Query) -> bool:
        raise NotImplementedError("subclasses of RevocationBackend must provide an is_revoked() method")

    def purge(self, now: datetime) -> int:
        raise NotImplementedError("subclasses of RevocationBackend must provide a purge() method")

    def push_pending(self, *, user_id: int) -> None:
        """Copy the user's entries that the database recorded by itself into the fast path now (see above)."""
        return None

    def redis_copy(self):
        """Return `(redis client, hash key)` a caller may read a check's fields from, or None: no such copy here,
        or it is not to be used now (e.g. the backend's circuit breaker is open after a Redis error)."""
        return None
