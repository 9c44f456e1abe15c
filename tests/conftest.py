"""Fixtures shared by the whole suite: users, a client per door, and the real services when configured."""


import pytest
from django.conf import settings
from django.core.cache import cache

from accounts.models import User
from tests.support.doors import DOORS
from tests.support.suite import PASSWORD, require_service

# Fixtures more than one suite uses (private redis-servers, production mode against one, attacker keys).
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Start every test with empty throttle counters, session cache and revocation cache."""
    from sessions_demo.backends.cached_db import SessionStore

    SessionStore._cache_down_until = 0.0  # a Redis outage staged by one test must not bypass the cache in the next
    cache.clear()
    yield
    cache.clear()
    SessionStore._cache_down_until = 0.0


@pytest.fixture
def user(db):
    return User.objects.create_user("alice", "alice@example.test", PASSWORD)


@pytest.fixture
def other_user(db):
    return User.objects.create_user("bob", "bob@example.test", PASSWORD)


@pytest.fixture
def staff_user(db):
    return User.objects.create_user("root", "root@example.test", PASSWORD, is_staff=True)


@pytest.fixture(params=sorted(DOORS))
def door_name(request):
    return request.param


@pytest.fixture
def door(door_name, user):
    """An authenticated client of `user` through each door in turn (the test runs once per door)."""
    return DOORS[door_name](user.username, PASSWORD).login()


@pytest.fixture
def other_door(door_name, other_user):
    """`other_user`, through the same door as `door`."""
    return DOORS[door_name](other_user.username, PASSWORD).login()


@pytest.fixture
def staff_door(door_name, staff_user):
    return DOORS[door_name](staff_user.username, PASSWORD).login()


@pytest.fixture
def session_door(user):
    return DOORS["session"](user.username, PASSWORD).login()


@pytest.fixture
def jwt_door(user):
    return DOORS["jwt"](user.username, PASSWORD).login()


@pytest.fixture
def redis_required():
    require_service("Redis", bool(settings.REDIS_URL))


@pytest.fixture
def postgres_required():
    require_service("PostgreSQL", settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))
