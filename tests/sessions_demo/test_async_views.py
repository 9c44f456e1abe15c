"""An async view logs in with `alogin` and out with `alogout`, through Django's ASGI handler, on every store.

The session it makes is a Token Lab session like any other: its row names the user and the device, log-out-everywhere
ends it, and `alogout` ends it for good — the row goes and, with Redis in front, the cached copy is refused — so the
old cookie is anonymous on every worker.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import AsyncClient, Client

from sessions_demo.models import DeviceSession, session_digest
from tests.support.session_stores import cached_copy, is_signed_in, plant_copy, revoked, run, signed_in
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.support.async_session_views")]


def async_signed_in(username: str, agent: str) -> AsyncClient:
    client = AsyncClient()
    # Per request: AsyncClient's constructor `headers` reach the view under another name (Django 5.2.19).
    response = run(client.post)("/async/login/", {"username": username, "password": PASSWORD},
                                          headers={"User-Agent": agent})
    assert (response.status_code, response.json()) == (HTTPStatus.OK, {"user": DeviceSession.objects.get(
        session_key=client.cookies["sessionid"].value).user_id})
    return client


def profile(client: AsyncClient):
    return run(client.get)("/session/api/profile/")


def browser_with(session_key: str) -> Client:
    """A browser presenting `session_key`, as another worker would see it: nothing but the cookie."""
    client = Client()
    client.cookies["sessionid"] = session_key
    return client


def test_alogin_makes_a_session_that_knows_its_user_and_device(store, user):
    client = async_signed_in(user.username, "async phone")
    key = client.cookies["sessionid"].value
    row = DeviceSession.objects.get(session_key=key)
    assert (row.user_id, row.digest, row.user_agent) == (user.pk, session_digest(key), "async phone")
    assert [r.digest for r in store.user_sessions(user_id=user.pk)] == [session_digest(key)]
    response = profile(client)
    assert (response.status_code, response.json()["username"]) == (HTTPStatus.OK, user.username)


def test_log_out_everywhere_from_another_device_ends_the_alogin_session(store, user):
    client = async_signed_in(user.username, "async phone")
    key = client.cookies["sessionid"].value
    laptop = signed_in(user.username, "laptop")

    response = laptop.post("/session/logout-everywhere/")
    assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, "/session/login/")
    assert not DeviceSession.objects.filter(user=user).exists()
    assert profile(client).status_code == HTTPStatus.FORBIDDEN
    assert not is_signed_in(browser_with(key))
    assert cached_copy(store, key) is None


def test_alogout_ends_the_session_on_every_worker(store, user):
    client = async_signed_in(user.username, "async phone")
    key = client.cookies["sessionid"].value
    data = store(key).load()
    assert data[SESSION_KEY] == str(user.pk)

    response = run(client.post)("/async/logout/")
    assert (response.status_code, response.json()) == (HTTPStatus.OK, {"user": None})
    assert not DeviceSession.objects.filter(session_key=key).exists()
    assert cached_copy(store, key) is None
    assert revoked(key)  # on both stores: the session table's trigger records a live row deleted
    assert not is_signed_in(browser_with(key))
    # A worker whose copy survived (its delete failed, or it cached the session again meanwhile) refuses it too.
    plant_copy(store, key, data)
    assert not is_signed_in(browser_with(key))
    assert store(key).load() == {}
