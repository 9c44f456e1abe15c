"""Redis hung (SIGSTOP on a private redis-server): `/healthz` stays responsive and answers 503 naming Redis, and
requests that need Redis fail fast — within a few socket timeouts — instead of holding a worker forever.

The revocation fall-back under a hung Redis is tested in tests/denylist/test_redis_outages.py; this file covers
the probe and the login throttle, the other two Redis users on the request path.
"""

import time
from http import HTTPStatus

import pytest
from django.test import Client

from tests.support.outage_servers import REDIS_PORTS
from tests.support.processes import RedisServer, require_redis_binary
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

SOCKET_TIMEOUT = 0.3


@pytest.fixture
def hung_redis(settings, tmp_path):
    """Token Lab in production mode against a private redis-server, which the test can freeze."""
    require_redis_binary()
    server = RedisServer(tmp_path, port_range=REDIS_PORTS).start()
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": server.url, "KEY_PREFIX": "tokenlab",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT, "SOCKET_TIMEOUT": SOCKET_TIMEOUT},
    }}
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    yield server
    server.stop()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_healthz_answers_fast_and_names_redis_while_redis_is_hung(hung_redis, user):
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}
    hung_redis.pause()
    try:
        for _ in range(3):
            response, elapsed = timed(lambda: client.get("/healthz"))
            assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
            assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
            assert response["Retry-After"] == "5"
            # Unbounded without a socket timeout; one probe is one timeout (connect or read).
            assert elapsed < 10 * SOCKET_TIMEOUT, elapsed
    finally:
        hung_redis.resume()
    assert client.get("/healthz").status_code == HTTPStatus.OK


@pytest.mark.parametrize("door_name", ["jwt", "session"])
def test_login_fails_fast_with_503_while_redis_is_hung(hung_redis, user, door_name):
    """The login throttle lives in Redis; without it a login is refused (503), never let through uncounted."""
    client = Client(enforce_csrf_checks=False)
    hung_redis.pause()
    try:
        if door_name == "jwt":
            response, elapsed = timed(lambda: client.post(
                "/jwt/token/", {"username": user.username, "password": PASSWORD}, content_type="application/json"))
        else:
            response, elapsed = timed(lambda: client.post(
                "/session/login/", {"username": user.username, "password": PASSWORD}))
    finally:
        hung_redis.resume()
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"detail": "A backing service is unavailable; try again shortly.",
                               "code": "service_unavailable"}
    assert response["Retry-After"] == "5"
    assert elapsed < 10 * SOCKET_TIMEOUT, elapsed
    assert "sessionid" not in response.cookies
