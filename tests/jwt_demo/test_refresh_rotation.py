"""Refresh rotation under concurrency and over time: at most one successor, reuse ends the login, a hard end.

Concurrency runs on PostgreSQL (real row locks between real connections, one per thread); the absolute
lifetime is checked in both modes with the codec's clock moved forward.
"""

import threading
from http import HTTPStatus

import jwt
import pytest
from django.db import connections
from django.test import Client

from denylist.models import Revocation
from jwt_demo.models import RefreshToken, TokenFamily
from jwt_demo.tokens import codec
from tests.support.doors import JWTDoor
from tests.support.flows import assert_refused, refresh
from tests.support.suite import PASSWORD

THREADS = 8


def refresh_all_at_once(tokens: list[str]) -> list:
    """Present each token to /jwt/token/refresh/ from its own thread, all released together; return the responses."""
    n = len(tokens)
    barrier = threading.Barrier(n)
    responses: list = [None] * n
    errors: list = []

    def attempt(i: int) -> None:
        try:
            client = Client()
            barrier.wait(timeout=20)
            responses[i] = client.post("/jwt/token/refresh/", {"refresh": tokens[i]},
                                       content_type="application/json")
        except Exception as exc:  # noqa: BLE001 - reported to the test thread below, never swallowed
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert all(r is not None for r in responses)
    return responses


@pytest.mark.usefixtures("postgres_required")
def test_concurrent_refreshes_of_one_token_yield_at_most_one_successor(transactional_db, user):
    door = JWTDoor(user.username, PASSWORD).login()
    family = TokenFamily.objects.get(user=user)

    responses = refresh_all_at_once([door.refresh] * THREADS)

    statuses = [r.status_code for r in responses]
    winners = [r for r in responses if r.status_code == HTTPStatus.OK]
    assert len(winners) <= 1, statuses
    assert set(statuses) <= {HTTPStatus.OK, HTTPStatus.UNAUTHORIZED}
    assert {r.json()["code"] for r in responses if r.status_code != HTTPStatus.OK} <= {"token_reused", "token_revoked"}
    # Every loser presented a rotated token: that is reuse, and it ends the whole login.
    family.refresh_from_db()
    assert (family.revoked_reason, family.revoked_at is not None) == ("reuse", True)
    assert Revocation.objects.filter(kind="f", key=family.id).exists()
    assert RefreshToken.objects.filter(family=family).count() == 1 + len(winners)
    assert RefreshToken.objects.filter(family=family, rotated_at__isnull=False).count() == 1
    for winner in winners:
        successor = JWTDoor(user.username, PASSWORD)
        successor.access, successor.refresh = winner.json()["access"], winner.json()["refresh"]
        assert_refused(successor, successor.get("notes/"))
        assert refresh(successor).status_code == HTTPStatus.UNAUTHORIZED
    assert_refused(door, door.get("notes/"))


@pytest.mark.usefixtures("postgres_required")
def test_concurrent_refreshes_of_two_logins_do_not_disturb_each_other(transactional_db, user, other_user):
    doors = [JWTDoor(u.username, PASSWORD).login() for u in (user, user, other_user, other_user)]

    responses = refresh_all_at_once([door.refresh for door in doors])

    assert [r.status_code for r in responses] == [HTTPStatus.OK] * len(doors)
    assert TokenFamily.objects.filter(revoked_at__isnull=False).count() == 0
    assert len({r.json()["refresh"] for r in responses}) == len(doors)


def unverified_exp(token: str) -> int:
    return jwt.decode(token, options={"verify_signature": False})["exp"]


def test_rotation_never_extends_a_login_past_the_absolute_lifetime(settings, user, monkeypatch):
    settings.ACCESS_TOKEN_LIFETIME = 30
    settings.REFRESH_TOKEN_LIFETIME = 60
    settings.REFRESH_ABSOLUTE_LIFETIME = 100
    # The codec's clock drives issuing and the service's checks; PyJWT reads the real clock, so give it room.
    settings.JWT_LEEWAY = 1000
    start = codec.clock()
    now = [start]
    monkeypatch.setattr(codec, "clock", lambda: now[0])
    door = JWTDoor(user.username, PASSWORD).login()
    family = TokenFamily.objects.get(user=user)
    deadline = int(family.absolute_expires_at.timestamp())
    # Counted from the login instant (when the password check began, on the wall clock), a moment after `start`.
    assert 0 <= family.created.timestamp() - start < 5
    assert deadline == int(family.created.timestamp() + 100)

    for offset in (20, 40, 60, 80, 99):
        now[0] = start + offset
        assert refresh(door).status_code == HTTPStatus.OK
        assert unverified_exp(door.refresh) == min(int(start + offset) + 60, deadline)
        assert unverified_exp(door.access) <= deadline
    now[0] = start + 100.5

    response = refresh(door)

    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_not_valid")
    assert RefreshToken.objects.filter(family=family, expires_at__gt=family.absolute_expires_at).count() == 0
