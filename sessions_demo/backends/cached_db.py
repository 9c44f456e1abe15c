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

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError

from denylist import revocation
from denylist.entries import Query
from sessions_demo.backends.db import SessionStore as DBSessionStore
from sessions_demo.models import session_digest

logger = logging.getLogger("tokenlab.sessions")
# A failed cache write is reported as Django's cached_db reports it (ERROR, this logger), so that alerting set up for
# Django's store keeps working.
django_logger = logging.getLogger("django.contrib.sessions")

KEY_PREFIX = "sess:"


def _server_of(client) -> tuple:
    """Return what names the Redis server and database a redis-py client talks to."""
    kwargs = client.connection_pool.connection_kwargs
    return kwargs.get("host"), kwargs.get("port"), kwargs.get("path"), kwargs.get("db", 0)


class SessionStore(DBSessionStore):
    """Token Lab's database store with a copy of each session in the cache `SESSION_CACHE_ALIAS` names.

    Honours Django's cached_db contract — the alias is read from settings whenever a store is made (a missing alias
    raises InvalidCacheBackendError there), `exists()` looks in the cache first, a failed cache write is not fatal
    and is logged as ERROR on `django.contrib.sessions` — with one addition: a cached copy counts (for `load()` and
    for `exists()`) only after the revocation check. Its async API runs this sync API (UserSessionStore).
    """

    cache_key_prefix = KEY_PREFIX
    # After a Redis error, go straight to the database for this long: a hung Redis then costs one socket timeout
    # per process, not one (or two) per request. Safe to skip the cache: the database is authoritative, and a
    # cached copy is only ever trusted after the revocation check.
    circuit_seconds = 2.0
    _cache_down_until = 0.0

    def __init__(self, session_key=None):
        self._cache = caches[settings.SESSION_CACHE_ALIAS]
        super().__init__(session_key)

    @classmethod
    def _cache_usable(cls) -> bool:
        return time.monotonic() >= SessionStore._cache_down_until

    @classmethod
    def _open_circuit(cls) -> None:
        SessionStore._cache_down_until = time.monotonic() + cls.circuit_seconds

    @classmethod
    def _trip(cls, exc: RedisError, doing: str) -> None:
        if cls._cache_usable():
            logger.warning("Session cache unreachable (%s); %s.", exc, doing)
        cls._open_circuit()

    def _cache_key(self, session_key: str | None = None) -> str:
        return self.cache_key_prefix + (session_key or self._get_or_create_session_key())

    @property
    def cache_key(self) -> str:
        """The cache key of this session's copy (Django's cached_db attribute); mints a session key if none."""
        return self._cache_key()

    async def acache_key(self) -> str:
        """See cache_key."""
        return await sync_to_async(self._cache_key)()

    def load(self):
        if self.session_key is None or not self._cache_usable():
            return super().load()
        try:
            found, data = self._cache_read(self.session_key)
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

    def exists(self, session_key):
        """Tell whether a live session has this key: a cached copy that passes the revocation check says so in one
        Redis round trip; else the database row."""
        if session_key and self._validate_session_key(session_key) and self._cache_usable():
            try:
                found, data = self._cache_read(session_key)
            except RedisError as exc:
                self._trip(exc, "reading the database")
            else:
                if found:
                    # A revoked copy: the session was ended, and ending deletes its row before recording it.
                    return data is not None
        return super().exists(session_key)

    def _cache_read(self, session_key: str) -> tuple[bool, dict | None]:
        """Read the cached copy and check that the session was not ended: (False, None) on a cache miss,
        (True, None) for a revoked session, (True, data) for a live one. One Redis round trip (a pipeline) when the
        revocation store keeps its copy on the session cache's Redis; else a GET, then the store's own check."""
        cache = self._cache
        backend = revocation.get_backend()
        query = Query(session=session_digest(session_key))
        redis = getattr(cache, "client", None)
        if not hasattr(redis, "get_client"):  # not django-redis: the cache's own API, then the store's check
            data = cache.get(self._cache_key(session_key))
            if data is None:
                return False, None
            return (True, None) if backend.is_revoked(query) else (True, data)
        key = redis.make_key(self._cache_key(session_key))
        client = redis.get_client(write=False)
        copy = backend.redis_copy()
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
            return True, redis.decode(raw)
        raw = client.get(key)
        if raw is None:
            return False, None
        if backend.is_revoked(query):
            return True, None
        return True, redis.decode(raw)

    def _cache_set(self, data: dict) -> None:
        # The expiry comes from `data`, not from self: during load() the session cache is not filled yet, and
        # get_expiry_age() without `expiry` would call load() again (infinite recursion on every cache miss).
        if not self._cache_usable():
            return
        try:
            self._cache.set(self._cache_key(), data, self.get_expiry_age(expiry=data.get("_session_expiry")))
        except Exception:
            # Not fatal, as in Django's cached_db: the row is saved and the database stays authoritative. Any
            # exception, as Django catches: the write follows the row's commit, and raising would turn a saved
            # session into an error page. The circuit sends this process's reads to the database meanwhile.
            django_logger.exception("Error saving to cache (%s)", self._cache)
            self._open_circuit()

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
            caches[settings.SESSION_CACHE_ALIAS].delete_many([cls.cache_key_prefix + k for k in session_keys])
        except RedisError as exc:
            cls._trip(exc, "the revocation store keeps these sessions ended")
