"""The one state rule (accounts.logins): live, expired or ended — when, why, by whom — for every way a login ends.

Each scenario also asks the door itself: a login the rule calls live is accepted, one it calls ended is refused.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts import logins, services
from accounts.models import LoginEnd, User, acting_admin
from console.selectors import live_sessions, live_token_logins
from denylist import revocation
from denylist.clock import ms_datetime
from denylist.models import Revocation
from jwt_demo.logins import family_facts
from jwt_demo.models import TokenFamily
from sessions_demo.logins import session_facts
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def token_state(family_id: str):
    return logins.logins_of(logins.source("token"), [family_facts(TokenFamily.objects.get(pk=family_id))])[0].state


def family_of(door: JWTDoor) -> str:
    from jwt_demo.tokens import codec

    return codec.decode(door.access, token_types=("access",)).family


def test_a_fresh_login_is_live_on_both_doors(user, session_door, jwt_door):
    found = logins.login_list(user_id=user.pk)
    assert {login.kind for login in found} == {"session", "token"}
    assert all(login.state.is_live and login.state.why == "" for login in found)
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK


def test_logout_ends_the_token_login(user, jwt_door):
    jwt_door.client.post("/jwt/logout/", content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {jwt_door.access}")
    state = token_state(family_of(jwt_door))
    assert (state.status, state.reason, state.why) == (logins.ENDED, "logout", "logged out")
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED


def test_reuse_detection_ends_the_token_login(user, jwt_door):
    first = jwt_door.refresh
    rotated = jwt_door.client.post("/jwt/token/refresh/", {"refresh": first}, content_type="application/json")
    assert rotated.status_code == HTTPStatus.OK
    replay = jwt_door.client.post("/jwt/token/refresh/", {"refresh": first}, content_type="application/json")
    assert replay.status_code == HTTPStatus.UNAUTHORIZED
    state = token_state(family_of(jwt_door))
    assert (state.status, state.why) == (logins.ENDED, "refresh token reuse detected")


@pytest.mark.parametrize(("trigger", "reason", "why"), [
    ("logout_everywhere", "logout_everywhere", "logged out everywhere"),
    ("password", "password_changed", "password changed"),
    ("suspend", "suspended", "account suspended"),
    ("queryset_suspend", "suspended", "account suspended"),
])
def test_account_wide_ends_end_every_login_of_both_kinds(user, trigger, reason, why):
    session = SessionDoor(user.username, PASSWORD).login()
    jwt = JWTDoor(user.username, PASSWORD).login()
    facts = [session_facts(DeviceSession.objects.get(user=user))]
    family = family_of(jwt)
    before = timezone.now()
    if trigger == "logout_everywhere":
        services.user_log_out_everywhere(user=user)
    elif trigger == "password":
        user.set_password("another long passphrase 2026")
        user.save()
    elif trigger == "suspend":
        services.user_suspend(user=user)
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    # The token login: its row says nothing (revoked_at is empty), the user's cut-off ends it.
    assert TokenFamily.objects.get(pk=family).revoked_at is None
    state = token_state(family)
    assert (state.status, state.reason, state.why, state.by) == (logins.ENDED, reason, why, "")
    assert state.at >= before
    # The session: its row is gone; what it was is still judged ended, for the same reason.
    [gone] = logins.logins_of(logins.source("session"), facts)
    assert (gone.state.status, gone.state.reason) == (logins.ENDED, reason)
    assert logins.login_list(user_id=user.pk) == []
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN


def test_deletion_ends_what_the_account_had(user, jwt_door):
    facts = family_facts(TokenFamily.objects.get(user=user))
    user.delete()
    [login] = logins.logins_of(logins.source("token"), [facts])
    assert (login.state.status, login.state.why) == (logins.ENDED, "account deleted")


def test_an_administrator_ending_a_login_is_named(user, jwt_door, admin_user):
    ended = logins.login_end(user_id=user.pk, login_id=f"t-{family_of(jwt_door)}", reason="admin", by=admin_user)
    assert ended is not None and ended.state.status == logins.ENDED
    state = token_state(family_of(jwt_door))
    assert (state.status, state.why) == (logins.ENDED, f"ended by administrator {admin_user.username}")
    assert state.by == admin_user.username
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(("act", "reason"), [("logout_everywhere", "logout_everywhere"), ("suspend", "suspended")])
def test_an_administrators_account_wide_end_is_named(user, jwt_door, admin_user, act, reason):
    with acting_admin(admin_user):
        if act == "suspend":
            services.user_suspend(user=user)
        else:
            services.user_log_out_everywhere(user=user, door="admin")
    state = token_state(family_of(jwt_door))
    assert (state.status, state.reason, state.by) == (logins.ENDED, reason, admin_user.username)


def test_a_session_ended_by_its_user_keeps_its_reason(user):
    laptop = SessionDoor(user.username, PASSWORD).login()
    row = DeviceSession.objects.get(session_key=laptop.session_key)
    facts = session_facts(row)
    assert logins.login_end(user_id=user.pk, login_id=f"s-{row.digest}", reason="user")
    [login] = logins.logins_of(logins.source("session"), [facts])
    assert (login.state.status, login.state.why) == (logins.ENDED, "ended by its user")
    assert laptop.get("profile/").status_code == HTTPStatus.FORBIDDEN


def test_expired_logins(user, jwt_door, session_door):
    past = timezone.now() - timedelta(seconds=1)
    TokenFamily.objects.filter(user=user).update(absolute_expires_at=past)
    DeviceSession.objects.filter(user=user).update(expire_date=past)
    assert logins.login_list(user_id=user.pk) == []
    states = [login.state for login in logins.login_list(user_id=user.pk, live_only=False)]
    assert [s.status for s in states] == [logins.EXPIRED, logins.EXPIRED]
    assert all(s.at == past and s.why == "expired" for s in states)


def test_the_earliest_end_wins(user):
    old = JWTDoor(user.username, PASSWORD).login()
    user.set_password("another long passphrase 2026")
    user.save()
    middle = JWTDoor(user.username, "another long passphrase 2026").login()
    services.user_log_out_everywhere(user=user)
    new = JWTDoor(user.username, "another long passphrase 2026").login()
    # The store keeps only the latest cut-off and its reason; the history says what ended each login first.
    row = Revocation.objects.get(kind=Revocation.Kind.USER, key=str(user.pk))
    assert row.reason == "logout_everywhere"
    assert token_state(family_of(old)).reason == "password_changed"
    assert token_state(family_of(middle)).reason == "logout_everywhere"
    assert token_state(family_of(new)).is_live
    # A logout after a cut-off does not move the end of a login the cut-off had ended.
    first = token_state(family_of(old))
    TokenFamily.objects.filter(pk=family_of(old)).update(revoked_at=timezone.now(), revoked_reason="logout")
    assert token_state(family_of(old)) == first


def test_without_a_record_the_store_still_decides(user, jwt_door):
    revocation.revoke_user(user_id=user.pk, reason="logout-all")  # e.g. denylist.simplejwt's logout-all
    assert not LoginEnd.objects.exists()
    state = token_state(family_of(jwt_door))
    assert (state.status, state.why) == (logins.ENDED, "logged out everywhere")
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED


def test_the_cut_off_is_exact_to_the_microsecond_in_python_and_in_sql(user, jwt_door, session_door):
    """Dead exactly when the login's start (in ms) is before the cut-off: the rule the doors check."""
    session = DeviceSession.objects.get(user=user)
    cutoff = revocation.revoke_user(user_id=user.pk, reason="logout_everywhere")
    at = ms_datetime(cutoff)
    family = TokenFamily.objects.get(user=user)
    # The cut-off's trigger deleted the session row (sessions_demo.triggers); put it back to date it around the
    # cut-off, as a row the sweep did not see (a login in flight) would be.
    assert not DeviceSession.objects.filter(pk=session.pk).exists()
    session.save(force_insert=True)
    for created, live in [(at - timedelta(microseconds=1), False), (at, True), (at + timedelta(microseconds=1), True),
                          (at - timedelta(milliseconds=1), False), (at.replace(microsecond=0), at.microsecond == 0)]:
        TokenFamily.objects.filter(pk=family.pk).update(created=created)
        DeviceSession.objects.filter(pk=session.pk).update(created=created)
        assert token_state(family.pk).is_live is live, created
        [session_login] = logins.logins_of(logins.source("session"),
                                           [session_facts(DeviceSession.objects.get(pk=session.pk))])
        assert session_login.state.is_live is live, created
        assert live_token_logins().filter(pk=family.pk).exists() is live, created
        assert live_sessions().filter(pk=session.pk).exists() is live, created


@pytest.mark.parametrize("login_id", [None, 7, "", "s-", "t-" + "0" * 31, "s-" + "0" * 33, "S-" + "0" * 32,
                                      "t-" + "G" * 32, "q-" + "0" * 32, "t-" + "0" * 31 + "\x00", "x" * 10_000])
def test_malformed_ids_name_no_login(user, jwt_door, login_id, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert logins.login_get(user_id=user.pk, login_id=login_id) is None
        assert logins.login_end(user_id=user.pk, login_id=login_id, reason="user") is None
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK


def test_another_users_login_is_not_found(user, other_user):
    bob = JWTDoor(other_user.username, PASSWORD).login()
    assert logins.login_get(user_id=user.pk, login_id=f"t-{family_of(bob)}") is None
    assert logins.login_end(user_id=user.pk, login_id=f"t-{family_of(bob)}", reason="user") is None
    assert bob.get("profile/").status_code == HTTPStatus.OK
