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
      cache are both unreachable) it raises config.outages.BackendUnavailable (or the driver's error, which the
      outage middleware maps to 503) — it never answers False for "I could not check" (no fail-open).
    - Entries of kind USER keep the latest cut-off: revoking a user twice never moves the cut-off back.
    - `purge()` deletes entries whose `expires_at` is before `now` and returns how many it deleted.
    """

    def revoke(self, entries: Iterable[Entry]) -> None:
        raise NotImplementedError("subclasses of RevocationBackend must provide a revoke() method")

    def is_revoked(self, query: Query) -> bool:
        raise NotImplementedError("subclasses of RevocationBackend must provide an is_revoked() method")

    def purge(self, now: datetime) -> int:
        raise NotImplementedError("subclasses of RevocationBackend must provide a purge() method")
