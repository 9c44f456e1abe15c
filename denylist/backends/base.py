"""The contract every revocation backend implements."""

from collections.abc import Iterable, Sequence
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
    - The one-round-trip read (what `sessions_demo.backends.cached_db` needs to check a session in the same
      pipeline as it reads the session): `redis_copy()` names the Redis hash the checks can be answered from, as
      `(client, key)`, or None; while it is not None, a caller may `HMGET` the hash's `fields(query)` in its own
      round trip and hand the values, in that order, to `verdict(query, values)`, which decides exactly as
      `is_revoked()` would — asking the database whenever the copy cannot vouch (no lease), never answering False
      for "I could not check". A caller that gets None calls `is_revoked()` instead.
      The database backend has no copy: `redis_copy()` is None, and should a caller use the other two anyway,
      `fields()` is empty and `verdict()` ignores the values and asks the database (`is_revoked()`), so the
      answer is still right. The Redis backend returns its hash (None while its circuit breaker is open), the
      query's fields followed by the lease, and decides from them.
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

    def fields(self, query: Query) -> list[str]:
        """Return the fields of the `redis_copy()` hash that decide `query`, in the order `verdict()` takes their
        values. Without a copy: none."""
        return []

    def verdict(self, query: Query, values: Sequence[bytes | None]) -> bool:
        """Decide `query` from the values of `fields(query)` read by the caller, exactly as `is_revoked()` would.
        Without a copy there is nothing to read: ask the store itself."""
        return self.is_revoked(query)
