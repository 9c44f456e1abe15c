"""Every trigger ends every credential of the user on the very next request, through both doors.

Triggers: log out everywhere (JWT), password change (session door and JWT door), suspension, deletion. After
each, every session and every access and refresh token issued to the user before it is refused; other users
are untouched; after a reactivation the old credentials stay dead and new logins work. The teaching toggle
`REVOCATION_ENABLED=False` leaves a revoked access token working until its `exp`, while sessions still end.
"""

import time
from http import HTTPStatus

import pytest
from django.core.cache import caches

from accounts import services as accounts
from accounts.models import User
from denylist.models import Revocation
from sessions_demo.models import session_digest
from tests.support.doors import DOORS, JWTDoor, SessionDoor
from tests.support.flows import TOKEN_REVOKED, assert_refused, log_out_everywhere, refresh
from tests.support.suite import PASSWORD

NEW_PASSWORD = "a much better passphrase 2027"


def change_password_through_session_door(user) -> SessionDoor:
    actor = SessionDoor(user.username, PASSWORD).login()
    response = actor.client.post("/session/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "csrfmiddlewaretoken": actor.client.cookies["csrftoken"].value,
    })
    assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, "/session/")
    return actor


def change_password_through_jwt_door(user) -> JWTDoor:
    actor = JWTDoor(user.username, PASSWORD).login()
    response = actor.client.post("/jwt/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                 content_type="application/json", **actor.auth_headers(unsafe=True))
    assert response.status_code == HTTPStatus.OK, response.content[:300]
    actor.access, actor.refresh = response.json()["access"], response.json()["refresh"]
    return actor


def log_out_everywhere_through_jwt_door(user) -> None:
    log_out_everywhere(JWTDoor(user.username, PASSWORD).login())


def suspend(user) -> None:
    accounts.user_suspend(user=user)


def delete(user) -> None:
    User.objects.get(pk=user.pk).delete()


TRIGGERS = {
    "logout_everywhere": log_out_everywhere_through_jwt_door,
    "password_change_session_door": change_password_through_session_door,
    "password_change_jwt_door": change_password_through_jwt_door,
    "suspension": suspend,
    "deletion": delete,
}


def assert_dead(door) -> None:
    """Every way this credential could be used is refused now."""
    assert_refused(door, door.get("notes/"))
    assert_refused(door, door.get("profile/"))
    if isinstance(door, JWTDoor):
        response = refresh(door)
        assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)


def assert_alive(door) -> None:
    assert door.get("notes/").status_code == HTTPStatus.OK
    if isinstance(door, JWTDoor):
        assert refresh(door).status_code == HTTPStatus.OK
        assert door.get("notes/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
def test_a_trigger_ends_every_credential_of_the_user_at_once(
        door_name, user, other_user, trigger, django_capture_on_commit_callbacks):
    victims = [DOORS[door_name](user.username, PASSWORD).login() for _ in range(2)]
    bystander = DOORS[door_name](other_user.username, PASSWORD).login()
    for door in victims:
        assert door.get("notes/").status_code == HTTPStatus.OK

    with django_capture_on_commit_callbacks(execute=True):
        actor = TRIGGERS[trigger](user)

    for door in victims:
        assert_dead(door)
    assert_alive(bystander)
    if actor is not None:  # the device that changed the password carries on, in a credential issued after
        assert_alive(actor)


@pytest.mark.parametrize("trigger", ["password_change_session_door", "password_change_jwt_door"])
def test_after_a_password_change_new_logins_work_and_the_old_password_does_not(
        door_name, user, trigger, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        TRIGGERS[trigger](user)

    assert_alive(DOORS[door_name](user.username, NEW_PASSWORD).login())
    rejected = JWTDoor(user.username, PASSWORD).client.post(
        "/jwt/token/", {"username": user.username, "password": PASSWORD}, content_type="application/json")
    assert rejected.status_code == HTTPStatus.UNAUTHORIZED


def test_after_reactivation_old_credentials_stay_dead_and_new_logins_work(
        door_name, user, django_capture_on_commit_callbacks):
    before = DOORS[door_name](user.username, PASSWORD).login()
    with django_capture_on_commit_callbacks(execute=True):
        accounts.user_suspend(user=user)
    refused = JWTDoor(user.username, PASSWORD).client.post(
        "/jwt/token/", {"username": user.username, "password": PASSWORD}, content_type="application/json")
    assert refused.status_code == HTTPStatus.UNAUTHORIZED  # suspended: no new login either

    with django_capture_on_commit_callbacks(execute=True):
        accounts.user_reactivate(user=User.objects.get(pk=user.pk))

    assert_dead(before)
    assert_alive(DOORS[door_name](user.username, PASSWORD).login())


def test_a_deleted_account_recreated_under_the_same_name_gets_none_of_the_old_credentials(
        door_name, user, django_capture_on_commit_callbacks):
    before = DOORS[door_name](user.username, PASSWORD).login()
    with django_capture_on_commit_callbacks(execute=True):
        delete(user)
    User.objects.create_user(user.username, "new@example.test", PASSWORD)

    assert_dead(before)
    assert_alive(DOORS[door_name](user.username, PASSWORD).login())


def test_with_the_denylist_off_a_revoked_access_token_works_until_exp_while_sessions_end(
        settings, user, django_capture_on_commit_callbacks):
    settings.REVOCATION_ENABLED = False
    settings.ACCESS_TOKEN_LIFETIME = 2
    token = JWTDoor(user.username, PASSWORD).login()
    browser = SessionDoor(user.username, PASSWORD).login()
    issued = time.time()

    with django_capture_on_commit_callbacks(execute=True):
        log_out_everywhere_through_jwt_door(user)

    assert token.get("notes/").status_code == HTTPStatus.OK  # the article's claim: no denylist, no revocation
    assert_refused(browser, browser.get("notes/"))  # sessions are server state: they end regardless
    # Refresh is where revocation happens without a denylist: the refresh token is dead.
    response = refresh(token)
    assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)

    time.sleep(max(0.0, issued + settings.ACCESS_TOKEN_LIFETIME + 1 - time.time()))
    response = token.get("notes/")
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_expired")


def test_with_the_denylist_on_the_same_token_is_refused_at_once(user, django_capture_on_commit_callbacks):
    token = JWTDoor(user.username, PASSWORD).login()

    with django_capture_on_commit_callbacks(execute=True):
        log_out_everywhere_through_jwt_door(user)

    assert_dead(token)


def test_deleting_an_account_ends_its_cached_sessions_through_the_store(own_redis, user):
    browser = SessionDoor(user.username, PASSWORD).login()
    assert browser.get("notes/").status_code == HTTPStatus.OK
    cached_copy = "sess:" + browser.session_key
    assert caches["default"].get(cached_copy) is not None

    delete(user)

    assert caches["default"].get(cached_copy) is None
    assert Revocation.objects.filter(kind="s", key=session_digest(browser.session_key)).exists()
    assert_refused(browser, browser.get("notes/"))
