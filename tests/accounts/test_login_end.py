"""Ending one login (accounts.logins.login_end) records it where it ends: the door ends it, and the history of ends
and the auth-event log record it once, whichever page or API asked — on both doors. And each door's source lists
its logins across users, by the same rule as one login's state."""

from http import HTTPStatus

import pytest

from accounts import logins
from accounts.models import AuthEvent, LoginEnd
from console import selectors
from denylist.reasons import Reason
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

KINDS = {"session": (SessionDoor, "s"), "token": (JWTDoor, "t")}


def _login_id(kind: str, user) -> str:
    if kind == "session":
        return f"s-{DeviceSession.objects.get(user=user).digest}"
    return f"t-{TokenFamily.objects.get(user=user).pk}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_login_end_records_the_end_and_one_event(kind, user, admin_user):
    door = KINDS[kind][0](user.username, PASSWORD).login()
    login_id = _login_id(kind, user)
    ended = logins.login_end(user_id=user.pk, login_id=login_id, reason=Reason.ADMIN, by=admin_user,
                             ip="198.51.100.7")
    assert (ended.id, ended.state.status, ended.state.reason) == (login_id, logins.ENDED, "admin")
    [event] = AuthEvent.objects.filter(user=user).exclude(kind=AuthEvent.Kind.LOGIN)
    assert (event.kind, event.door, event.ip, event.username, event.detail) == (
        AuthEvent.Kind.LOGIN_ENDED, "admin", "198.51.100.7", user.username,
        f"{kind} login {login_id[:10]} ended by {admin_user.username}")
    assert list(LoginEnd.objects.filter(user_id=user.pk).values_list("login", "reason", "by_username")) == [
        (login_id, "admin", admin_user.username)]
    refused = HTTPStatus.FORBIDDEN if kind == "session" else HTTPStatus.UNAUTHORIZED
    assert door.get("profile/").status_code == refused
    # Ending it again ends and records nothing.
    assert logins.login_end(user_id=user.pk, login_id=login_id, reason=Reason.ADMIN, by=admin_user) is None
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_ENDED).count() == 1
    assert LoginEnd.objects.count() == 1


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_users_own_end_names_no_administrator_and_the_logins_door(kind, user):
    KINDS[kind][0](user.username, PASSWORD).login()
    login_id = _login_id(kind, user)
    ended = logins.login_end(user_id=user.pk, login_id=login_id, reason=Reason.USER,
                             event_kind=AuthEvent.Kind.SESSION_REVOKED)
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.SESSION_REVOKED)
    assert (event.door, event.detail) == (ended.door, f"{kind} login {login_id[:10]} ended by its user")
    assert ended.state.why == "ended by its user"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_source_finds_any_users_login_only_when_asked_for_any_user(kind, user, other_user):
    KINDS[kind][0](other_user.username, PASSWORD).login()
    login_id = _login_id(kind, other_user)
    assert logins.login_get(user_id=user.pk, login_id=login_id) is None
    found = logins.login_get(user_id=None, login_id=login_id)
    assert (found.id, found.user_id, found.state.is_live) == (login_id, other_user.pk, True)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_live_rows_across_users_agree_with_each_logins_state(kind, user, other_user):
    door_class, _prefix = KINDS[kind]
    door_class(user.username, PASSWORD).login()
    door_class(other_user.username, PASSWORD).login()
    door_class(other_user.username, PASSWORD).login()
    ended = _login_id(kind, user)
    logins.login_end(user_id=user.pk, login_id=ended, reason=Reason.USER)
    source = logins.source(kind)
    live = list(logins.live_rows(source))
    assert {row.user_id for row in live} == {other_user.pk}
    states = logins.logins_of(source, [source.row_facts(row) for row in source.rows()])
    assert sorted(login.id for login in states if login.state.is_live) == sorted(
        login.id for login in logins.logins_of(source, [source.row_facts(row) for row in live]))
    counts = selectors.live_counts()
    expected = {"session": 2, "jwt": 0, "hybrid": 0} if kind == "session" else {"session": 0, "jwt": 2, "hybrid": 0}
    assert counts == expected
