"""The database revocation backend: the durable source of truth, one query per check."""

from collections.abc import Iterable
from datetime import datetime
from functools import reduce
from operator import or_

from django.db import IntegrityError, transaction
from django.db.models import Q

from denylist.backends.base import RevocationBackend
from denylist.entries import Entry, Query
from denylist.models import Revocation


class DatabaseRevocationBackend(RevocationBackend):
    """Keep revocations in the `Revocation` table; answer checks with a single indexed query."""

    def revoke(self, entries: Iterable[Entry], *, synced: bool = True) -> None:
        with transaction.atomic():
            for entry in entries:
                if entry.kind == Revocation.Kind.USER:
                    self._raise_cutoff(entry, synced=synced)
                else:
                    Revocation.objects.get_or_create(
                        kind=entry.kind, key=entry.key,
                        defaults={"expires_at": entry.expires_at, "user_id": entry.user_id,
                                  "reason": entry.reason, "synced": synced},
                    )

    def _raise_cutoff(self, entry: Entry, *, synced: bool) -> None:
        """Move a user's cut-off forward (never back) and stretch its expiry to cover the newest tokens."""
        for _attempt in range(2):
            row = Revocation.objects.select_for_update().filter(kind=entry.kind, key=entry.key).first()
            if row is not None:
                row.cutoff_ms = max(row.cutoff_ms or 0, entry.cutoff_ms)
                row.expires_at = max(row.expires_at, entry.expires_at)
                row.reason = entry.reason
                row.synced = row.synced and synced
                row.save(update_fields=["cutoff_ms", "expires_at", "reason", "synced"])
                return
            try:
                with transaction.atomic():
                    Revocation.objects.create(
                        kind=entry.kind, key=entry.key, user_id=entry.user_id, cutoff_ms=entry.cutoff_ms,
                        expires_at=entry.expires_at, reason=entry.reason, synced=synced,
                    )
                return
            except IntegrityError:  # a concurrent first revocation of this user won the insert: update it
                continue
        raise IntegrityError("could not record the user cut-off")

    def is_revoked(self, query: Query) -> bool:
        return any(query.matches(kind, cutoff) for kind, cutoff in self.lookup(query))

    def lookup(self, query: Query) -> list[tuple[str, int | None]]:
        """Return the (kind, cutoff_ms) of every stored entry matching the query's keys: one query."""
        pairs = query.fields()
        if not pairs:
            return []
        condition = reduce(or_, (Q(kind=kind, key=key) for kind, key in pairs))
        return list(Revocation.objects.filter(condition).values_list("kind", "cutoff_ms"))

    def purge(self, now: datetime) -> int:
        deleted, _ = Revocation.objects.filter(expires_at__lt=now).delete()
        return deleted
