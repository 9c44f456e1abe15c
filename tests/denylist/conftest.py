"""Fixtures for the revocation engine's tests: private redis-server instances and settings that point at them."""

import pytest

from tests.integration.processes import RedisServer, redis_server_fixture  # noqa: F401 - `redis_server`


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
