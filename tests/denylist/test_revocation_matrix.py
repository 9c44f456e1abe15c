"""Issue #8's revocation matrix in embedded mode: the Django test client, whatever database and store are set.

The same triggers and credentials as tests/integration/test_revocation_matrix.py, in one process. A thread pool
cannot race SQLite, so the thief's refresh loop becomes one refresh held *in flight*: it has passed its
revocation check when the trigger runs and returns, and only then issues its pair. Whatever it issues must be
dead, as must every credential issued before the trigger; triggers that end one login leave the others working;
after a deactivation, reactivating revives nothing and a fresh login works.
"""

import base64
import json
from dataclasses import dataclass
from http import HTTPStatus
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client

from accounts import services as accounts
from accounts.models import User
from denylist import revocation
from sessions_demo.models import session_digest
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD
from tests.support.write_paths import (
    ENDING_PATHS,
    LONG_LEASE_SECONDS,
    SHORT_LEASE_SECONDS,
    hybrid_login,
    hybrid_refresh,
    wait_out_the_lease,
)

NEW_PASSWORD = "a much better passphrase 2027"
EVERYTHING = frozenset({"S", "L1", "H1", "L2"})


def claims(token: str) -> dict:
    """A JWT's payload, read without checking anything (it is public)."""
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def post_json(client: Client, path: str, data: dict, token: str | None = None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(path, json.dumps(data), content_type="application/json", **extra)


@dataclass
class Victim:
    user: User
    session: SessionDoor
    l1: JWTDoor
    h1: Client
    l2: JWTDoor  # the login whose refresh token the thief holds
    admin: Client | None = None
    actor: SessionDoor | JWTDoor | None = None  # the user's own device that performs the trigger


def admin_client() -> Client:
    User.objects.create_superuser("root", "root@example.test", PASSWORD)
    admin = Client(REMOTE_ADDR="127.0.0.1")
    assert admin.login(username="root", password=PASSWORD)
    return admin


# --- triggers: each returns the check of the credential its own device carries on with, or None -----------------------
def jwt_logout(victim):
    assert post_json(Client(), "/jwt/logout/", {}, victim.l2.access).status_code == HTTPStatus.NO_CONTENT


def jwt_logout_all(victim):
    assert post_json(Client(), "/jwt/logout-all/", {}, victim.l1.access).status_code == HTTPStatus.NO_CONTENT


def password_session_door(victim):
    actor = victim.actor
    response = actor.client.post("/session/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "csrfmiddlewaretoken": actor.client.cookies["csrftoken"].value})
    assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    return lambda: actor.get("profile/").status_code == HTTPStatus.OK


def password_jwt_door(victim):
    response = post_json(Client(), "/jwt/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                         victim.actor.access)
    assert response.status_code == HTTPStatus.OK, response.content[:300]
    fresh = response.json()["access"]
    return lambda: Client().get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {fresh}").status_code == 200


def password_admin_form(victim):
    response = victim.admin.post(f"/admin/accounts/user/{victim.user.pk}/password/",
                                 {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]


def password_changepassword(victim):
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", victim.user.username, stdout=StringIO())


def password_shell(victim):
    user = User.objects.get(pk=victim.user.pk)
    user.set_password(NEW_PASSWORD)
    user.save()


def deactivate_service(victim):
    accounts.user_suspend(user=User.objects.get(pk=victim.user.pk))


def admin_change_form(victim, *, is_active: bool):
    path = f"/admin/accounts/user/{victim.user.pk}/change/"
    form = victim.admin.get(path).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name not in {"password", "is_active"}}
    data.update({"date_joined_0": form["date_joined"].value().strftime("%Y-%m-%d"),
                 "date_joined_1": form["date_joined"].value().strftime("%H:%M:%S"),
                 "groups": [], "user_permissions": [], "last_login_0": "", "last_login_1": ""})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    if is_active:
        data["is_active"] = "on"
    response = victim.admin.post(path, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
    assert User.objects.get(pk=victim.user.pk).is_active is is_active


def deactivate_shell(victim):
    user = User.objects.get(pk=victim.user.pk)
    user.is_active = False
    user.save()


def reactivate_shell(victim):
    user = User.objects.get(pk=victim.user.pk)
    user.is_active = True
    user.save()


def delete(victim):
    User.objects.get(pk=victim.user.pk).delete()


def admin_revoke_family(victim):
    response = victim.admin.post(f"/admin/accounts/user/{victim.user.pk}/credentials/",
                                 {"action": "revoke_family", "family": claims(victim.l2.access)["fam"],
                                  "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND


def admin_end_session(victim):
    response = victim.admin.post(f"/admin/accounts/user/{victim.user.pk}/credentials/", {
        "action": "end_session", "session": session_digest(victim.session.session_key), "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND


def write_path(name: str):
    """A write to the user row that bypasses `User.save()` (tests/support/write_paths.py). Raw SQL is seen by the
    database alone: where Redis holds the store's copy, wait until the (short) lease has run out."""
    path = ENDING_PATHS[name]

    def run(victim):
        path.run(victim.user)
        if path.raw:
            wait_out_the_lease(SHORT_LEASE_SECONDS)

    return run


def write_path_reactivation(name: str):
    path = ENDING_PATHS[name]
    return None if path.reactivate is None else lambda victim: path.reactivate(victim.user)


# name: (trigger, groups it ends, reactivation, actor door, needs an admin)
TRIGGERS = {
    "jwt_logout": (jwt_logout, frozenset({"L2"}), None, None, False),
    "jwt_logout_all": (jwt_logout_all, EVERYTHING, None, None, False),
    "password_session_door": (password_session_door, EVERYTHING, None, "session", False),
    "password_jwt_door": (password_jwt_door, EVERYTHING, None, "jwt", False),
    "password_admin_form": (password_admin_form, EVERYTHING, None, None, True),
    "password_changepassword": (password_changepassword, EVERYTHING, None, None, False),
    "password_shell": (password_shell, EVERYTHING, None, None, False),
    "deactivate_service": (deactivate_service, EVERYTHING,
                           lambda v: accounts.user_reactivate(user=User.objects.get(pk=v.user.pk)), None, False),
    "deactivate_admin_form": (lambda v: admin_change_form(v, is_active=False), EVERYTHING,
                              lambda v: admin_change_form(v, is_active=True), None, True),
    "deactivate_shell": (deactivate_shell, EVERYTHING, reactivate_shell, None, False),
    "delete": (delete, EVERYTHING, None, None, False),
    "admin_revoke_family": (admin_revoke_family, frozenset({"L2"}), None, None, True),
    "admin_end_session": (admin_end_session, frozenset({"S"}), None, None, True),
    **{name: (write_path(name), EVERYTHING, write_path_reactivation(name), None, False) for name in ENDING_PATHS},
}


def present(victim: Victim, ends: frozenset, stolen: list[dict]) -> list[str]:
    """Present every credential; return what answered against the contract (`ALIVE`: ended but worked)."""
    wrong = []

    def expect(what: str, response, *, group: str, refused: int = HTTPStatus.UNAUTHORIZED) -> bool:
        worked = response.status_code < HTTPStatus.BAD_REQUEST
        if group in ends and response.status_code != refused:
            wrong.append(f"ALIVE {what}: {response.status_code}")
        elif group not in ends and not worked:
            wrong.append(f"GONE {what}: {response.status_code}")
        return worked

    anonymous = Client()
    expect("session", victim.session.get("profile/"), group="S", refused=HTTPStatus.FORBIDDEN)
    newest = len(stolen) - 1
    for index, (group, access, refresh) in enumerate([
            ("L1", victim.l1.access, victim.l1.refresh), *[("L2", p["access"], p["refresh"]) for p in stolen]]):
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
        expect(f"{group} access profile", anonymous.get("/jwt/api/profile/", **bearer), group=group)
        expect(f"{group} access notes", anonymous.get("/jwt/api/notes/", **bearer), group=group)
        expect(f"{group} access note POST", post_json(anonymous, "/jwt/api/notes/", {"title": "t", "body": "b"},
                                                      access), group=group)
        expect(f"{group} verify access", post_json(anonymous, "/jwt/token/verify/", {"token": access}), group=group)
        if index in {0, newest + 1}:  # older stolen refresh tokens are dead by rotation anyway
            expect(f"{group} verify refresh", post_json(anonymous, "/jwt/token/verify/", {"token": refresh}),
                   group=group)
    for group, door in (("L1", victim.l1), ("L2", JWTDoor(victim.user.username, PASSWORD))):
        if group == "L2":
            door.refresh = stolen[-1]["refresh"]
        response = post_json(anonymous, "/jwt/token/refresh/", {"refresh": door.refresh})
        if expect(f"{group} refresh", response, group=group):
            door.access, door.refresh = response.json()["access"], response.json()["refresh"]
            if group == "L2":
                stolen.append(response.json())
    expect("H1 hybrid cookie", hybrid_refresh(victim.h1), group="H1")
    return wrong


@pytest.mark.parametrize("in_flight", [False, True], ids=["still", "in_flight"])
@pytest.mark.parametrize("name", list(TRIGGERS))
def test_nothing_issued_before_a_trigger_works_after_it(db, settings, name, in_flight,
                                                         django_capture_on_commit_callbacks):
    trigger, ends, reactivate, actor, needs_admin = TRIGGERS[name]
    if name in ENDING_PATHS:
        # Raw SQL: a short lease, waited out by the trigger. ORM: a lease longer than the cell, so an ORM write
        # that only the database's triggers record (unsynced) cannot pass by waiting for the lease to run out.
        settings.REVOCATION_LEASE_SECONDS = SHORT_LEASE_SECONDS if ENDING_PATHS[name].raw else LONG_LEASE_SECONDS
    user = User.objects.create_user("victim", "victim@example.test", PASSWORD)
    victim = Victim(user, SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login(),
                    hybrid_login(user.username), JWTDoor(user.username, PASSWORD).login())
    victim.actor = {"session": SessionDoor, "jwt": JWTDoor}[actor](user.username, PASSWORD).login() if actor else None
    if needs_admin:
        victim.admin = admin_client()
    stolen = [{"access": victim.l2.access, "refresh": victim.l2.refresh}]
    thief = post_json(Client(), "/jwt/token/refresh/", {"refresh": victim.l2.refresh})  # the thief rotates once
    assert thief.status_code == HTTPStatus.OK
    stolen.append(thief.json())

    actor_check = None
    with django_capture_on_commit_callbacks(execute=True):
        if in_flight:
            actor_check = refresh_in_flight_during(victim, stolen, trigger)
        else:
            actor_check = trigger(victim)

    wrong = present(victim, ends, stolen)
    if actor_check is not None and not actor_check():
        wrong.append("GONE the device that changed the password")
    if reactivate is not None:
        with django_capture_on_commit_callbacks(execute=True):
            reactivate(victim)
        wrong += [f"after reactivation: {line}" for line in present(victim, ends, stolen)]
        fresh = JWTDoor(user.username, PASSWORD).login()
        if fresh.get("profile/").status_code != HTTPStatus.OK or \
                SessionDoor(user.username, PASSWORD).login().get("profile/").status_code != HTTPStatus.OK:
            wrong.append("a fresh login after reactivation does not work")
    assert not wrong, "\n".join(wrong)


def refresh_in_flight_during(victim: Victim, stolen: list[dict], trigger):
    """Present the thief's refresh token; once its revocation check has passed, run the trigger to completion,
    then let the refresh finish. Keep what it issued (if anything) with the stolen tokens."""
    family = claims(victim.l2.access)["fam"]
    original = revocation.is_revoked
    fired = []

    def check_then_trigger(query):
        revoked = original(query)
        if not fired and query.family == family and query.jti == claims(stolen[-1]["refresh"])["jti"]:
            fired.append(trigger(victim))
        return revoked

    with mock.patch.object(revocation, "is_revoked", check_then_trigger):
        response = post_json(Client(), "/jwt/token/refresh/", {"refresh": stolen[-1]["refresh"]})
    assert fired, "the refresh never checked revocation through denylist.revocation.is_revoked: update this test"
    if response.status_code == HTTPStatus.OK:
        stolen.append(response.json())
    return fired[0]
