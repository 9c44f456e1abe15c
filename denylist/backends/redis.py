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
seen by every check on every worker, whatever Redis did meanwhile.
"""

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

from denylist.backends.base import RevocationBackend
from denylist.backends.db import DatabaseRevocationBackend
from denylist.entries import Entry, Query
from denylist.models import Revocation

logger = logging.getLogger("tokenlab.revocation")

LEASE_FIELD = "!lease"
# Apply entries (a USER cut-off only ever moves forward) and, depending on ARGV[1], set the lease:
# "warm" sets it (the caller has just written every entry the database holds), "renew" sets it only if the hash
# still has one (it was not flushed since the last full warm), "" leaves it alone.
_APPLY = """
local h = KEYS[1]
for i = 3, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i + 1]
  if string.sub(f, 1, 2) == 'u:' then
    local cur = redis.call('HGET', h, f)
    if (not cur) or tonumber(string.match(cur, '^(%d+)')) < tonumber(string.match(v, '^(%d+)')) then
      redis.call('HSET', h, f, v)
    end
  else
    redis.call('HSET', h, f, v)
  end
end
if ARGV[1] == 'warm' or (ARGV[1] == 'renew' and redis.call('HEXISTS', h, '!lease') == 1) then
  redis.call('HSET', h, '!lease', ARGV[2])
  return 1
end
return 0
"""
_CHUNK = 500


def _now_ms() -> int:
    return int(time.time() * 1000)


def encode(entry: Entry) -> str:
    expires = int(entry.expires_at.timestamp())
    return f"{entry.cutoff_ms}:{expires}" if entry.kind == Revocation.Kind.USER else str(expires)


def _entry_of(row: Revocation) -> Entry:
    return Entry(kind=row.kind, key=row.key, expires_at=row.expires_at, user_id=row.user_id, cutoff_ms=row.cutoff_ms)


class RedisRevocationBackend(RevocationBackend):
    """Answer checks from a Redis hash in one round trip; fall back to the database whenever Redis can't vouch.

    Class attributes are configuration and test seams: `clock` (Unix ms), `sleep`, `database`.
    """

    clock = staticmethod(_now_ms)
    sleep = staticmethod(time.sleep)
    database = DatabaseRevocationBackend()
    # After a Redis error, skip Redis for this long so that a hung server costs one timeout, not one per request.
    circuit_seconds = 2.0
    _circuit_open_until = 0.0

    def __init__(self, client=None, key: str | None = None):
        self._client = client
        self.key = key or getattr(settings, "REVOCATION_REDIS_KEY", "tokenlab:revocations")
        self._apply_script = None

    # --- plumbing ---------------------------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            from django_redis import get_redis_connection

            self._client = get_redis_connection("default")
        return self._client

    @property
    def lease_ms(self) -> int:
        return settings.REVOCATION_LEASE_SECONDS * 1000

    def _circuit_open(self) -> bool:
        return time.monotonic() < type(self)._circuit_open_until

    def _trip(self, exc: RedisError) -> None:
        if not self._circuit_open():
            logger.warning("Redis unreachable for the revocation store (%s); checking the database.", exc)
        type(self)._circuit_open_until = time.monotonic() + self.circuit_seconds

    def _apply(self, entries: Sequence[Entry], mode: str = "", lease: int = 0) -> int:
        if self._apply_script is None:
            self._apply_script = self.client.register_script(_APPLY)
        args: list = [mode, lease]
        for entry in entries:
            args += [entry.field, encode(entry)]
        return int(self._apply_script(keys=[self.key], args=args, client=self.client))

    # --- writes -------------------------------------------------------------------------------------------------
    def revoke(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        if not entries:
            return
        self.database.revoke(entries, synced=False)
        # Push now so that every worker sees the entry at once, and again once the database has committed it,
        # which also covers a hash rebuilt from the database between the two.
        self._push(entries)
        transaction.on_commit(lambda: self._confirm(entries))

    def _push(self, entries: Sequence[Entry]) -> bool:
        if self._circuit_open():
            return False
        try:
            self._apply(entries)
            return True
        except RedisError as exc:
            self._trip(exc)
            return False

    def _confirm(self, entries: Sequence[Entry]) -> None:
        if self._push(entries):
            keys = [(e.kind, e.key) for e in entries]
            for kind, key in keys:
                Revocation.objects.filter(kind=kind, key=key).update(synced=True)
            return
        # Redis missed these entries. Readers elsewhere may still hold a lease granted without them: wait until
        # every such lease has run out before acknowledging (the caller's response is sent after this returns).
        self.sleep(settings.REVOCATION_LEASE_SECONDS + 1)

    # --- reads --------------------------------------------------------------------------------------------------
    def fields(self, query: Query) -> list[str]:
        """Return the hash fields one check reads: the query's keys, then the lease."""
        return [f"{kind}:{key}" for kind, key in query.fields()] + [LEASE_FIELD]

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
        lease = values[-1]
        if lease is None or int(lease) <= self.clock():
            revoked = self.database.is_revoked(query)
            self._renew(warm=lease is not None)
            return revoked
        for (kind, _key), value in zip(query.fields(), values, strict=False):
            if value is not None:
                cutoff = int(value.split(b":", 1)[0]) if kind == Revocation.Kind.USER else None
                if query.matches(kind, cutoff):
                    return True
        return False

    def _renew(self, *, warm: bool) -> None:
        """Bring the Redis copy up to date with the database and grant a new lease."""
        started = self.clock()
        try:
            if warm:
                rows = list(Revocation.objects.filter(synced=False))
                if self._apply([_entry_of(r) for r in rows], "renew", started + self.lease_ms):
                    Revocation.objects.filter(pk__in=[r.pk for r in rows]).update(synced=True)
                    return
            self._warm(started)
        except RedisError as exc:
            self._trip(exc)

    def _warm(self, started: int) -> None:
        """Rebuild the hash from every live database entry; one worker at a time."""
        lock = f"{self.key}:warming"
        if not self.client.set(lock, "1", nx=True, px=10_000):
            return
        try:
            now = datetime.fromtimestamp(started / 1000, tz=UTC)
            rows = list(Revocation.objects.filter(expires_at__gte=now))
            entries = [_entry_of(r) for r in rows]
            for i in range(0, len(entries), _CHUNK):
                self._apply(entries[i:i + _CHUNK])
            self._apply([], "warm", started + self.lease_ms)
            # Only the rows read here are now known to be in Redis; later ones are pushed by their writers.
            Revocation.objects.filter(pk__in=[r.pk for r in rows if not r.synced]).update(synced=True)
            logger.info("Revocation cache rebuilt from the database with %d entries.", len(rows))
        finally:
            self.client.delete(lock)

    def purge(self, now: datetime) -> int:
        deleted = self.database.purge(now)
        cutoff = int(now.timestamp())
        stale = []
        for field, value in self.client.hscan_iter(self.key):
            if field == LEASE_FIELD.encode():
                continue
            expires = int(value.rsplit(b":", 1)[-1])
            if expires < cutoff:
                stale.append(field)
        for i in range(0, len(stale), _CHUNK):
            self.client.hdel(self.key, *stale[i:i + _CHUNK])
        return deleted
