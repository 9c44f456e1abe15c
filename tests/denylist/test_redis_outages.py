"""Redis down, Redis hung, and Redis and the database down together: checks fail closed, never 500, never hang.

Every test runs Token Lab in production mode against a private redis-server that it stops or freezes (SIGSTOP)
by pid. Behaviours that apply to both doors run on both.
"""

import time
from http import HTTPStatus

import pytest

from denylist import revocation
from tests.support.doors import DOORS, JWTDoor
from tests.support.fixtures import own_redis_caches
from tests.support.flows import (
    assert_refused,
    assert_unavailable,
    database_unreachable,
    log_out,
    refresh,
)
from tests.support.suite import PASSWORD


def test_redis_unreachable_checks_fall_back_to_the_database(own_redis, door_name, user, other_user):
    live = DOORS[door_name](user.username, PASSWORD).login()
    ended = DOORS[door_name](user.username, PASSWORD).login()
    bystander = DOORS[door_name](other_user.username, PASSWORD).login()
    log_out(ended)
    assert_refused(ended, ended.get("notes/"))

    own_redis.stop()

    assert live.get("notes/").status_code == HTTPStatus.OK
    assert bystander.get("notes/").status_code == HTTPStatus.OK
    assert_refused(ended, ended.get("notes/"))
    assert_refused(ended, ended.get("profile/"))


def test_redis_unreachable_a_revocation_still_takes_effect_at_once(own_redis, settings, user, monkeypatch):
    """Revoking with Redis stopped (connection refused): recorded in the database, refused on the next request."""
    settings.REVOCATION_LEASE_SECONDS = 1
    monkeypatch.setattr("denylist.backends.redis.RedisRevocationBackend.sleep", staticmethod(lambda seconds: None))
    door = JWTDoor(user.username, PASSWORD).login()
    own_redis.stop()

    log_out(door)

    assert_refused(door, door.get("notes/"))
    assert refresh(door).status_code == HTTPStatus.UNAUTHORIZED


def test_redis_unreachable_a_live_login_still_refreshes(own_redis, user):
    """The refresh throttle's counter is in Redis; with Redis down a refresh goes on uncounted (revocation is
    still checked, against the database), rather than a login dying with the cache."""
    door = JWTDoor(user.username, PASSWORD).login()
    own_redis.stop()

    assert refresh(door).status_code == HTTPStatus.OK
    assert door.get("notes/").status_code == HTTPStatus.OK
    assert refresh(door).status_code == HTTPStatus.OK


@pytest.mark.usefixtures("postgres_required")
def test_redis_and_database_unreachable_answer_503_never_500(own_redis, transactional_db, door_name, user):
    door = DOORS[door_name](user.username, PASSWORD).login()
    own_redis.stop()

    with database_unreachable():
        responses = [door.get("notes/"), door.get("profile/"), door.post("notes/", {"title": "t", "body": "b"})]

    for response in responses:
        assert_unavailable(response)
    assert door.get("notes/").status_code == HTTPStatus.OK  # and service resumes once the database is back


@pytest.mark.usefixtures("postgres_required")
def test_jwt_endpoints_answer_503_when_redis_and_database_are_unreachable(own_redis, transactional_db, user):
    door = JWTDoor(user.username, PASSWORD).login()
    own_redis.stop()

    with database_unreachable():
        responses = [
            refresh(door),
            door.client.post("/jwt/token/verify/", {"token": door.access}, content_type="application/json"),
            door.client.post("/jwt/logout-all/", data="", content_type="application/json",
                             **door.auth_headers(unsafe=True)),
        ]

    for response in responses:
        assert_unavailable(response)


@pytest.mark.usefixtures("postgres_required")
def test_an_expired_lease_with_the_database_unreachable_is_503(own_redis, transactional_db, user):
    """Redis answers but no longer vouches for its copy (lease run out): the check needs the database."""
    door = JWTDoor(user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    own_redis.client().hset(revocation.get_backend().key, "!lease", 1)

    with database_unreachable():
        response = door.get("profile/")

    assert_unavailable(response)


def hung_redis_settings(settings, server, socket_timeout: float) -> None:
    settings.CACHES = own_redis_caches(server, socket_timeout=socket_timeout)
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"


def test_a_hung_redis_costs_about_one_socket_timeout_then_falls_back(settings, redis_server, user, door_name):
    socket_timeout = 0.3
    hung_redis_settings(settings, redis_server, socket_timeout)
    live = DOORS[door_name](user.username, PASSWORD).login()
    ended = DOORS[door_name](user.username, PASSWORD).login()
    log_out(ended)
    assert live.get("notes/").status_code == HTTPStatus.OK

    redis_server.pause()
    timings = []
    for door, expected in [(live, HTTPStatus.OK), (ended, None), (live, HTTPStatus.OK), (ended, None)]:
        started = time.monotonic()
        response = door.get("notes/")
        timings.append(time.monotonic() - started)
        if expected is None:
            assert_refused(door, response)
        else:
            assert response.status_code == expected

    # A hang would be unbounded; a request touches Redis at most a few times, each bounded by the timeout.
    assert max(timings) < 10 * socket_timeout, timings
