"""After a forced logout the login page says why; after a logout the user asked for, it says nothing."""

from http import HTTPStatus

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import user_suspend
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def login_page(door: SessionDoor) -> str:
    response = door.client.get("/session/login/")
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def reason_of(page: str) -> str | None:
    marker = 'id="logout-reason" data-reason="'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split('"', 1)[0]


def dead(door: SessionDoor) -> None:
    assert door.get("profile/").status_code == HTTPStatus.FORBIDDEN


def test_log_out_everywhere_through_the_jwt_door_is_explained(user):
    session = SessionDoor(user.username, PASSWORD).login()
    jwt = JWTDoor(user.username, PASSWORD).login()
    response = jwt.client.post("/jwt/logout-all/", **jwt.auth_headers())
    assert response.status_code == HTTPStatus.NO_CONTENT
    dead(session)
    page = login_page(session)
    assert reason_of(page) == "logout_everywhere"
    assert "You were logged out" in page and "logged out everywhere" in page


def test_a_password_changed_elsewhere_is_explained(user):
    session = SessionDoor(user.username, PASSWORD).login()
    jwt = JWTDoor(user.username, PASSWORD).login()
    response = jwt.client.post("/jwt/password/", {"old_password": PASSWORD, "new_password": "a brand new passphrase 1"},
                               content_type="application/json", **jwt.auth_headers())
    assert response.status_code == HTTPStatus.OK
    dead(session)
    assert reason_of(login_page(session)) == "password_changed"


def test_a_password_set_by_any_path_is_explained(user):
    session = SessionDoor(user.username, PASSWORD).login()
    user.set_password("set in a shell, not through a door")
    user.save()
    dead(session)
    assert reason_of(login_page(session)) == "password_changed"


def test_a_suspension_is_explained(user):
    session = SessionDoor(user.username, PASSWORD).login()
    user_suspend(user=user)
    dead(session)
    assert reason_of(login_page(session)) == "suspended"


def test_a_session_ended_by_an_administrator_is_explained_without_the_administrators_name(user, staff_user):
    from accounts import logins

    session = SessionDoor(user.username, PASSWORD).login()
    mine = [login for login in logins.login_list(user_id=user.pk) if login.kind == "session"]
    assert len(mine) == 1
    assert logins.login_end(user_id=user.pk, login_id=mine[0].id, reason="admin", by=staff_user)
    dead(session)
    page = login_page(session)
    assert reason_of(page) == "admin"
    assert "because an administrator ended this session" in page
    assert staff_user.username not in page  # the end user is told an administrator acted, never which one


def test_a_logout_asked_for_is_not_explained_and_says_what_it_did_not_end(user):
    session = SessionDoor(user.username, PASSWORD).login()
    jwt = JWTDoor(user.username, PASSWORD).login()
    response = session.client.post("/session/logout/", HTTP_X_CSRFTOKEN=session.client.cookies["csrftoken"].value,
                                   follow=True)
    page = response.content.decode()
    assert reason_of(page) is None
    assert "your JWTs were not touched" in page
    assert jwt.get("profile/").status_code == HTTPStatus.OK


def test_log_out_everywhere_from_the_session_door_ends_both_doors(user):
    session = SessionDoor(user.username, PASSWORD).login()
    other_device = SessionDoor(user.username, PASSWORD).login()
    jwt = JWTDoor(user.username, PASSWORD).login()
    response = session.client.post("/session/logout-everywhere/",
                                    HTTP_X_CSRFTOKEN=session.client.cookies["csrftoken"].value)
    assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, "/session/login/")
    dead(session)
    dead(other_device)
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    assert reason_of(login_page(other_device)) == "logout_everywhere"
    assert reason_of(login_page(session)) is None  # this browser asked for it


def test_log_out_everywhere_needs_a_session_and_csrf(user):
    assert Client().post("/session/logout-everywhere/").status_code in {HTTPStatus.FOUND, HTTPStatus.FORBIDDEN}
    session = SessionDoor(user.username, PASSWORD).login()
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.cookies = session.client.cookies
    assert csrf_checked.post("/session/logout-everywhere/").status_code == HTTPStatus.FORBIDDEN
    assert session.get("profile/").status_code == HTTPStatus.OK
    assert session.client.get("/session/logout-everywhere/").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_forged_or_foreign_mark_explains_nothing(user, other_user):
    session = SessionDoor(user.username, PASSWORD).login()
    User.objects.filter(pk=other_user.pk).update(is_active=False)  # someone else's cut-off
    session.client.cookies["tokenlab_login"] = "eyJ1IjoxfQ:forged:signature"
    assert reason_of(login_page(session)) is None
