"""The session door's hot path: one Redis round trip and no authentication query, and still nothing that ended
works.

`GET /session/api/notes/` on Redis costs one Redis round trip (a pipeline that reads the cached session and its
revocation fields together) and one database query in all (the notes select); the user row is read only when
a view needs more than the id (profile, staff report). On the database store, the session row is the only
authentication query. Dropping Django's per-request user load must keep what its session-hash check
protected: a password change, a deactivation or a deletion, by any path, ends every session of the user — shown
here on `notes/`, the endpoint that never loads the user row — and a login that raced such a change is refused.
"""

import threading
from contextlib import contextmanager
from http import HTTPStatus
from importlib import import_module

import pytest
import redis
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.core.cache import caches
from django.db import connections
from django.test import RequestFactory

from accounts.admission import LoginRefused
from accounts.models import User
from bench.instruments import CostMeter
from denylist import revocation
from resources.models import Note
from sessions_demo.models import DeviceSession
from tests.support.doors import SessionDoor
from tests.support.every_path import DEACTIVATION_PATHS, NEW_PASSWORD, PASSWORD_PATHS
from tests.support.flows import assert_refused
from tests.support.redis_commands import commands_served, delta, sql_tables
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

DB_STORE = "sessions_demo.backends.db"
CACHED_DB_STORE = "sessions_demo.backends.cached_db"


@pytest.fixture
def browser(user):
    Note.objects.create(owner=user, title="hot", body="path")
    return SessionDoor(user.username, PASSWORD).login()


@pytest.fixture
def warm(own_redis, settings, browser):
    """Production mode on a private Redis, the revocation copy rebuilt and leased, the session cached."""
    settings.REVOCATION_LEASE_SECONDS = 600  # the measured request must not fall on a lease renewal
    assert browser.get("notes/").status_code == HTTPStatus.OK
    assert browser.get("notes/").status_code == HTTPStatus.OK
    return own_redis.client()


@contextmanager
def sent_to_redis():
    """Record what this process sends to Redis: one list of command names per round trip (a command or a pipeline)."""
    meter = CostMeter(revocation.get_backend().client)
    with meter.active(), meter.request() as counts:
        trips = []
        yield trips
    trips.append(counts.redis_round_trips)
    trips.append(counts.commands)


def test_one_redis_round_trip_and_no_auth_query_with_redis(warm, browser, django_assert_num_queries):
    before = commands_served(warm)
    with django_assert_num_queries(1) as captured, sent_to_redis() as sent:
        response = browser.get("notes/")
    after = commands_served(warm)

    assert response.status_code == HTTPStatus.OK
    assert [n["title"] for n in response.json()] == ["hot"]
    assert sql_tables(captured) == ["resources_note"]
    assert sent == [1, ["GET", "HMGET"]]  # one round trip: the session copy and its revocation fields
    assert delta(before, after) == {"get": 1, "hmget": 1}


def test_a_request_served_by_another_thread_also_costs_one_round_trip(transactional_db, warm, browser, monkeypatch):
    # django-redis gives each thread its own cache client; the revocation store holds the one it met first.
    # (transactional_db: the other thread's database connection must see the user and the notes.)
    trips = []
    original_command, original_pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute
    monkeypatch.setattr(redis.Redis, "execute_command",
                        lambda self, *a, **kw: trips.append(a[0]) or original_command(self, *a, **kw))
    monkeypatch.setattr(redis.client.Pipeline, "execute", lambda self, *a, **kw: trips.append(
        [c[0][0] for c in self.command_stack]) or original_pipeline(self, *a, **kw))
    responses = []
    def serve():
        try:
            responses.append(browser.get("notes/"))
        finally:
            connections.close_all()

    worker = threading.Thread(target=serve)
    worker.start()
    worker.join()
    assert responses[0].status_code == HTTPStatus.OK
    assert trips == [["GET", "HMGET"]]


def test_an_ended_session_with_a_surviving_copy_costs_the_same_and_is_refused(warm, browser,
                                                                              django_assert_num_queries):
    # A session ended while Redis could not delete its cached copy: the revocation store still refuses it.
    copy = "sess:" + browser.session_key
    data = caches["default"].get(copy)
    other_device = SessionDoor(browser.username, PASSWORD).login()
    response = other_device.client.post("/session/devices/revoke-others/",
                                        **other_device.auth_headers(unsafe=True))
    assert response.status_code == HTTPStatus.FOUND
    caches["default"].set(copy, data)

    with django_assert_num_queries(0), sent_to_redis() as sent:
        response = browser.get("notes/")

    assert_refused(browser, response)
    assert sent == [1, ["GET", "HMGET"]]
    assert other_device.get("notes/").status_code == HTTPStatus.OK


def test_the_user_row_is_read_when_a_view_needs_it(warm, browser, user, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        response = browser.get("profile/")
    assert (response.status_code, response.json()["username"]) == (HTTPStatus.OK, user.username)
    assert sql_tables(captured) == ["accounts_user"]


def test_staff_authorization_always_comes_from_the_database(warm, browser, user):
    assert browser.get("staff/report/").status_code == HTTPStatus.FORBIDDEN
    User.objects.filter(pk=user.pk).update(is_staff=True)  # not a change that ends credentials
    assert browser.get("staff/report/").status_code == HTTPStatus.OK
    User.objects.filter(pk=user.pk).update(is_staff=False)
    assert browser.get("staff/report/").status_code == HTTPStatus.FORBIDDEN


def test_the_database_store_costs_the_session_row_alone(settings, browser, django_assert_num_queries):
    settings.SESSION_ENGINE = DB_STORE
    with django_assert_num_queries(2) as captured:
        response = browser.get("notes/")
    assert response.status_code == HTTPStatus.OK
    assert [q["sql"].split('"')[1] for q in captured.captured_queries] == ["sessions_demo_devicesession",
                                                                          "resources_note"]


def test_unsafe_methods_still_need_the_csrf_token(browser):
    response = browser.client.post("/session/api/notes/", data='{"title": "t"}', content_type="application/json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "CSRF" in response.json()["detail"]
    assert browser.post("notes/", {"title": "t", "body": "b"}).status_code == HTTPStatus.CREATED


# --- what Django's session-hash check protected, on every path ---------------------------------------------------

@pytest.fixture(params=["db", "cached_db+redis"])
def store(request, settings):
    if request.param == "db":
        settings.SESSION_ENGINE = DB_STORE
    else:
        request.getfixturevalue("own_redis")
    return request.param


def notes_refused(door: SessionDoor) -> None:
    assert_refused(door, door.get("notes/"))  # never loads the user row: only the session store can refuse


@pytest.mark.parametrize("path", sorted(PASSWORD_PATHS))
def test_a_password_set_by_any_path_ends_sessions_without_a_user_load(store, user, path):
    sessions = [SessionDoor(user.username, PASSWORD).login() for _ in range(2)]
    for door in sessions:
        assert door.get("notes/").status_code == HTTPStatus.OK
    PASSWORD_PATHS[path](user)
    for door in sessions:
        notes_refused(door)
    assert SessionDoor(user.username, NEW_PASSWORD).login().get("notes/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("path", sorted(DEACTIVATION_PATHS))
def test_a_deactivation_by_any_path_ends_sessions_without_a_user_load(store, user, path):
    door = SessionDoor(user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    DEACTIVATION_PATHS[path](user)
    notes_refused(door)
    User.objects.filter(pk=user.pk).update(is_active=True)
    notes_refused(door)  # reactivation revives nothing


def test_a_deletion_ends_sessions_without_a_user_load(store, user):
    door = SessionDoor(user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    User.objects.get(pk=user.pk).delete()
    notes_refused(door)


# --- a login that raced a change of the account -----------------------------------------------------------------

def fresh_request(engine: str):
    request = RequestFactory().post("/session/login/")
    request.session = import_module(engine).SessionStore()
    return request


def log_in(engine: str, user) -> object:
    """What the login view does once authenticate() has returned `user`: log in on a fresh request's session."""
    request = fresh_request(engine)
    login(request, user)
    return request.session


@pytest.mark.parametrize("engine", [DB_STORE, CACHED_DB_STORE])
@pytest.mark.parametrize("change", ["password", "deactivation", "deletion"])
def test_a_login_that_raced_a_change_of_the_account_is_refused(user, engine, change):
    checked = User.objects.get(pk=user.pk)  # authenticate() read the old state...
    # ...then the change committed and swept the sessions it could see.
    if change == "password":
        User.objects.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD))
    elif change == "deactivation":
        User.objects.filter(pk=user.pk).update(is_active=False)
    else:
        User.objects.get(pk=user.pk).delete()

    request = fresh_request(engine)
    with pytest.raises(LoginRefused):
        login(request, checked)

    assert request.session.session_key is None
    assert not DeviceSession.objects.exists()  # neither the user's row nor the anonymous one login() cycled to


@pytest.mark.parametrize("engine", [DB_STORE, CACHED_DB_STORE])
def test_a_login_that_raced_nothing_keeps_its_session(user, engine):
    session = log_in(engine, User.objects.get(pk=user.pk))
    assert DeviceSession.objects.get(session_key=session.session_key).user_id == user.pk
