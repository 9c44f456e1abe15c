"""The user-aware session store with Redis in front (`cached_db`-style): the database stays authoritative.

A cached copy is trusted only after the revocation store confirms the session was not ended. That check is
what keeps a session ended while Redis was unreachable (so its cached copy could not be deleted) from coming
back when Redis returns.

On the hot path, the session and its revocation state come back in one round trip: one pipeline GETs the cached
copy and HMGETs the revocation hash's fields for the session's digest (the fields `RedisRevocationBackend`
would read itself), and the revocation backend's `verdict()` decides — asking the database whenever the
Redis copy of the revocation store cannot vouch (no lease). A pipeline rather than a Lua script: the same one
round trip, and about a fifth of the Redis server's time (measured with authbench --scale: EVALSHA ~25 µs per
call against ~3 µs each for GET and HMGET), which is what bounds how many checks one Redis can serve.
"""

import logging
import time

from django.core.cache import caches
from redis.exceptions import RedisError

from denylist import revocation
from denylist.entries import Query
from sessions_demo.backends.db import SessionStore as DBSessionStore
from sessions_demo.models import session_digest

logger = logging.getLogger("tokenlab.sessions")

KEY_PREFIX = "sess:"


def _server_of(client) -> tuple:
    """Return what names the Redis server and database a redis-py client talks to."""
    kwargs = client.connection_pool.connection_kwargs
    return kwargs.get("host"), kwargs.get("port"), kwargs.get("path"), kwargs.get("db", 0)


class SessionStore(DBSessionStore):
    cache_alias = "default"
    # After a Redis error, go straight to the database for this long: a hung Redis then costs one socket timeout
    # per process, not one (or two) per request. Safe to skip the cache: the database is authoritative, and a
    # cached copy is only ever trusted after the revocation check.
    circuit_seconds = 2.0
    _cache_down_until = 0.0

    @classmethod
    def _cache_usable(cls) -> bool:
        return time.monotonic() >= SessionStore._cache_down_until

    @classmethod
    def _trip(cls, exc: RedisError, doing: str) -> None:
        if cls._cache_usable():
            logger.warning("Session cache unreachable (%s); %s.", exc, doing)
        SessionStore._cache_down_until = time.monotonic() + cls.circuit_seconds

    @property
    def _cache(self):
        return caches[self.cache_alias]

    def _cache_key(self, session_key: str | None = None) -> str:
        return KEY_PREFIX + (session_key or self._get_or_create_session_key())

    def load(self):
        if not self._cache_usable():
            return super().load()
        try:
            found, data = self._cache_read()
        except RedisError as exc:
            self._trip(exc, "reading the database")
            return super().load()
        if found:
            if data is None:  # revoked: this session was ended, whatever its cached copy says
                self._session_key = None
                return {}
            return data
        data = super().load()
        if data:
            self._cache_set(data)
        return data

    def _cache_read(self) -> tuple[bool, dict | None]:
        """Read the cached copy and check that the session was not ended: (False, None) on a cache miss,
        (True, None) for a revoked session, (True, data) for a live one. One Redis round trip (a pipeline) when the
        revocation store keeps its copy on the session cache's Redis; else a GET, then the store's own check."""
        cache = self._cache
        key = cache.client.make_key(self._cache_key())
        client = cache.client.get_client(write=False)
        backend = revocation.get_backend()
        copy = backend.redis_copy()
        query = Query(session=session_digest(self.session_key))
        if copy is not None and _server_of(copy[0]) == _server_of(client):
            # The revocation store's own client: django-redis gives each thread its own cache client, and the
            # store keeps the one it met first; both name the same server, which is what one round trip needs.
            pipe = copy[0].pipeline(transaction=False)
            pipe.get(key)
            pipe.hmget(copy[1], backend.fields(query))
            raw, values = pipe.execute()
            if raw is None:
                return False, None
            if backend.verdict(query, values):
                return True, None
            return True, cache.client.decode(raw)
        raw = client.get(key)
        if raw is None:
            return False, None
        if backend.is_revoked(query):
            return True, None
        return True, cache.client.decode(raw)

    def _cache_set(self, data: dict) -> None:
        # The expiry comes from `data`, not from self: during load() the session cache is not filled yet, and
        # get_expiry_age() without `expiry` would call load() again (infinite recursion on every cache miss).
        if not self._cache_usable():
            return
        try:
            self._cache.set(self._cache_key(), data, self.get_expiry_age(expiry=data.get("_session_expiry")))
        except RedisError as exc:
            self._trip(exc, "not caching")

    def save(self, must_create=False):
        super().save(must_create)
        self._cache_set(self._get_session(no_load=must_create))

    @classmethod
    def end_sessions(cls, session_keys: list[str], *, user_id: int | None = None, reason: str = "") -> None:
        """Delete the rows, record the sessions as revoked, then drop their cached copies (best effort)."""
        if not session_keys:
            return
        super().end_sessions(session_keys, user_id=user_id, reason=reason)
        revocation.revoke_sessions(digests=[session_digest(k) for k in session_keys], user_id=user_id, reason=reason)
        if not cls._cache_usable():
            return
        try:
            caches[cls.cache_alias].delete_many([KEY_PREFIX + k for k in session_keys])
        except RedisError as exc:
            cls._trip(exc, "the revocation store keeps these sessions ended")
