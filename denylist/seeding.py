"""Fill the store with made-up token entries, in bulk, to measure how its cost grows (`authbench --scale`).

The entries are what the writers would have left: a row in the database and the same value in the Redis copy,
both in the store's own layout (`Revocation`, `Entry.field`, the Redis backend's `encode`). They revoke token ids
no token carries, and are removed by the reason they are written with.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from denylist.backends.redis_layout import encode
from denylist.entries import Entry
from denylist.models import Revocation

_REDIS_BATCH = 20_000  # fields per HSET
_PIPELINE_BATCHES = 5  # HSETs per round trip


def token_entries_seed(*, prefix: str, start: int, stop: int, reason: str, client, key: str) -> float:
    """Add token entries `<prefix><n:012d>` for n in [start, stop), live for a day, to the database (one statement)
    and to the Redis copy at `key` (with `client`); return the seconds it took."""
    if stop <= start:
        return 0.0
    started = time.perf_counter()
    expires = datetime.now(tz=UTC) + timedelta(days=1)
    table = connection.ops.quote_name(Revocation._meta.db_table)
    columns = "kind, key, user_id, cutoff_ms, expires_at, reason, synced, created"
    kind = Revocation.Kind.TOKEN.value
    if connection.vendor == "postgresql":
        sql = (f"INSERT INTO {table} ({columns}) SELECT %s, %s || lpad(g::text, 12, '0'), NULL, NULL, %s, %s, "
               f"true, now() FROM generate_series(%s, %s) AS g")
        params = [kind, prefix, expires, reason, start, stop - 1]
    else:
        sql = (f"INSERT INTO {table} ({columns}) WITH RECURSIVE series(g) AS (SELECT %s UNION ALL SELECT g + 1 "
               f"FROM series WHERE g < %s) SELECT %s, %s || printf('%%012d', g), NULL, NULL, %s, %s, 1, %s "
               f"FROM series")
        params = [start, stop - 1, kind, prefix, expires, reason, datetime.now(tz=UTC)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # A table that grew by a million rows in one statement has no statistics for them yet (autovacuum gathers
        # them within its naptime, about a minute, in a real deployment). Without them PostgreSQL plans the copy's
        # "next rows after this id" as a scan and sort of the whole table, once per chunk: gather them now, so that
        # what is measured is the store as it runs, not a planner without statistics.
        cursor.execute(f"ANALYZE {table}")
    value = encode(Entry(kind, "", expires))
    pipe = client.pipeline(transaction=False)
    queued = 0
    for first in range(start, stop, _REDIS_BATCH):
        fields = {Entry(kind, f"{prefix}{n:012d}", expires).field: value
                  for n in range(first, min(first + _REDIS_BATCH, stop))}
        pipe.hset(key, mapping=fields)
        queued += 1
        if queued == _PIPELINE_BATCHES:
            pipe.execute()
            queued = 0
    if queued:
        pipe.execute()
    return time.perf_counter() - started


def entries_unseed(*, reason: str) -> int:
    """Delete the entries written with `reason` from the database; return how many."""
    deleted, _ = Revocation.objects.filter(reason=reason).delete()
    return deleted
