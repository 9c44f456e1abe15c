"""Every path that changes a password or deactivates an account, and the checks that every credential died."""

import io
from http import HTTPStatus
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from accounts import services as accounts
from accounts.models import User
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.flows import TOKEN_REVOKED, assert_refused, refresh
from tests.support.suite import PASSWORD

NEW_PASSWORD = "a much better passphrase 2027"


def admin_client(staff_password: str = PASSWORD) -> Client:
    User.objects.create_superuser("boss", "boss@example.test", staff_password)
    client = Client()
    assert client.login(username="boss", password=staff_password)
    return client


def live_credentials(user) -> tuple[SessionDoor, JWTDoor]:
    return SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login()


def assert_all_dead(session: SessionDoor, jwt: JWTDoor) -> None:
    assert_refused(session, session.get("profile/"))
    assert_refused(jwt, jwt.get("notes/"))  # an endpoint that never loads the user row
    assert_refused(jwt, jwt.post("notes/", {"title": "t", "body": "b"}))
    assert_refused(jwt, jwt.get("profile/"))
    response = refresh(jwt)
    assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)
    for token in (jwt.access, jwt.refresh):
        response = jwt.client.post("/jwt/token/verify/", {"token": token}, content_type="application/json")
        assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)


# --- password changes, by every path ---------------------------------------------------------------------------

def through_admin_password_form(user) -> None:
    response = admin_client().post(f"/admin/accounts/user/{user.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
    })
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]


def through_changepassword_command(user) -> None:
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", user.username, stdout=io.StringIO())


def through_shell_save(user) -> None:
    row = User.objects.get(pk=user.pk)
    row.set_password(NEW_PASSWORD)
    row.save()


def through_queryset_update(user) -> None:
    assert User.objects.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD)) == 1


def through_bulk_update(user) -> None:
    row = User.objects.get(pk=user.pk)
    row.set_password(NEW_PASSWORD)
    User.objects.bulk_update([row], ["password"])


def through_service(user) -> None:
    accounts.user_password_change(user=User.objects.get(pk=user.pk), old_password=PASSWORD,
                                  new_password=NEW_PASSWORD, door="jwt")


PASSWORD_PATHS = {
    "admin_password_form": through_admin_password_form,
    "changepassword_command": through_changepassword_command,
    "set_password_save": through_shell_save,
    "queryset_update": through_queryset_update,
    "bulk_update": through_bulk_update,
    "service": through_service,
}


# --- deactivation, by every path; reactivation revives nothing ------------------------------------------------

def deactivate_through_admin_change_form(user) -> None:
    client = admin_client()
    row = User.objects.get(pk=user.pk)
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "username": row.username, "email": row.email, "first_name": "", "last_name": "",
        "date_joined_0": row.date_joined.strftime("%Y-%m-%d"), "date_joined_1": row.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": row.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": row.date_joined.strftime("%H:%M:%S"),
        # is_active left unticked
    })
    assert response.status_code == HTTPStatus.FOUND, response.content[:2000]


def deactivate_through_save(user) -> None:
    row = User.objects.get(pk=user.pk)
    row.is_active = False
    row.save()


def deactivate_through_queryset_update(user) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def deactivate_through_service(user) -> None:
    accounts.user_suspend(user=User.objects.get(pk=user.pk))


DEACTIVATION_PATHS = {
    "admin_change_form": deactivate_through_admin_change_form,
    "save": deactivate_through_save,
    "queryset_update": deactivate_through_queryset_update,
    "service": deactivate_through_service,
}
