"""Fixtures shared by several suites (a pytest plugin, loaded by tests/conftest.py): private redis-servers and
Token Lab in production mode against one, and the attacker's own keys."""

import pytest

from tests.support.forgery import Foreign
from tests.support.processes import RedisServer, redis_server_fixture  # noqa: F401 - the `redis_server` fixture


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
