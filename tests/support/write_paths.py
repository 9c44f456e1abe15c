"""Write paths that reach the user row without `User.save()` — ORM expressions, other managers, upserts, raw SQL —
the credentials a victim holds on both doors, and how every one of them is presented afterwards.

A path either ends every credential of the user issued before it (a new password hash, `is_active` turned off,
the row deleted) or ends nothing (the hash and the active flag as they were). Raw SQL is done outside Token
Lab's Python: only the database sees it, so where Redis holds a leased copy of the revocation store, the cut-off
is promised within one `REVOCATION_LEASE_SECONDS`, not on the very next request (DESIGN.md, "Revocation").
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.test import Client

from accounts.models import AuthEvent, LoginEnd, User
from jwt_demo.models import RefreshToken, TokenFamily
from resources.models import Note
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.every_path import NEW_PASSWORD
from tests.support.flows import SESSION_REFUSED, TOKEN_REVOKED
from tests.support.suite import PASSWORD
from workshop.models import StepDone

HYBRID_COOKIE = "tokenlab_refresh"
REDIS_REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
SHORT_LEASE_SECONDS = 1  # raw-SQL tests: the Redis copy is trusted this long, then the database is asked again
LONG_LEASE_SECONDS = 60  # ORM tests: far longer than a test, so only Redis itself can refuse in time


def user_table() -> str:
    return table(User)


def raw_sql(sql: str, params: list) -> None:
    """Run one statement on the database directly: no model, no manager, no signal sees it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def wait_out_the_lease(lease_seconds: float) -> None:
    """Where Redis answers revocation checks, wait until every lease granted before a raw-SQL write has run out.

    Raw SQL tells the database only (its triggers record the cut-off, unsynced); a Redis copy trusted under a
    lease keeps answering from before the write until that lease runs out — the window the design allows. The
    half second covers the lease being dated from the check that granted it, a little after the write began.
    """
    if settings.REVOCATION_BACKEND == REDIS_REVOCATION_BACKEND:
        time.sleep(lease_seconds + 0.5)


# --- paths that end every credential ---------------------------------------------------------------------------
def deactivate_orm_update_zero(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=0) == 1


def reactivate_orm_update_one(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=1) == 1


def deactivate_value_expression(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=Value(False)) == 1


def reactivate_value_expression(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=Value(True)) == 1


def deactivate_case_when(user) -> None:
    assert User.objects.filter(pk=user.pk).update(
        is_active=Case(When(pk=user.pk, then=Value(False)), default=Value(True))) == 1


def reactivate_case_when(user) -> None:
    assert User.objects.filter(pk=user.pk).update(
        is_active=Case(When(pk=user.pk, then=Value(True)), default=Value(False))) == 1


def deactivate_string_false(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active="False") == 1  # BooleanField.to_python coerces it


def reactivate_string_true(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active="True") == 1


def deactivate_base_manager(user) -> None:
    assert User._base_manager.filter(pk=user.pk).update(is_active=False) == 1


def reactivate_base_manager(user) -> None:
    assert User._base_manager.filter(pk=user.pk).update(is_active=True) == 1


def upsert(user, password_hash: str) -> None:
    """What a user-sync job does: insert the account, or on a username conflict overwrite its password."""
    User.objects.bulk_create([User(username=user.username, email=user.email, password=password_hash)],
                             update_conflicts=True, unique_fields=["username"], update_fields=["password"])


def password_bulk_create_upsert(user) -> None:
    upsert(user, make_password(NEW_PASSWORD))


def password_base_manager(user) -> None:
    assert User._base_manager.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD)) == 1


def password_raw_sql(user) -> None:
    raw_sql(f"UPDATE {user_table()} SET password = %s WHERE id = %s", [make_password(NEW_PASSWORD), user.pk])


def deactivate_raw_sql(user) -> None:
    raw_sql(f"UPDATE {user_table()} SET is_active = false WHERE id = %s", [user.pk])


def reactivate_raw_sql(user) -> None:
    raw_sql(f"UPDATE {user_table()} SET is_active = true WHERE id = %s", [user.pk])


def delete_raw_sql(user) -> None:
    """Delete the account as a careful database administrator would, in one transaction: lock the user's row (a
    refresh rotating meanwhile locks it too, so it cannot add a refresh row behind the deletion's back), delete the
    rows that reference it (the foreign keys are checked at commit), then the row itself — each a plain DELETE or
    UPDATE, nothing through Django's models."""
    with transaction.atomic():
        if connection.features.has_select_for_update:
            raw_sql(f"SELECT id FROM {user_table()} WHERE id = %s FOR UPDATE", [user.pk])
        delete_rows_referencing(user)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def delete_rows_referencing(user) -> None:
    families = f"SELECT id FROM {table(TokenFamily)} WHERE {column(TokenFamily, 'user')} = %s"
    raw_sql(f"DELETE FROM {table(RefreshToken)} WHERE {column(RefreshToken, 'family')} IN ({families})", [user.pk])
    for model, field in ((TokenFamily, "user"), (DeviceSession, "user"), (Note, "owner"), (StepDone, "user"),
                         (LogEntry, "user"), (User.groups.through, "user"), (User.user_permissions.through, "user")):
        raw_sql(f"DELETE FROM {table(model)} WHERE {column(model, field)} = %s", [user.pk])
    for model, field in ((AuthEvent, "user"), (LoginEnd, "by")):  # on_delete=SET_NULL
        raw_sql(f"UPDATE {table(model)} SET {column(model, field)} = NULL WHERE {column(model, field)} = %s",
                [user.pk])
    raw_sql(f"DELETE FROM {user_table()} WHERE id = %s", [user.pk])


@dataclass(frozen=True)
class WritePath:
    """One way of writing the user row. `reactivate` undoes a deactivation the same way (None: not one)."""

    run: Callable[[User], None]
    reactivate: Callable[[User], None] | None = None
    raw: bool = False  # raw SQL: the cut-off is promised within one lease where Redis holds the store's copy
    deletes: bool = False
    new_password: bool = False


ENDING_PATHS = {
    "deactivate_orm_update_zero": WritePath(deactivate_orm_update_zero, reactivate_orm_update_one),
    "deactivate_value_expression": WritePath(deactivate_value_expression, reactivate_value_expression),
    "deactivate_case_when": WritePath(deactivate_case_when, reactivate_case_when),
    "deactivate_string_false": WritePath(deactivate_string_false, reactivate_string_true),
    "deactivate_base_manager": WritePath(deactivate_base_manager, reactivate_base_manager),
    "password_bulk_create_upsert": WritePath(password_bulk_create_upsert, new_password=True),
    "password_base_manager": WritePath(password_base_manager, new_password=True),
    "password_raw_sql": WritePath(password_raw_sql, raw=True, new_password=True),
    "deactivate_raw_sql": WritePath(deactivate_raw_sql, reactivate_raw_sql, raw=True),
    "delete_raw_sql": WritePath(delete_raw_sql, raw=True, deletes=True),
}


# The literal forms `UserQuerySet.update()` already recognises: controls, showing that the checks above can pass.
def deactivate_orm_update_false(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=False) == 1


def reactivate_orm_update_true(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=True) == 1


def password_orm_update(user) -> None:
    assert User.objects.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD)) == 1


CONTROL_PATHS = {
    "control_deactivate_orm_update_false": WritePath(deactivate_orm_update_false, reactivate_orm_update_true),
    "control_password_orm_update": WritePath(password_orm_update, new_password=True),
}


# --- paths that end nothing: neither the hash nor the active flag changes -------------------------------------
def update_first_name(user) -> None:
    assert User.objects.filter(pk=user.pk).update(first_name="x") == 1


def update_is_active_true(user) -> None:
    assert User.objects.filter(pk=user.pk).update(is_active=True) == 1


def update_password_f_expression(user) -> None:
    assert User.objects.filter(pk=user.pk).update(password=F("password")) == 1


def upsert_same_hash(user) -> None:
    upsert(user, User.objects.get(pk=user.pk).password)


def raw_sql_first_name(user) -> None:
    raw_sql(f"UPDATE {user_table()} SET first_name = %s WHERE id = %s", ["x", user.pk])


def raw_sql_is_active_true(user) -> None:
    raw_sql(f"UPDATE {user_table()} SET is_active = true WHERE id = %s", [user.pk])


def raw_sql_same_password(user) -> None:
    raw_sql(f"UPDATE {user_table()} SET password = password WHERE id = %s", [user.pk])


HARMLESS_PATHS = {
    "update_first_name": WritePath(update_first_name),
    "update_is_active_true": WritePath(update_is_active_true),
    "update_password_f_expression": WritePath(update_password_f_expression),
    "upsert_same_hash": WritePath(upsert_same_hash),
    "raw_sql_first_name": WritePath(raw_sql_first_name, raw=True),
    "raw_sql_is_active_true": WritePath(raw_sql_is_active_true, raw=True),
    "raw_sql_same_password": WritePath(raw_sql_same_password, raw=True),
}


# --- the victim's credentials, and presenting them -------------------------------------------------------------
def hybrid_login(username: str, password: str = PASSWORD) -> Client:
    """A browser logged in through the hybrid door: the refresh token in an httpOnly cookie."""
    browser = Client(REMOTE_ADDR="127.0.0.1")
    response = browser.post("/jwt/hybrid/login/", json.dumps({"username": username, "password": password}),
                            content_type="application/json")
    assert response.status_code == HTTPStatus.OK, response.content[:300]
    return browser


def hybrid_refresh(browser: Client):
    return browser.post("/jwt/hybrid/refresh/", HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)


@dataclass
class Credentials:
    """Everything one user holds: a session, a JWT pair, a hybrid cookie; `logged_in_ms` is after all three."""

    session: SessionDoor
    jwt: JWTDoor
    hybrid: Client
    logged_in_ms: int


def log_in_everywhere(username: str, password: str = PASSWORD) -> Credentials:
    session = SessionDoor(username, password).login()
    jwt = JWTDoor(username, password).login()
    hybrid = hybrid_login(username, password)
    return Credentials(session, jwt, hybrid, int(time.time() * 1000) + 1)


def present(creds: Credentials) -> list[tuple[str, int, object]]:
    """Present every credential once, refreshes last (a successful one rotates); return (what, status, body)."""
    jwt, anonymous = creds.jwt, Client()

    def body(response):
        return response.json() if response.get("Content-Type", "").startswith("application/json") else None

    answers = []

    def note(what, response):
        answers.append((what, response.status_code, body(response)))
        return response

    note("session profile", creds.session.get("profile/"))
    note("session notes", creds.session.get("notes/"))
    note("access notes GET", jwt.get("notes/"))  # never loads the user row
    note("access notes POST", jwt.post("notes/", {"title": "t", "body": "b"}))
    note("access profile", jwt.get("profile/"))
    for kind, token in (("access", jwt.access), ("refresh", jwt.refresh)):
        note(f"verify {kind}", anonymous.post("/jwt/token/verify/", {"token": token},
                                              content_type="application/json"))
    response = note("refresh", anonymous.post("/jwt/token/refresh/", {"refresh": jwt.refresh},
                                              content_type="application/json"))
    if response.status_code == HTTPStatus.OK:
        jwt.access, jwt.refresh = response.json()["access"], response.json()["refresh"]
    # A refused refresh deletes the cookie in the browser; a thief keeps a copy and presents it again later.
    kept = creds.hybrid.cookies[HYBRID_COOKIE].value
    if note("hybrid cookie refresh", hybrid_refresh(creds.hybrid)).status_code != HTTPStatus.OK:
        creds.hybrid.cookies[HYBRID_COOKIE] = kept
    return answers


REFRESH_TOKEN_PRESENTATIONS = {"verify refresh", "refresh", "hybrid cookie refresh"}


def still_alive(creds: Credentials, *, rows_deleted: bool = False) -> list[str]:
    """Present every credential; return each answer that is not the exact refusal of an ended credential.

    Ended: 403 `not_authenticated` on the session door, 401 `token_revoked` on the JWT door. With
    `rows_deleted` (the refresh-token rows went with the account) a refresh token may be refused as unknown
    instead: only its status is checked then.
    """
    wrong = []
    for what, status, body in present(creds):
        if what.startswith("session"):
            expected = (HTTPStatus.FORBIDDEN, SESSION_REFUSED)
        else:
            expected = (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)
        if rows_deleted and what in REFRESH_TOKEN_PRESENTATIONS:
            status, body, expected = status, None, (expected[0], None)
        if (status, body) != expected:
            wrong.append(f"ALIVE {what}: {status} {str(body)[:120]}")
    return wrong


WORKING = {"access notes POST": HTTPStatus.CREATED}


def not_working(creds: Credentials) -> list[str]:
    """Present every credential; return each one that did not work (200, or 201 for the note it creates)."""
    return [f"GONE {what}: {status} {str(body)[:120]}" for what, status, body in present(creds)
            if status != WORKING.get(what, HTTPStatus.OK)]
