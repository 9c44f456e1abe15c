"""Fixtures for the revocation engine's tests: private redis-server instances and settings that point at them."""

import shutil

import pytest

from tests.conftest import IN_CI
from tests.integration.processes import RedisServer


def require_redis_binary() -> None:
    """Skip on a laptop without `redis-server`; fail in CI, where it is installed."""
    if shutil.which("redis-server"):
        return
    if IN_CI:
        pytest.fail("redis-server is required in CI but is not installed")
    pytest.skip("redis-server is not installed (apt-get install redis-server)")


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port in 18200-18249, stopped by its pid after the test."""
    require_redis_binary()
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


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
