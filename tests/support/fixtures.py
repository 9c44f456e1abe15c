"""Fixtures shared by several suites (a pytest plugin, loaded by tests/conftest.py): private redis-servers and
Token Lab in production mode against one, and the attacker's own keys."""

import pytest

from tests.support.forgery import Foreign
from tests.support.processes import RedisServer, redis_server_fixture  # noqa: F401 - the `redis_server` fixture


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flushes_the_user_table_first():
    """Empty the user table first when a transactional test flushes SQLite.

    Django flushes SQLite with one `DELETE FROM` per table, in no set order, and SQLite fires row triggers for
    them (PostgreSQL's `TRUNCATE` does not): deleting the users after the revocation table would leave the cut-offs
    the deletion trigger writes (denylist.triggers) for the next test to find.
    """
    from django.db.backends.sqlite3 import base  # noqa: F401 - loads the backend before its operations module
    from django.db.backends.sqlite3.operations import DatabaseOperations

    flush = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        return flush(self, style, sorted(tables, key=lambda table: table != "accounts_user"), **kwargs)

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = flush


def own_redis_caches(server: RedisServer, socket_timeout: float = 0.5) -> dict:
    """The CACHES setting of production mode, pointed at `server`, with short socket timeouts."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "tokenlab",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": socket_timeout, "SOCKET_TIMEOUT": socket_timeout},
        }
    }


@pytest.fixture
def own_redis(settings, redis_server):
    """Run Token Lab in production mode against the private Redis: revocation store, session cache, throttles."""
    settings.CACHES = own_redis_caches(redis_server)
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    return redis_server


@pytest.fixture(scope="session")
def foreign() -> Foreign:
    """The attacker's own RSA, EC and Ed25519 keys."""
    return Foreign.generate()
