"""The async session API honours the store: each async method does what its sync twin does, on every store.

The async twins of test_store_contract.py: a new session's row carries its digest and device; a logged-in session
saved asynchronously keeps its user, so log-out-everywhere still ends it; a session ended elsewhere is not
re-created by `asave()`; and ending a session (`adelete`, `aflush`, `acycle_key`) removes its row and, with Redis in
front, its cached copy, recording the revocation so that no copy brings it back.
"""

import inspect

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DjangoDBStore

from accounts import services as accounts
from sessions_demo.backends import cached_db, db
from sessions_demo.models import DeviceSession, session_digest
from tests.support.session_stores import cached_copy, is_signed_in, plant_copy, revoked, run, signed_in

pytestmark = pytest.mark.django_db

def _async_methods(cls) -> set[str]:
    return {name for name, value in vars(cls).items()
            if inspect.iscoroutinefunction(value.__func__ if isinstance(value, classmethod) else value)}


# The async methods of Django's session API that reach storage: every one Django's db and cached_db stores define
# (natively, each bypassing a subclass's sync overrides), and SessionBase's two that end or replace a session.
STORAGE_METHODS = {
    "db": _async_methods(DjangoDBStore) | {"aflush", "acycle_key"},
    "cached_db": _async_methods(DjangoDBStore) | _async_methods(DjangoCachedDBStore) | {"aflush", "acycle_key"},
}


def row_exists(session_key: str) -> bool:
    return DeviceSession.objects.filter(session_key=session_key).exists()


@pytest.mark.parametrize(("name", "store_class"), [("db", db.SessionStore), ("cached_db", cached_db.SessionStore)])
def test_every_async_method_that_reaches_storage_is_the_stores_own(name, store_class):
    assert {"acreate", "asave", "adelete", "aload", "aexists", "aclear_expired"} <= STORAGE_METHODS[name]
    inherited = [method for method in sorted(STORAGE_METHODS[name])
                 if not getattr(store_class, method).__module__.startswith("sessions_demo.")]
    assert inherited == []


def test_acreate_stores_a_row_with_its_digest_and_device(store):
    first, second = store(), store()
    first.user_agent, first.ip = "phone", "203.0.113.7"
    run(first.acreate)()
    run(second.acreate)()  # a second row: the digest column is unique, and each row has its own
    row = DeviceSession.objects.get(session_key=first.session_key)
    assert (row.digest, row.user_id, row.user_agent, row.ip) == (
        session_digest(first.session_key), None, "phone", "203.0.113.7")
    assert DeviceSession.objects.get(session_key=second.session_key).digest == session_digest(second.session_key)
    assert first.modified is True


def test_asave_of_a_logged_in_session_keeps_its_user_digest_and_device(store, user):
    browser = signed_in(user.username, "laptop")
    key = browser.cookies["sessionid"].value
    session = store(key)
    run(session.aset)("theme", "dark")
    run(session.asave)()
    row = DeviceSession.objects.get(session_key=key)
    assert (row.user_id, row.digest, row.user_agent) == (user.pk, session_digest(key), "laptop")
    assert store(key).load()["theme"] == "dark"
    assert is_signed_in(browser)

    accounts.user_log_out_everywhere(user=user)
    assert not row_exists(key)
    assert not is_signed_in(browser)


def test_asave_of_a_new_logged_in_session_names_its_user_so_log_out_everywhere_ends_it(store, user):
    session = store()
    run(session.aset)(SESSION_KEY, str(user.pk))
    run(session.asave)()
    key = session.session_key
    assert [row.digest for row in store.user_sessions(user_id=user.pk)] == [session_digest(key)]
    accounts.user_log_out_everywhere(user=user)
    assert not row_exists(key)
    assert cached_copy(store, key) is None
    assert run(store(key).aload)() == {}


def test_asave_of_an_ended_session_raises_update_error_and_recreates_nothing(store):
    session = store()
    run(session.aset)("step", 1)
    run(session.asave)(must_create=True)
    key = session.session_key
    store.end_sessions([key])
    run(session.aset)("step", 2)
    with pytest.raises(UpdateError):
        run(session.asave)()
    assert not row_exists(key)
    assert cached_copy(store, key) is None
    assert run(session.aload)() == {}


def test_adelete_ends_the_session_its_cached_copy_included(store, user):
    browser = signed_in(user.username, "laptop")
    key = browser.cookies["sessionid"].value
    session = store(key)
    data = session.load()
    assert data[SESSION_KEY] == str(user.pk)
    if store is cached_db.SessionStore:
        assert cached_copy(store, key) == data  # the login left a copy in Redis

    run(session.adelete)()
    assert not row_exists(key)
    assert cached_copy(store, key) is None
    assert revoked(key)  # on both stores: the session table's trigger records a live row deleted
    assert not is_signed_in(browser)
    plant_copy(store, key, data)  # a copy that survived (a worker's delete failed): refused, as the row is gone
    assert store(key).load() == {}


def test_aload_of_an_ended_session_is_empty(store, user):
    browser = signed_in(user.username, "laptop")
    key = browser.cookies["sessionid"].value
    assert run(store(key).aload)()[SESSION_KEY] == str(user.pk)
    store.end_sessions([key], user_id=user.pk, reason="test")
    session = store(key)
    assert run(session.aload)() == {}
    assert session.session_key is None
    assert run(session.aget)(SESSION_KEY) is None


def test_acycle_key_keeps_the_user_and_ends_the_old_key(store, user):
    browser = signed_in(user.username, "laptop")
    old = browser.cookies["sessionid"].value
    session = store(old)
    session.user_agent = "laptop"  # as DeviceSessionMiddleware sets it on the request's store
    run(session.acycle_key)()
    new = session.session_key
    assert new not in {None, old}
    row = DeviceSession.objects.get(session_key=new)
    assert (row.user_id, row.digest, row.user_agent) == (user.pk, session_digest(new), "laptop")
    assert not row_exists(old)
    assert cached_copy(store, old) is None
    assert revoked(old)  # on both stores: the session table's trigger records a live row deleted
    assert not is_signed_in(browser)
    browser.cookies["sessionid"] = new
    assert is_signed_in(browser)


def test_aclear_expired_deletes_the_expired_rows_only(store):
    live, expired = store(), store()
    for session, expiry in ((live, 3600), (expired, -3600)):
        run(session.aset)("k", "v")
        run(session.aset_expiry)(expiry)
        run(session.asave)()
    assert DeviceSession.objects.count() == 2
    run(store.aclear_expired)()
    assert list(DeviceSession.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_aexists_answers_as_exists_does(store, django_assert_num_queries):
    session = store()
    run(session.acreate)()
    key = session.session_key
    assert (run(session.aexists)(key), session.exists(key)) == (True, True)
    run(session.adelete)()
    assert (run(session.aexists)(key), session.exists(key)) == (False, False)
    with django_assert_num_queries(0):  # a key Token Lab never mints is answered before any query
        assert run(session.aexists)("a" * 31 + "\x00") is False
        assert run(session.aexists)("") is False


def test_aflush_ends_the_session_and_forgets_its_key(store, user):
    browser = signed_in(user.username, "laptop")
    key = browser.cookies["sessionid"].value
    session = store(key)
    assert run(session.aget)(SESSION_KEY) == str(user.pk)
    run(session.aflush)()
    assert session.session_key is None
    assert list(run(session.akeys)()) == []
    assert not row_exists(key)
    assert cached_copy(store, key) is None
    assert revoked(key)  # on both stores: the session table's trigger records a live row deleted
    assert not is_signed_in(browser)
