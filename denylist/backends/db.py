"""The database revocation backend: the durable source of truth, one query per check."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import reduce
from operator import or_

from django.db import IntegrityError, connections, transaction
from django.db.models import Q

from denylist.backends.base import RevocationBackend
from denylist.entries import Entry, Query, Stored
from denylist.expressions import EpochMicroseconds
from denylist.models import Revocation

_CHUNK = 500


def _stored(row: tuple) -> Stored:
    pk, kind, key, user_id, cutoff_ms, expires_at, synced = row
    return Stored(pk, Entry(kind=kind, key=key, expires_at=expires_at, user_id=user_id, cutoff_ms=cutoff_ms), synced)


_COLUMNS = ("pk", "kind", "key", "user_id", "cutoff_ms", "expires_at", "synced")


class DatabaseRevocationBackend(RevocationBackend):
    """Keep revocations in the `Revocation` table; answer checks with a single indexed query.

    It also serves as the source of truth for a cache in front of it (the Redis backend reads the database only
    through the methods below): `revoke(synced=False)` records an entry such a cache may lack, `mark_synced()`
    records that the cache holds it, and `unsynced()` / `live_values()` read what to copy.
    """

    def revoke(self, entries: Iterable[Entry], *, synced: bool = True) -> None:
        """Record the entries durably. `synced=False` marks a row the Redis copy may lack (see the Redis backend)."""
        with transaction.atomic():
            for entry in entries:
                self._record(entry, synced=synced)

    def _record(self, entry: Entry, *, synced: bool) -> None:
        """Insert the entry, or widen the existing one: a cut-off and an expiry only ever move forward."""
        for _attempt in range(2):
            row = Revocation.objects.select_for_update().filter(kind=entry.kind, key=entry.key).first()
            if row is not None:
                cutoff = max(row.cutoff_ms or 0, entry.cutoff_ms) if entry.cutoff_ms is not None else row.cutoff_ms
                expires = max(row.expires_at, entry.expires_at)
                if (cutoff, expires) == (row.cutoff_ms, row.expires_at):
                    return  # already covered: nothing changes, so what the Redis copy holds stays right
                row.cutoff_ms, row.expires_at, row.reason = cutoff, expires, entry.reason or row.reason
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
            except IntegrityError:  # a concurrent first revocation of this key won the insert: widen it instead
                continue
        raise IntegrityError("could not record the revocation entry")

    def mark_synced(self, entries: Sequence[Entry]) -> None:
        """Mark rows as present in the Redis copy, given that these entries were just written to it.

        Only rows the pushed values cover are marked: a row widened meanwhile by another writer (a later cut-off
        or expiry, which that writer may have failed to push) stays unsynced, so the next renewal pushes it.
        """
        conditions = []
        for entry in entries:
            condition = Q(kind=entry.kind, key=entry.key, synced=False, expires_at__lte=entry.expires_at)
            if entry.cutoff_ms is not None:
                condition &= Q(cutoff_ms__lte=entry.cutoff_ms)
            conditions.append(condition)
        for i in range(0, len(conditions), _CHUNK):
            Revocation.objects.filter(reduce(or_, conditions[i:i + _CHUNK])).update(synced=True)

    def unsynced(self, *, live_at: datetime | None = None, user_id: int | None = None) -> list[Stored]:
        """Return the entries a cache in front may lack (written while it was unreachable, or by the database's
        own triggers), oldest first; with `live_at`, only those still live then; with `user_id`, only that
        user's."""
        rows = Revocation.objects.filter(synced=False)
        if live_at is not None:
            rows = rows.filter(expires_at__gte=live_at)
        if user_id is not None:
            rows = rows.filter(user_id=user_id)
        return [_stored(r) for r in rows.order_by("pk").values_list(*_COLUMNS)]

    def live_values(self, *, at: datetime, after: int = 0, limit: int | None = None) -> list[tuple]:
        """Return the entries still live `at` as plain tuples, in row order, starting after row `after`; at most
        `limit`: (pk, kind, key, user_id, cutoff_ms, expires_at as integer Unix µs, synced).

        What a bulk copy needs and nothing more: no datetime or `Entry` is made per row, which was most of the
        cost of reading a million rows."""
        rows = (Revocation.objects.filter(expires_at__gte=at, pk__gt=after).order_by("pk")
                .annotate(expires_us=EpochMicroseconds("expires_at"))
                .values_list("pk", "kind", "key", "user_id", "cutoff_ms", "expires_us", "synced"))
        if limit is not None:
            rows = rows[:limit]
        # The ORM writes the query; the driver's tuples are used as they come (every column is already a plain
        # int, str or bool — SQLite's 0/1 for `synced` reads the same), skipping a converter pass per row.
        sql, params = rows.query.sql_with_params()
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

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
