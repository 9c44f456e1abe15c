"""The user-aware session store with Redis in front (`cached_db`-style): the database stays authoritative.

A cached copy is trusted only after the revocation store confirms the session was not ended. That check is
what keeps a session ended while Redis was unreachable (so its cached copy could not be deleted) from coming
back when Redis returns.
"""

import logging

from django.core.cache import caches
from redis.exceptions import RedisError

from denylist import revocation
from denylist.entries import Query
from sessions_demo.backends.db import SessionStore as DBSessionStore
from sessions_demo.models import session_digest

logger = logging.getLogger("tokenlab.sessions")

KEY_PREFIX = "sess:"


class SessionStore(DBSessionStore):
    cache_alias = "default"

    @property
    def _cache(self):
        return caches[self.cache_alias]

    def _cache_key(self, session_key: str | None = None) -> str:
        return KEY_PREFIX + (session_key or self._get_or_create_session_key())

    def load(self):
        try:
            data = self._cache.get(self._cache_key())
        except RedisError as exc:
            logger.warning("Session cache unreachable (%s); reading the database.", exc)
            return super().load()
        if data is not None:
            if revocation.is_revoked(Query(session=session_digest(self.session_key))):
                self._session_key = None
                return {}
            return data
        data = super().load()
        if data:
            self._cache_set(data)
        return data

    def _cache_set(self, data: dict) -> None:
        # The expiry comes from `data`, not from self: during load() the session cache is not filled yet, and
        # get_expiry_age() without `expiry` would call load() again (infinite recursion on every cache miss).
        try:
            self._cache.set(self._cache_key(), data, self.get_expiry_age(expiry=data.get("_session_expiry")))
        except RedisError as exc:
            logger.warning("Session cache unreachable (%s); not caching.", exc)

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
        try:
            caches[cls.cache_alias].delete_many([KEY_PREFIX + k for k in session_keys])
        except RedisError as exc:
            logger.warning("Session cache unreachable (%s); the revocation store keeps these sessions ended.", exc)
