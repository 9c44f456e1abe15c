"""The session stores every store-contract test runs over, a signed-in browser of the session door, and what a
test reads of a store: its cached copy, its revocation record, its async API run from a sync test."""

import asyncio
from http import HTTPStatus

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from denylist.models import Revocation
from sessions_demo.backends import cached_db
from sessions_demo.models import session_digest
from tests.support.suite import PASSWORD

# Engine -> the fixture it needs: cached_db runs against a private redis-server in both modes (tests.support.fixtures).
STORES = {
    "db": ("sessions_demo.backends.db", None),
    "cached_db": ("sessions_demo.backends.cached_db", "own_redis"),
}


def signed_in(username: str, agent: str) -> Client:
    """A browser logged in through the session door's login page with user agent `agent`."""
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/session/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    return client


def is_signed_in(client: Client) -> bool:
    """Ask the session door's API: True for the profile (200), False for anonymous (403); anything else fails."""
    status = client.get("/session/api/profile/").status_code
    assert status in {HTTPStatus.OK, HTTPStatus.FORBIDDEN}, status
    return status == HTTPStatus.OK


def run(method, seconds: float = 10):
    """Return a sync callable running the async `method`, failing after `seconds` (the old acreate() looped forever)."""
    def call(*args, **kwargs):
        async def bounded():
            return await asyncio.wait_for(method(*args, **kwargs), seconds)
        return async_to_sync(bounded)()
    return call


def cached_copy(store, session_key: str):
    """Return the session's copy in the session cache (None for the db store, which keeps none)."""
    if not issubclass(store, cached_db.SessionStore):
        return None
    return caches[settings.SESSION_CACHE_ALIAS].get(store.cache_key_prefix + session_key)


def plant_copy(store, session_key: str, data: dict) -> None:
    """Put a copy of `data` back in the session cache, as a worker whose delete failed would have left it."""
    if issubclass(store, cached_db.SessionStore):
        caches[settings.SESSION_CACHE_ALIAS].set(store.cache_key_prefix + session_key, data, 300)


def revoked(session_key: str) -> bool:
    return Revocation.objects.filter(kind=Revocation.Kind.SESSION, key=session_digest(session_key)).exists()
