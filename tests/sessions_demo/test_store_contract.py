"""Token Lab's session store contract (sessions_demo.backends.base), run against every store.

Each store lists a user's live sessions by digest (never by key), ends one or all of them for good — a cached copy
included — and is refused by the system check when it is not a Token Lab store.
"""

import pytest
from django.core.checks import run_checks

from sessions_demo import services
from sessions_demo.backends.base import UserSessionStore, engine_store
from sessions_demo.models import session_digest
from tests.support.session_stores import is_signed_in, signed_in

pytestmark = pytest.mark.django_db


def test_every_store_implements_the_contract(store):
    assert issubclass(store, UserSessionStore)
    assert store is engine_store()


def test_user_sessions_lists_live_sessions_by_digest_newest_first(store, user, other_user):
    laptop, phone = signed_in(user.username, "laptop"), signed_in(user.username, "phone")
    signed_in(other_user.username, "bob's")
    rows = list(store.user_sessions(user_id=user.pk))
    assert [row.user_agent for row in rows] == ["phone", "laptop"]
    assert [row.digest for row in rows] == [session_digest(c.cookies["sessionid"].value) for c in (phone, laptop)]


def test_end_sessions_ends_exactly_those_sessions_on_the_next_request(store, user):
    laptop, phone = signed_in(user.username, "laptop"), signed_in(user.username, "phone")
    store.end_sessions([laptop.cookies["sessionid"].value], user_id=user.pk, reason="test")
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
    assert [row.user_agent for row in store.user_sessions(user_id=user.pk)] == ["phone"]


def test_end_all_through_the_services_leaves_only_the_exception(store, user):
    keep, *others = [signed_in(user.username, f"device {i}") for i in range(3)]
    ended = services.session_end_all(user_id=user.pk, except_key=keep.cookies["sessionid"].value)
    assert ended == 2
    assert is_signed_in(keep)
    assert not any(is_signed_in(client) for client in others)


def test_end_one_by_digest_refuses_another_users_session(store, user, other_user):
    bobs = signed_in(other_user.username, "bob's")
    digest = session_digest(bobs.cookies["sessionid"].value)
    assert services.session_end(user_id=user.pk, digest=digest) is False
    assert is_signed_in(bobs)
    assert services.session_end(user_id=other_user.pk, digest=digest) is True
    assert not is_signed_in(bobs)


@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.cache",
                                    "django.contrib.sessions.backends.signed_cookies"])
def test_a_stock_engine_is_refused_by_the_system_check_and_the_services(settings, engine, user):
    settings.SESSION_ENGINE = engine
    assert [m.id for m in run_checks() if m.id.startswith("tokenlab.")] == ["tokenlab.E030"]
    with pytest.raises(TypeError, match="does not implement Token Lab's session store contract"):
        services.session_list(user_id=user.pk)
