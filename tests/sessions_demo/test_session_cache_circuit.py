"""A Redis in front of sessions that stops answering costs one failed call per process, not one per request."""

import socket
from http import HTTPStatus

import pytest

from sessions_demo.backends.cached_db import SessionStore
from tests.support.doors import SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe closes


def test_session_door_skips_a_dead_cache_after_the_first_failure(settings, user, monkeypatch):
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    door = SessionDoor(user.username, PASSWORD).login()  # while the cache still answers (the throttle needs it)

    settings.CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }}
    SessionStore._cache_down_until = 0.0
    calls = []
    real_read = SessionStore._cache_read
    monkeypatch.setattr(SessionStore, "_cache_read", lambda self, key: calls.append(self) or real_read(self, key))

    for _ in range(3):
        assert door.get("profile/").status_code == HTTPStatus.OK  # the database answers
    assert len(calls) == 1  # only the first request tried Redis; the circuit spared the others

    SessionStore._cache_down_until = 0.0  # the circuit closes after `circuit_seconds`: simulate that
    assert door.get("profile/").status_code == HTTPStatus.OK
    assert len(calls) == 2
