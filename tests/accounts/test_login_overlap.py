"""A login that overlaps a change gets nothing that outlives it (issue 16), on every door, deterministically.

The thief logs in with the old password on the JWT door, the hybrid login, the session door or /admin/login/. The
owner's change — a password change, a deactivation, a log out everywhere — commits at one of three moments:
- `before`: after the thief's login has completed: what it got dies (the cut-off and the sweep);
- `during`: after the thief's password check has passed and before the login issues anything (the check *began*
  before the change): the login is refused exactly as a wrong password is, and nothing it could hold works;
- `after`: before the thief's check begins: a login whose check began after the change lives (with the new
  password; a deactivated account once reactivated; the same password after a log out everywhere).
Every credential is presented afterwards: access on `/jwt/api/notes/` and `/jwt/api/profile/`, refresh on
`/jwt/token/refresh/`, the hybrid cookie on `/jwt/hybrid/refresh/`, the session cookie on `/session/api/profile/`.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import check_password

from accounts import services as accounts
from accounts.models import User
from denylist import revocation
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.login_overlap import (
    CHANGES,
    DOORS,
    NEW_PASSWORD,
    alive,
    change_during_the_check,
    dead,
    log_in,
    password_after,
    present,
    refused_like_a_wrong_password,
)
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    # Staff, so that the same account can also log in at /admin/login/.
    return User.objects.create_user("owner", "owner@example.test", PASSWORD, is_staff=True)


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("door", DOORS)
def test_a_login_whose_check_overlapped_the_change_is_refused_and_holds_nothing(owner, door, change):
    with change_during_the_check(lambda: CHANGES[change](owner.pk)) as fired:
        grant = log_in(door, owner.username)

    assert fired, "the change never ran during the password check: update this test"
    assert refused_like_a_wrong_password(grant), (grant.status, grant.body[:300])
    assert not TokenFamily.objects.filter(user=owner).exists()
    assert not DeviceSession.objects.filter(user=owner).exists()
    assert "tokenlab_refresh" not in grant.client.cookies or not grant.client.cookies["tokenlab_refresh"].value
    assert dead(present(grant))
    if change == "password":
        assert check_password(NEW_PASSWORD, User.objects.get(pk=owner.pk).password)  # the change itself stood


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("door", DOORS)
def test_what_a_login_got_before_the_change_dies_with_it(owner, door, change):
    grant = log_in(door, owner.username)
    assert grant.status in {HTTPStatus.OK, HTTPStatus.FOUND}, grant.body[:300]

    CHANGES[change](owner.pk)

    answers = present(grant)
    assert answers and dead(answers), answers


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("door", DOORS)
def test_a_login_whose_check_began_after_the_change_lives(owner, door, change):
    CHANGES[change](owner.pk)
    if change == "deactivation":
        accounts.user_reactivate(user=User.objects.get(pk=owner.pk))

    grant = log_in(door, owner.username, password_after(change))

    assert grant.status == (HTTPStatus.FOUND if door in {"session", "admin"} else HTTPStatus.OK), grant.body[:300]
    answers = present(grant)
    assert alive(answers), answers
    cutoff = revocation.user_cutoff_ms(owner.pk)
    if door in {"jwt", "hybrid"}:
        assert grant.auth_time_ms >= cutoff
        assert int(TokenFamily.objects.get(user=owner).created.timestamp() * 1000) == grant.auth_time_ms
    else:
        session = DeviceSession.objects.get(user=owner)
        assert session.created.timestamp() * 1000 >= cutoff
