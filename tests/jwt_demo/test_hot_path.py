"""The JWT door's hot path: an authenticated request costs one Redis command and no database query to check.

`GET /jwt/api/notes/` with Redis: exactly one Redis command for authentication and revocation together, and
one database query in all (the notes select). Embedded: exactly one revocation query beside the notes select.
"""

from http import HTTPStatus

import pytest

from denylist import revocation
from resources.models import Note
from tests.support.doors import JWTDoor
from tests.support.redis_commands import commands_served, delta, sql_tables
from tests.support.suite import PASSWORD


@pytest.fixture
def notes_door(user):
    Note.objects.create(owner=user, title="hot", body="path")
    return JWTDoor(user.username, PASSWORD).login()


def test_one_redis_command_and_no_auth_query_with_redis(own_redis, settings, notes_door, django_assert_num_queries):
    settings.REVOCATION_LEASE_SECONDS = 600  # the measured request must not fall on a lease renewal
    inspector = own_redis.client()
    assert notes_door.get("notes/").status_code == HTTPStatus.OK  # cold: asks the database, rebuilds the copy

    before = commands_served(inspector)
    with django_assert_num_queries(1) as captured:
        response = notes_door.get("notes/")
    after = commands_served(inspector)

    assert response.status_code == HTTPStatus.OK
    assert [n["title"] for n in response.json()] == ["hot"]
    assert sql_tables(captured) == ["resources_note"]
    assert delta(before, after) == {"hmget": 1}


def test_a_revoked_token_costs_the_same_one_command(own_redis, settings, user, notes_door,
                                                   django_assert_num_queries):
    settings.REVOCATION_LEASE_SECONDS = 600
    inspector = own_redis.client()
    assert notes_door.get("notes/").status_code == HTTPStatus.OK
    revocation.revoke_user(user_id=user.pk, reason="test")

    before = commands_served(inspector)
    with django_assert_num_queries(0):
        response = notes_door.get("notes/")
    after = commands_served(inspector)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token has been revoked.", "code": "token_revoked"}
    assert delta(before, after) == {"hmget": 1}


def test_configured_redis_serves_the_check_in_one_command(redis_required, settings, notes_door,
                                                          django_assert_num_queries):
    """Production mode as configured by REDIS_URL: count the commands the revocation client sends."""
    settings.REVOCATION_LEASE_SECONDS = 600
    assert settings.REVOCATION_BACKEND == "denylist.backends.redis.RedisRevocationBackend"
    assert notes_door.get("notes/").status_code == HTTPStatus.OK
    client = revocation.get_backend().client
    sent = []
    original = client.execute_command

    def counting(*args, **options):
        sent.append(args[0])
        return original(*args, **options)

    client.execute_command = counting
    try:
        with django_assert_num_queries(1) as captured:
            response = notes_door.get("notes/")
    finally:
        del client.execute_command

    assert response.status_code == HTTPStatus.OK
    assert sql_tables(captured) == ["resources_note"]
    assert sent == ["HMGET"]


def test_embedded_mode_checks_revocation_in_one_query(settings, notes_door, django_assert_num_queries):
    settings.REVOCATION_BACKEND = "denylist.backends.db.DatabaseRevocationBackend"

    with django_assert_num_queries(2) as captured:
        response = notes_door.get("notes/")

    assert response.status_code == HTTPStatus.OK
    assert sorted(sql_tables(captured)) == ["denylist_revocation", "resources_note"]
