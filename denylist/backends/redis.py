"""The Redis revocation backend: one round trip per check, the database behind it as the source of truth.

Shape (after Django's `cached_db` session backend): every write goes to the database; Redis holds a copy that
answers checks with one `HMGET`. The copy is a single hash, so Redis evicts, flushes or loses it whole — it can
be missing, but never missing *some* entries while looking complete.

Trust in the copy is a lease. The field `!lease` holds "trusted until" (Unix ms). A check trusts Redis only
while the lease runs. When the lease has run out, or the hash is gone (restart, FLUSHALL, eviction), the check
asks the database instead and renews the copy: it pushes the entries written while Redis was unreachable
(`synced=False`), or rebuilds the whole hash, and only then sets a new lease dated from *before* its database
read.

Why a lease: a writer that cannot reach Redis cannot tell readers that their copy is stale. So it records its
entry as unsynced, and waits one lease period after commit before it acknowledges; by then every lease granted
without its entry has run out, and the next renewal pushes it. A revocation that was acknowledged is therefore
seen by every check on every worker, whatever Redis did meanwhile. The wait is taken once per transaction, and
once per `denylist.waits.batch()` (every request, with `denylist.middleware.RevocationBatchMiddleware`): a wait
that begins after every commit of the batch covers all its entries, so a request that revokes several things
during an outage waits one lease, not one per revocation (denylist/waits.py).

Pushing only the unsynced rows is right only while the hash still holds everything pushed since it was last
rebuilt. Two things break that without removing the hash, and both force a full rebuild instead:
- the data was rolled back: Redis restarted from an older snapshot, or a replica that lagged was promoted. The
  rebuild records the server's `run_id` in `!server`; a renewal on a server with another `run_id` rebuilds.
- the hash was flushed or evicted *during* a rebuild. The rebuild marks the hash (`!warming`) before it reads
  the database and grants its lease only if the mark is still there.
A lost copy is rebuilt in chunks of `rebuild_chunk` live rows, in primary-key order, each by a check that
found no lease (after it has answered from the database, as every check does while there is no lease): the mark
records how far the copy has got (`!warming` = "<token>:<last pk copied>"), so any worker continues where the
last one stopped, and no request stalls for more than one chunk, however many entries there are. A row that
commits behind the cursor (out of primary-key order) was pushed by its writer, or left unsynced; the last chunk
also pushes every unsynced row and grants the lease dated from before that read, as a one-chunk rebuild does.
A chunk is cheap so that a million entries come back in seconds (docs/scaling.md): its rows are read as the
driver's plain tuples (no model, datetime or `Entry` per row; `DatabaseRevocationBackend.live_values`), and
written by pipelined script calls that each read their 500 fields with one `HMGET` and write the merged values
with one `HSET` — the same merge as every write, so the argument above is unchanged.
Residual risk, by design: a rollback is noticed at the next renewal, so a copy rolled back while its old lease
still runs can miss entries for at most one lease period. Redis persistence (`appendfsync always`) and `WAIT`
on replicas close that window; the lease length bounds it.

A lease is the word of the one server that granted it, so it never travels (docs/architecture.md, "Redis failover"):
the script writes `!lease` and `!warming` on the primary only — `redis.set_repl(REPL_NONE)`, neither to replicas
nor to the append-only file — and every grant deletes them on the replicas. Entries and `!server` replicate as
usual. A replica promoted by Sentinel therefore holds the entries it received and no lease: its first check asks
the database and rebuilds the copy from scratch, so a promoted replica that missed the last revocations is never
trusted on its old primary's lease. The one way a lease reaches a replica is a full resynchronisation (the
primary's snapshot carries its memory): that copy is complete as of the snapshot, and its lease is never renewed
there, so it lapses when the primary's did. A rebuild's mark is tied to the server too (it names its run id): a
replica promoted with a mark copied from its old primary starts the rebuild over instead of continuing it.
"""

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from redis.exceptions import RedisError

from denylist import conf, waits
from denylist.backends.base import RevocationBackend
from denylist.backends.db import DatabaseRevocationBackend
from denylist.backends.redis_layout import (
    CHUNK,
    LEASE_FIELD,
    SCRIPT,
    WARMING_FIELD,
    encode,
    lease_of,
    mark_of,
    row_entry,
    row_pairs,
    stored_row,
)
from denylist.clock import ms_datetime, now_ms
from denylist.entries import Entry, Query
from denylist.models import Revocation  # its Kind names only: rows are read through the database backend

logger = logging.getLogger("tokenlab.revocation")

class _Waits(threading.local):
    """When this thread last began waiting out the leases (monotonic seconds)."""

    started_at = float("-inf")


class RedisRevocationBackend(RevocationBackend):
    """Answer checks from a Redis hash in one round trip; fall back to the database whenever Redis can't vouch.

    Class attributes are configuration and test seams: `clock` (Unix ms), `sleep`, `database`.
    """

    clock = staticmethod(now_ms)
    sleep = staticmethod(time.sleep)
    database = DatabaseRevocationBackend()
    # After a Redis error, skip Redis for this long so that a hung server costs one timeout, not one per request.
    circuit_seconds = 2.0
    # Live rows one check copies into a lost hash: bounds how long any one request works on a rebuild.
    rebuild_chunk = 5_000
    _PIPELINED = 40  # script calls of CHUNK entries per round trip while rebuilding

    def __init__(self, client=None, key: str | None = None):
        self._client = client
        self.key = key or conf.setting("REVOCATION_REDIS_KEY")
        self._script = None
        self._circuit_open_until = 0.0
        self._waits = _Waits()

    # --- plumbing ---------------------------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            from django_redis import get_redis_connection

            self._client = get_redis_connection("default")
        return self._client

    @property
    def lease_ms(self) -> int:
        return conf.setting("REVOCATION_LEASE_SECONDS") * 1000

    def _circuit_open(self) -> bool:
        return time.monotonic() < self._circuit_open_until

    def _trip(self, exc: RedisError) -> None:
        if not self._circuit_open():
            logger.warning("Redis unreachable for the revocation store (%s); checking the database.", exc)
        self._circuit_open_until = time.monotonic() + self.circuit_seconds

    def _run(self, mode: str, entries: Sequence[Entry] = (), *, lease: int = 0, token: str = "",
             pairs: Sequence[tuple[bytes, bytes]] = ()) -> int:
        if self._script is None:
            self._script = self.client.register_script(SCRIPT)
        args: list = [mode, lease, token]
        for entry in entries:
            args += [entry.field, encode(entry)]
        for field, value in pairs:
            args += [field, value]
        return int(self._script(keys=[self.key], args=args, client=self.client))

    def _write(self, entries: Sequence[Entry]) -> None:
        """Merge entries into the hash, a bounded number per script call."""
        for i in range(0, len(entries), CHUNK):
            self._run("", entries[i:i + CHUNK])

    def _write_many(self, flat: Sequence[str]) -> None:
        """Merge many fields, given flat as (field, value, field, value, ...) (a rebuild's chunk): `_PIPELINED`
        script calls of `CHUNK` fields per round trip."""
        if self._script is None:
            self._script = self.client.register_script(SCRIPT)
        call, step = 2 * CHUNK, 2 * CHUNK * self._PIPELINED
        for i in range(0, len(flat), step):
            pipe = self.client.pipeline(transaction=False)
            for j in range(i, min(i + step, len(flat)), call):
                self._script(keys=[self.key], args=["", 0, "", *flat[j:j + call]], client=pipe)
            pipe.execute()

    # --- writes -------------------------------------------------------------------------------------------------
    def revoke(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        if not entries:
            return
        self.database.revoke(entries, synced=False)
        # Push now so that every worker sees the entry at once, and again once the database has committed it,
        # which also covers a hash rebuilt from the database between the two.
        self._push(entries)
        written_at = time.monotonic()
        transaction.on_commit(lambda: self._confirm(entries, written_at=written_at))

    def push_pending(self, *, user_id: int) -> None:
        """Push the user's unsynced rows (written by the database's triggers in this transaction, or missed by an
        earlier push) now, and confirm them after commit exactly as `revoke()` does."""
        entries = [stored.entry for stored in self.database.unsynced(user_id=user_id)]
        if not entries:
            return
        self._push(entries)
        written_at = time.monotonic()
        transaction.on_commit(lambda: self._confirm(entries, written_at=written_at))

    def _push(self, entries: Sequence[Entry]) -> bool:
        if self._circuit_open():
            return False
        try:
            self._write(entries)
            return True
        except RedisError as exc:
            self._trip(exc)
            return False

    def _confirm(self, entries: Sequence[Entry], *, written_at: float) -> None:
        """After commit: push the entries again and record them as synced, or wait out the leases (see below)."""
        if self._push(entries):
            self.database.mark_synced(entries)
            return
        # Redis missed these entries. Readers elsewhere may still hold a lease granted without them: wait until
        # every such lease has run out before acknowledging (the caller's response is sent after this returns).
        # The extra second absorbs clock skew between the hosts that grant and check leases.
        seconds = conf.setting("REVOCATION_LEASE_SECONDS") + 1
        # Inside waits.batch() (every request, with RevocationBatchMiddleware), once at the end of the batch: that
        # wait begins after every commit in it.
        if waits.defer(seconds, sleep=self.sleep):
            return
        # Outside a batch, once per transaction: on-commit callbacks run in the committing thread, after the
        # commit, so a wait this thread began after these entries were written began after their commit too, and
        # outlasts every lease granted without them. (A wait that ended before they were written covers nothing
        # of theirs: a lease may have been granted in between — which is why revocations of one request made in
        # separate transactions need a batch to share a wait.)
        if self._waits.started_at >= written_at:
            return
        self._waits.started_at = time.monotonic()
        self.sleep(seconds)

    # --- reads --------------------------------------------------------------------------------------------------
    def fields(self, query: Query) -> list[str]:
        """Return the hash fields one check reads: the query's keys, then the lease."""
        return [f"{kind}:{key}" for kind, key in query.fields()] + [LEASE_FIELD]

    def redis_copy(self):
        """Return `(client, key)` of the hash checks read, or None while the circuit breaker is open."""
        if self._circuit_open():
            return None
        return self.client, self.key

    def is_revoked(self, query: Query) -> bool:
        if self._circuit_open():
            return self.database.is_revoked(query)
        try:
            values = self.client.hmget(self.key, self.fields(query))
        except RedisError as exc:
            self._trip(exc)
            return self.database.is_revoked(query)
        return self.verdict(query, values)

    def verdict(self, query: Query, values: Sequence[bytes | None]) -> bool:
        """Decide from the values of `fields(query)`, read by the caller (possibly in its own pipeline)."""
        lease = lease_of(values[-1])
        if lease is None or lease <= self.clock():
            revoked = self.database.is_revoked(query)
            self._renew(lease_seen=lease is not None)
            return revoked
        for (kind, _key), value in zip(query.fields(), values, strict=False):
            if value is not None:
                cutoff = int(value.split(b":", 1)[0]) if kind == Revocation.Kind.USER else None
                if query.matches(kind, cutoff):
                    return True
        return False

    def _renew(self, *, lease_seen: bool) -> None:
        """Bring the Redis copy up to date with the database and grant a new lease."""
        started = self.clock()
        try:
            if lease_seen:
                entries = [stored.entry for stored in self.database.unsynced()]
                self._write(entries)
                if self._run("renew", lease=started + self.lease_ms):
                    self.database.mark_synced(entries)
                    return
            self._rebuild(started)
        except RedisError as exc:
            self._trip(exc)

    def _rebuild(self, started: int) -> None:
        """Copy the next `rebuild_chunk` live rows into the hash; the call that copies the last one grants the
        lease. One worker at a time; see the module docstring."""
        lock = f"{self.key}:warming"
        if not self.client.set(lock, "1", nx=True, px=10_000):
            return
        try:
            token, cursor = mark_of(self.client.hget(self.key, WARMING_FIELD))
            first = token is None
            if first:
                # Mark the hash before reading the database: if it is flushed or evicted from here on, the mark goes
                # with it and no lease is granted over what would be a partial copy.
                token = uuid.uuid4().hex
                self._run("begin", token=token)
            now = ms_datetime(started)
            rows = self.database.live_values(at=now, after=cursor, limit=self.rebuild_chunk)
            if len(rows) == self.rebuild_chunk:  # more to come: copy this chunk, record how far, stop here
                self._write_many(row_pairs(rows))
                if self._run("step", token=token, lease=rows[-1][0]):
                    self.database.mark_synced([row_entry(r) for r in rows if not r[-1]])
                return
            if not first:
                # Earlier chunks were copied by earlier calls: rows that changed behind the cursor since, and whose
                # writers could not push them, are the unsynced ones.
                seen = {r[0] for r in rows}
                rows += [stored_row(r) for r in self.database.unsynced(live_at=now) if r.pk not in seen]
            self._write_many(row_pairs(rows))
            if not self._run("warm", token=token, lease=started + self.lease_ms):
                logger.warning("Revocation cache was lost while it was being rebuilt; the next check rebuilds it.")
                return
            # Only the rows read here are now known to be in Redis; later ones are pushed by their writers.
            self.database.mark_synced([row_entry(r) for r in rows if not r[-1]])
            logger.info("Revocation cache rebuilt from the database (%d entries in its last chunk).", len(rows))
        finally:
            self.client.delete(lock)

    def purge(self, now: datetime) -> int:
        deleted = self.database.purge(now)
        try:
            self._purge_copy(int(now.timestamp()))
        except RedisError as exc:
            # Harmless: an expired entry only ever matches credentials that have expired too.
            logger.warning("Redis unreachable while purging the revocation cache (%s); left for the next purge.", exc)
        return deleted

    def _purge_copy(self, cutoff: int) -> None:
        stale = []
        for field, value in self.client.hscan_iter(self.key):
            if field.startswith(b"!"):
                continue
            expires = value.rsplit(b":", 1)[-1]
            if expires.isdigit() and int(expires) < cutoff:
                stale.append((field, value))
        # Delete a field only if it still holds the expired value: a writer may have renewed it since the scan.
        for i in range(0, len(stale), CHUNK):
            self._run("purge", pairs=stale[i:i + CHUNK])
