"""The cached_db store keeps Django's cached_db contract — the cache alias from settings, `exists()` in the cache
first, a failed cache write logged as Django logs it — without ever trusting a cached copy the revocation store
refuses."""

import logging

import pytest
from django.core.cache import caches
from redis.exceptions import ConnectionError as RedisConnectionError

from sessions_demo.backends.cached_db import KEY_PREFIX, SessionStore
from sessions_demo.models import DeviceSession
from tests.support.fixtures import own_redis_caches

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions_alias(own_redis, settings):
    """A second cache alias on the same private Redis (its own key prefix), named by SESSION_CACHE_ALIAS."""
    settings.CACHES = {**own_redis_caches(own_redis),
                       "sessions": {**own_redis_caches(own_redis)["default"], "KEY_PREFIX": "tokenlab-sessions"}}
    settings.SESSION_CACHE_ALIAS = "sessions"


def test_the_session_cache_alias_is_read_from_settings_whenever_a_store_is_made(sessions_alias, settings):
    session = SessionStore()
    session["k"] = "v"
    session.save()
    key = session.session_key
    assert caches["sessions"].get(KEY_PREFIX + key) == {"k": "v"}
    assert caches["default"].get(KEY_PREFIX + key) is None
    assert SessionStore(key).load() == {"k": "v"}

    SessionStore.end_sessions([key])
    assert caches["sessions"].get(KEY_PREFIX + key) is None
    settings.SESSION_CACHE_ALIAS = "default"
    assert SessionStore()._cache is caches["default"]


def test_exists_refuses_a_cached_copy_of_an_ended_session(own_redis):
    session = SessionStore()
    session["k"] = "v"
    session.save()
    key = session.session_key
    assert session.exists(key) is True
    SessionStore.end_sessions([key])
    caches["default"].set(KEY_PREFIX + key, {"k": "v"})  # a copy that survived: its delete had failed
    assert session.exists(key) is False
    assert SessionStore(key).load() == {}


def test_a_failed_cache_write_is_logged_as_django_logs_it_and_opens_the_circuit(own_redis, monkeypatch, caplog):
    session = SessionStore()
    session["k"] = "v"
    cache = session._cache

    def refuse(*args, **kwargs):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(cache, "set", refuse)
    with caplog.at_level(logging.ERROR, logger="django.contrib.sessions"):
        session.save()  # not fatal: the row is saved
    assert DeviceSession.objects.filter(session_key=session.session_key).exists()
    [record] = [r for r in caplog.records if r.name == "django.contrib.sessions"]
    assert (record.levelno, record.getMessage()) == (logging.ERROR, f"Error saving to cache ({cache})")
    assert str(record.exc_info[1]) == "Redis went away"
    assert SessionStore._cache_usable() is False  # the circuit: this process reads the database meanwhile
