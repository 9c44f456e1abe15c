"""Logins that overlap a change of the account (issue 16): the thief's login on each door, the changes, and the
presentation of whatever a login was granted (tests/accounts/test_login_overlap.py, tests/integration/
test_login_overlap_race.py)."""

import base64
import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from unittest import mock

from django.contrib.auth.backends import ModelBackend
from django.test import Client

from accounts import services as accounts
from accounts.models import User
from tests.support.suite import PASSWORD

NEW_PASSWORD = "a much better passphrase 2027"
DOORS = ("jwt", "hybrid", "session", "admin")
JWT_REFUSAL = {"detail": "No active account found with the given credentials.", "code": "no_active_account"}
SESSION_REFUSAL = "Please enter a correct username and password. Both fields may be case-sensitive."
ADMIN_REFUSAL = ("Please enter the correct username and password for a staff account. Note that both fields may be "
                 "case-sensitive.")


# --- the changes a login can overlap -------------------------------------------------------------------------------
def change_password(user_id: int) -> None:
    """The owner changes the password through the account service (the doors' path)."""
    accounts.user_password_change(user=User.objects.get(pk=user_id), old_password=PASSWORD,
                                  new_password=NEW_PASSWORD, door="jwt")


def deactivate(user_id: int) -> None:
    accounts.user_suspend(user=User.objects.get(pk=user_id))


def log_out_everywhere(user_id: int) -> None:
    accounts.user_log_out_everywhere(user=User.objects.get(pk=user_id), door="jwt")


CHANGES = {"password": change_password, "deactivation": deactivate, "logout_everywhere": log_out_everywhere}


def password_after(change: str) -> str:
    """The password that logs in once `change` has happened (deactivation: once reactivated)."""
    return NEW_PASSWORD if change == "password" else PASSWORD


@contextmanager
def change_during_the_check(change):
    """Make the next successful password check overlap `change`: it runs to completion (committed) once the check
    has passed and before the login issues anything — the thief's login began before the change."""
    original = ModelBackend.authenticate
    fired: list[bool] = []

    def checked_then_changed(self, request, username=None, password=None, **kwargs):
        user = original(self, request, username=username, password=password, **kwargs)
        if user is not None and not fired:
            fired.append(True)  # first: the change's own password check (a password change) must not fire again
            change()
        return user

    with mock.patch.object(ModelBackend, "authenticate", checked_then_changed):
        yield fired


# --- a login on each door ------------------------------------------------------------------------------------------
@dataclass
class Grant:
    """One login attempt and what it was granted: tokens, a hybrid cookie, a session cookie (in `client`)."""

    door: str
    status: int
    body: bytes
    client: Client
    sent_ms: int = 0
    received_ms: int = 0
    access: str | None = None
    refresh: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def granted(self) -> bool:
        return self.status in {HTTPStatus.OK, HTTPStatus.FOUND}

    @property
    def auth_time_ms(self) -> int | None:
        """The access token's `auth_time` (Unix ms), read without checking anything; None without a token."""
        if self.access is None:
            return None
        segment = self.access.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        return round(claims["auth_time"] * 1000)


def form_errors(body: bytes) -> list[str]:
    """The form-level errors a login page shows: the admin's `errornote`, or the session door's error list."""
    html = body.decode()
    admin = [" ".join(text.split()) for text in re.findall(r'<p class="errornote">(.*?)</p>', html, re.S)]
    return admin or re.findall(r'<ul class="errors"><li>(.*?)</li>', html)


def log_in(door: str, username: str, password: str = PASSWORD) -> Grant:
    """Log in on `door` ("jwt", "hybrid", "session" or "admin") with a fresh client; return what was granted."""
    client = Client(REMOTE_ADDR="127.0.0.1")
    if door in {"session", "admin"}:
        client.get(f"/{door}/login/")  # the CSRF cookie (the test client does not enforce CSRF anyway)
    sent = time.time()
    if door == "jwt":
        response = client.post("/jwt/token/", {"username": username, "password": password},
                               content_type="application/json")
    elif door == "hybrid":
        response = client.post("/jwt/hybrid/login/", {"username": username, "password": password},
                               content_type="application/json")
    else:
        response = client.post(f"/{door}/login/", {"username": username, "password": password, "next": "/session/"})
    grant = Grant(door, response.status_code, response.content, client, sent_ms=int(sent * 1000),
                  received_ms=int(time.time() * 1000) + 1)
    if door in {"jwt", "hybrid"} and response.status_code == HTTPStatus.OK:
        grant.access = response.json()["access"]
        grant.refresh = response.json().get("refresh")
    elif door in {"session", "admin"} and response.status_code == HTTPStatus.OK:
        grant.errors = form_errors(response.content)
    return grant


def refused_like_a_wrong_password(grant: Grant) -> bool:
    """Tell whether the login was answered exactly as a wrong password is on its door."""
    if grant.door in {"jwt", "hybrid"}:
        return grant.status == HTTPStatus.UNAUTHORIZED and json.loads(grant.body) == JWT_REFUSAL
    expected = SESSION_REFUSAL if grant.door == "session" else ADMIN_REFUSAL
    return grant.status == HTTPStatus.OK and grant.errors == [expected]


# --- presenting what a login was granted ---------------------------------------------------------------------------
def present(grant: Grant) -> dict[str, int]:
    """Present every credential `grant` holds; return {what: status}. A refused login presents its (empty) cookies."""
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant.access}"} if grant.access else None
    answers = {}
    if grant.door in {"jwt", "hybrid"}:
        if bearer is None:
            return {}
        answers["access notes"] = grant.client.get("/jwt/api/notes/", **bearer).status_code
        answers["access profile"] = grant.client.get("/jwt/api/profile/", **bearer).status_code
        if grant.door == "jwt":
            answers["refresh"] = grant.client.post("/jwt/token/refresh/", {"refresh": grant.refresh},
                                                   content_type="application/json").status_code
        else:
            answers["hybrid refresh"] = grant.client.post(
                "/jwt/hybrid/refresh/", HTTP_X_CSRFTOKEN=grant.client.cookies["csrftoken"].value).status_code
    else:
        answers["session profile"] = grant.client.get("/session/api/profile/").status_code
    return answers


def dead(answers: dict[str, int]) -> bool:
    """Every credential refused with its door's exact status (401 on the JWT door, 403 on the session API)."""
    return all(status == (HTTPStatus.FORBIDDEN if what.startswith("session") else HTTPStatus.UNAUTHORIZED)
               for what, status in answers.items())


def alive(answers: dict[str, int]) -> bool:
    return bool(answers) and all(status == HTTPStatus.OK for status in answers.values())
