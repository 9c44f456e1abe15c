"""Password change through the session door ends every other session and every older JWT (API.md)."""

from http import HTTPStatus

import pytest

from accounts.models import AuthEvent, User
from denylist.models import Revocation
from sessions_demo.models import DeviceSession
from tests.support.browsers import PHONE, csrf_token, is_signed_in, post_form, session_key, signed_in
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture
def laptop(user):
    return signed_in("alice")


def change(client, old=PASSWORD, new1=NEW_PASSWORD, new2=None):
    return post_form(client, "/session/password/", {
        "old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2})


def test_password_page_requires_login(client):
    response = client.get("/session/password/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/login/?next=/session/password/"


def test_password_form(laptop):
    response = laptop.get("/session/password/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert all(f'name="{n}"' in html for n in ("old_password", "new_password1", "new_password2"))


def assert_nothing_changed(user, sessions_before: int):
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert DeviceSession.objects.count() == sessions_before
    assert Revocation.objects.count() == 0
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED).exists()


def test_wrong_old_password(user, laptop):
    phone = signed_in("alice", user_agent=PHONE)
    response = change(laptop, old="not my password")
    assert response.status_code == HTTPStatus.OK
    assert "Your old password was entered incorrectly." in response.content.decode()
    assert_nothing_changed(user, 2)
    assert is_signed_in(laptop) and is_signed_in(phone)


def test_mismatched_new_passwords(user, laptop):
    response = change(laptop, new2=NEW_PASSWORD + "!")
    assert response.status_code == HTTPStatus.OK
    assert "The two password fields didn&#x27;t match." in response.content.decode()
    assert_nothing_changed(user, 1)


@pytest.mark.parametrize(("new", "message"), [
    ("short", "This password is too short."),
    ("password123", "This password is too common."),
    ("83917465203847", "This password is entirely numeric."),
])
def test_weak_new_password(user, laptop, new, message):
    response = change(laptop, new1=new)
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert_nothing_changed(user, 1)


def test_missing_fields(user, laptop):
    response = post_form(laptop, "/session/password/", {"old_password": PASSWORD})
    assert response.status_code == HTTPStatus.OK
    assert "This field is required." in response.content.decode()
    assert_nothing_changed(user, 1)


def test_password_change_needs_csrf(user, laptop):
    response = laptop.post("/session/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                  "new_password2": NEW_PASSWORD})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert_nothing_changed(user, 1)


def test_password_change_ends_everything_but_this_session(user, laptop, client):
    phone = signed_in("alice", user_agent=PHONE)
    tokens = client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                         content_type="application/json").json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert client.get("/jwt/api/profile/", **bearer).status_code == HTTPStatus.OK
    old_key = session_key(laptop)

    response = change(laptop)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # This client continues, in a fresh session dated after the cut-off.
    home = laptop.get("/session/")
    assert home.status_code == HTTPStatus.OK
    assert "Password changed." in home.content.decode()
    assert session_key(laptop) != old_key
    assert list(DeviceSession.objects.values_list("session_key", flat=True)) == [session_key(laptop)]
    # Every other credential is dead at once.
    assert not is_signed_in(phone)
    response = client.get("/jwt/api/profile/", **bearer)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token has been revoked.", "code": "token_revoked"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    refreshed = client.post("/jwt/token/refresh/", {"refresh": tokens["refresh"]}, content_type="application/json")
    assert refreshed.status_code == HTTPStatus.UNAUTHORIZED
    # The old password no longer logs in; the new one does.
    assert client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                       content_type="application/json").status_code == HTTPStatus.UNAUTHORIZED
    assert client.post("/jwt/token/", {"username": "alice", "password": NEW_PASSWORD},
                       content_type="application/json").status_code == HTTPStatus.OK
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user, door="session").count() == 1
    assert User.objects.count() == 1


def test_writes_still_work_after_password_change(laptop):
    """The fresh session carries a fresh CSRF token that the API accepts."""
    assert change(laptop).status_code == HTTPStatus.FOUND
    response = laptop.post("/session/api/notes/", {"title": "after"}, content_type="application/json",
                           HTTP_X_CSRFTOKEN=csrf_token(laptop))
    assert response.status_code == HTTPStatus.CREATED
