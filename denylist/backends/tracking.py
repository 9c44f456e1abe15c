"""The Redis revocation backend without its round trip, as a measured experiment: Redis tells us when to re-read.

Redis 6+ can tell a client when a key changes (server-assisted client-side caching, `CLIENT TRACKING`). This
backend keeps, per process, the values of the copy's fields it has read, and answers a check from them — no round
trip — while Redis has not said that the copy changed since. Every write to the copy (a revocation, a lease
renewal, a rebuild, a flush) sends an invalidation, and the process's remembered values are dropped.

How it is built (redis-py 8.1 ships a client-side cache, but refuses servers older than Redis 7.4, and caches
whole replies per connection of a pool: this is the same protocol, written for the one hash the store reads):
- one RESP3 connection per process, with `CLIENT TRACKING ON BCAST PREFIX <copy key>`: Redis pushes an
  `invalidate` message on it for every change to a key that starts with the copy's key, and an `invalidate` with
  no key on FLUSHALL / FLUSHDB. Nobody reads on its own thread: every check *drains* the connection first (a
  non-blocking poll, under a lock), so no message that has reached this host is left unread when a check trusts
  what it remembers;
- an *epoch*, bumped by every invalidation, every (re)connection and every error on that connection; values are
  remembered under the epoch read before the `HMGET` that fetched them, and are used only while the epoch is
  unchanged. A value read after a write is remembered under an epoch the write's invalidation ends, so nothing
  read before a change outlives the change's invalidation;
- the connection proves itself alive every `heartbeat_seconds` (a `PING` on it); a connection that has not is
  not trusted, and one that fails (a restart, `CLIENT KILL`, a failover closing it) is dropped, bumping the epoch;
- remembered values carry the lease they were read with: when it runs out, the check goes to Redis (and the
  database) exactly as `RedisRevocationBackend` does.

What it cannot close — why it is off by default (docs/benchmark.md, "The last round trip"): the invalidation
travels on its own connection, asynchronously. A revocation is acknowledged to its writer once Redis has applied
it; the message to every other process is then on its way, not necessarily arrived. A check made on another host
in that instant (or while a network path drops the message but not the connection, for up to one heartbeat)
answers from what it remembered: a revoked credential accepted. On one machine the window is microseconds and the
measured delay was 0 requests in 10⁴; it is a race, not a proof, and the store promises 0.
"""

import os
import threading
import time

import redis
from redis.exceptions import RedisError

from denylist.backends.redis import RedisRevocationBackend
from denylist.backends.redis_layout import lease_of
from denylist.entries import Query

_MISSING = object()
CONNECTION_NAME = "tokenlab-invalidations"


class Invalidations:
    """One tracking connection per process: `epoch()` drains what Redis has said and returns the current epoch,
    or None when the connection cannot vouch for anything (down, or not heard from within the heartbeat)."""

    heartbeat_seconds = 1.0
    clock = staticmethod(time.monotonic)

    def __init__(self, client, prefix: str):
        kwargs = dict(client.connection_pool.connection_kwargs)
        kwargs["protocol"] = 3  # invalidations come as RESP3 pushes on this very connection
        self._make = lambda: client.connection_pool.connection_class(**kwargs)
        self._prefix = prefix
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._heard_at = float("-inf")
        self._epoch = 0
        self.invalidations = 0  # messages received (a figure for the benchmark)

    def epoch(self) -> int | None:
        with self._lock:
            try:
                connection = self._connected()
                while connection.can_read(0):
                    connection.read_response(push_request=True, timeout=0)
                if self.clock() - self._heard_at > self.heartbeat_seconds:
                    connection.send_command("PING")
                    connection.read_response()  # pushes queued before the reply are handled on the way
                    self._heard_at = self.clock()
                return self._epoch
            except (RedisError, OSError):
                self._drop()
                return None

    def bump(self) -> None:
        """Forget everything remembered (this process has just written to the copy)."""
        with self._lock:
            self._epoch += 1

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connected(self):
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        self._connection = None  # a parent's connection after a fork is the parent's: never read it here
        self._epoch += 1
        connection = self._make()
        connection.connect()
        connection._parser.set_invalidation_push_handler(self._invalidated)
        # Named, so that an operator sees it in CLIENT LIST (and a test can cut it with CLIENT KILL).
        for command in (("CLIENT", "SETNAME", CONNECTION_NAME),
                        ("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", self._prefix)):
            connection.send_command(*command)
            if connection.read_response() not in (b"OK", "OK"):
                raise redis.ConnectionError(f"Redis refused {' '.join(command[:2])}")
        self._connection, self._pid, self._heard_at = connection, os.getpid(), self.clock()
        return connection

    def _invalidated(self, message) -> None:
        # ["invalidate", [keys]] for changed keys, ["invalidate", None] for a flush: either way, forget all.
        self._epoch += 1
        self.invalidations += 1

    def _drop(self) -> None:
        self._epoch += 1
        self._heard_at = float("-inf")
        if self._connection is not None:
            try:
                self._connection.disconnect()
            except (RedisError, OSError):
                pass
        self._connection = None


class TrackedRedisRevocationBackend(RedisRevocationBackend):
    """`RedisRevocationBackend` that answers repeated checks from this process's memory while Redis says nothing
    changed (see the module docstring); an experiment, not the default.

    `redis_copy()` still names the hash: a caller that reads the fields in its own round trip anyway (the session
    store, which reads the session from Redis in the same pipeline) gets the verdict on fresh values, and the
    console shows the copy's status as with the Redis backend; `is_revoked()` is where remembered values are used.
    Counters for the benchmark: `local_hits`, `redis_reads`.
    """

    def __init__(self, client=None, key: str | None = None):
        super().__init__(client, key)
        self._invalidations = None
        self._remembered: tuple[int | None, dict] = (None, {})
        self.local_hits = 0
        self.redis_reads = 0

    @property
    def invalidations(self) -> Invalidations:
        if self._invalidations is None:
            self._invalidations = Invalidations(self.client, self.key)
        return self._invalidations

    def is_revoked(self, query: Query) -> bool:
        if self._circuit_open():
            return self.database.is_revoked(query)
        fields = self.fields(query)
        epoch = self.invalidations.epoch()
        if epoch is not None:
            remembered_epoch, known = self._remembered
            if remembered_epoch == epoch:
                values = [known.get(f, _MISSING) for f in fields]
                lease = lease_of(values[-1]) if values[-1] is not _MISSING else None
                if _MISSING not in values and lease is not None and lease > self.clock():
                    self.local_hits += 1
                    return self.verdict(query, values)
        try:
            values = self.client.hmget(self.key, fields)
        except RedisError as exc:
            self._trip(exc)
            return self.database.is_revoked(query)
        self.redis_reads += 1
        lease = lease_of(values[-1])
        if epoch is not None and lease is not None and lease > self.clock():
            self._remember(epoch, fields, values)
        return self.verdict(query, values)

    def _remember(self, epoch: int, fields: list[str], values: list) -> None:
        """Remember values read by an HMGET sent after `epoch` was read: whatever changes after that HMGET ran
        sends an invalidation that ends `epoch`."""
        remembered_epoch, known = self._remembered
        if remembered_epoch != epoch:
            known = {}
        known.update(zip(fields, values, strict=True))
        self._remembered = (epoch, known)

    def _push(self, entries) -> bool:
        # This process's own writes end what it remembers at once, without waiting for their invalidation.
        self._forget()
        return super()._push(entries)

    def _renew(self, *, lease_seen: bool) -> None:
        self._forget()
        super()._renew(lease_seen=lease_seen)

    def _forget(self) -> None:
        self._remembered = (None, {})
        if self._invalidations is not None:
            self._invalidations.bump()

