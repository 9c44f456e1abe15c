"""`/healthz`: 200 naming each dependency's state; 503 with Retry-After naming the one that is down."""

import socket
from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_embedded_mode(client, settings, django_assert_num_queries):
    settings.REDIS_URL = None
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "redis": "disabled"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_redis_mode(client, redis_required):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def closed_port() -> int:
    """A loopback port in this suite's range (18100-18199) that nothing listens on."""
    for port in range(18190, 18200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail("no closed port in 18190-18199")


def test_healthz_names_redis_when_it_is_down(client, settings, redis_required):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_is_get_only(client, method):
    assert getattr(client, method)("/healthz").status_code == HTTPStatus.METHOD_NOT_ALLOWED
