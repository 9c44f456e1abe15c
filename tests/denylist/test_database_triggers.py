"""The database has the last word: its triggers end credentials whatever program writes the user table.

These tests write the way another program would — raw SQL on the test database's connection, outside every
Python path of Token Lab — and read what the triggers left behind (denylist.triggers, sessions_demo.triggers):
the user's cut-off, unsynced for the Redis copy; the user's session rows gone and recorded as SESSION entries.
Then the credentials themselves, on both doors, without Redis and (within one lease) with it.
"""

import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.utils import timezone

from accounts.models import User
from denylist import revocation
from denylist.models import PasswordRehash, Revocation
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def session_row(user, n: int, *, age: timedelta = timedelta(seconds=5)) -> DeviceSession:
    return DeviceSession.objects.create(
        session_key=f"k{n:031d}", digest=f"{n:032x}", user=user, session_data="",
        expire_date=timezone.now() + timedelta(days=1), created=timezone.now() - age)


def cutoff_of(user) -> Revocation:
    return Revocation.objects.get(kind=Revocation.Kind.USER, key=str(user.pk))


@pytest.mark.parametrize("sql, params, reason", [
    ("UPDATE accounts_user SET password = %s WHERE id = %s", ["md5$x$changed-elsewhere"], "password_changed"),
    ("UPDATE accounts_user SET is_active = %s WHERE id = %s", [False], "suspended"),
    ("UPDATE accounts_user SET is_active = %s, password = %s WHERE id = %s", [False, "md5$x$both"],
     "password_changed"),
])
def test_a_raw_update_records_the_cut_off_and_ends_the_users_session_rows(user, other_user, sql, params, reason):
    mine, theirs = [session_row(user, 1), session_row(user, 2)], session_row(other_user, 3)
    before = revocation.now_ms()
    raw(sql, *params, user.pk)
    after = revocation.now_ms()
    entry = cutoff_of(user)
    assert (entry.reason, entry.synced, entry.user_id) == (reason, False, user.pk)
    assert before < entry.cutoff_ms <= after + 1  # later than every login instant taken before the write
    assert entry.expires_at > timezone.now() + timedelta(days=365)  # denylist.triggers.CUTOFF_HORIZON_DAYS
    assert list(DeviceSession.objects.values_list("pk", flat=True)) == [theirs.pk]
    ended = Revocation.objects.filter(kind=Revocation.Kind.SESSION).order_by("key")
    assert [(e.key, e.user_id, e.synced, e.reason) for e in ended] == [
        (row.digest, user.pk, False, reason) for row in mine]
    assert [e.expires_at for e in ended] == [row.expire_date for row in mine]


@pytest.mark.parametrize("sql, params", [
    ("UPDATE accounts_user SET first_name = %s WHERE id = %s", ["Alice"]),
    ("UPDATE accounts_user SET is_active = %s WHERE id = %s", [True]),  # already active
    ("UPDATE accounts_user SET password = password WHERE id = %s", []),
    ("UPDATE accounts_user SET last_login = %s WHERE id = %s", [timezone.now()]),
])
def test_a_raw_update_that_changes_neither_hash_nor_active_flag_ends_nothing(user, sql, params):
    row = session_row(user, 1)
    raw(sql, *params, user.pk)
    assert not Revocation.objects.exists()
    assert DeviceSession.objects.filter(pk=row.pk).exists()


def test_a_raw_reactivation_writes_nothing_and_the_cut_off_stays(user):
    raw("UPDATE accounts_user SET is_active = %s WHERE id = %s", False, user.pk)
    cutoff = cutoff_of(user).cutoff_ms
    raw("UPDATE accounts_user SET is_active = %s WHERE id = %s", True, user.pk)
    assert list(Revocation.objects.values_list("kind", "cutoff_ms")) == [("u", cutoff)]


def test_a_later_change_moves_the_cut_off_forward_and_never_back(user):
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$one", user.pk)
    first = cutoff_of(user).cutoff_ms
    time.sleep(0.005)
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$two", user.pk)
    assert cutoff_of(user).cutoff_ms > first
    Revocation.objects.filter(kind="u").update(cutoff_ms=10**13, synced=True)  # a cut-off in the future
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$three", user.pk)
    assert (cutoff_of(user).cutoff_ms, cutoff_of(user).synced) == (10**13, False)


def test_a_raw_delete_records_the_cut_off_and_ends_the_session_rows(user):
    session_row(user, 1)
    raw("DELETE FROM accounts_user WHERE id = %s", user.pk)
    assert cutoff_of(user).reason == "deleted"
    assert not DeviceSession.objects.exists()
    assert Revocation.objects.filter(kind=Revocation.Kind.SESSION, user_id=user.pk).count() == 1


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite keeps whatever a raw UPDATE puts in a column")
@pytest.mark.parametrize("value", ["false", "no", "", 2])
def test_on_sqlite_any_active_flag_but_1_ends_credentials(user, value):
    raw("UPDATE accounts_user SET is_active = %s WHERE id = %s", value, user.pk)
    assert cutoff_of(user).reason == "suspended"


def stored_hash(user) -> str:
    return User.objects.values_list("password", flat=True).get(pk=user.pk)


def test_a_re_hash_with_its_permit_ends_nothing_and_consumes_the_permit(user):
    row = session_row(user, 1)
    PasswordRehash.objects.create(user_id=user.pk, previous=stored_hash(user), password="md5$x$rehashed")
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$rehashed", user.pk)
    assert not Revocation.objects.exists()
    assert not PasswordRehash.objects.exists()
    assert DeviceSession.objects.filter(pk=row.pk).exists()


def test_a_permit_for_another_hash_or_user_exempts_nothing(user, other_user):
    PasswordRehash.objects.create(user_id=user.pk, previous=stored_hash(user), password="md5$x$not-this-one")
    PasswordRehash.objects.create(user_id=other_user.pk, previous=stored_hash(user), password="md5$x$new")
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$new", user.pk)
    assert cutoff_of(user).reason == "password_changed"
    assert list(PasswordRehash.objects.values_list("user_id", flat=True)) == [other_user.pk]


def test_a_permit_names_one_change_and_a_hash_changed_meanwhile_voids_it(user):
    """A permit re-encodes the hash it names: if another program changed the password in between, the write
    of the permitted hash is a change of password all the same (and every permit of the user is gone)."""
    PasswordRehash.objects.create(user_id=user.pk, previous=stored_hash(user), password="md5$x$rehashed")
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$changed-by-a-sync-job", user.pk)
    first = cutoff_of(user).cutoff_ms
    assert not PasswordRehash.objects.exists()
    PasswordRehash.objects.create(user_id=user.pk, previous="md5$x$not-what-is-stored", password="md5$x$rehashed")
    time.sleep(0.005)
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$rehashed", user.pk)
    assert (cutoff_of(user).reason, cutoff_of(user).cutoff_ms > first) == ("password_changed", True)


def test_a_session_row_created_at_or_after_the_cut_off_is_left_to_its_login(user):
    """Rows of logins that began after the cut-off live; a login that overlapped it is refused at login."""
    old, new = session_row(user, 1), session_row(user, 2, age=-timedelta(seconds=30))
    raw("UPDATE accounts_user SET password = %s WHERE id = %s", "md5$x$new", user.pk)
    assert list(DeviceSession.objects.values_list("pk", flat=True)) == [new.pk]
    assert not DeviceSession.objects.filter(pk=old.pk).exists()


def test_the_horizon_check_refuses_a_credential_that_outlives_the_triggers_cut_off(settings):
    assert "tokenlab.E022" not in {m.id for m in run_checks()}
    settings.SESSION_COOKIE_AGE = 367 * 86400
    assert "tokenlab.E022" in {m.id for m in run_checks()}


# --- the credentials, on both doors ---------------------------------------------------------------------------------
WRITES = {
    "password": ("UPDATE accounts_user SET password = %s WHERE id = %s", ["md5$x$changed-elsewhere"]),
    "deactivate": ("UPDATE accounts_user SET is_active = %s WHERE id = %s", [False]),
}


def assert_dead(session: SessionDoor, jwt: JWTDoor) -> None:
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert jwt.get("notes/").status_code == HTTPStatus.UNAUTHORIZED
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    refreshed = jwt.client.post("/jwt/token/refresh/", {"refresh": jwt.refresh}, content_type="application/json")
    assert refreshed.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("write", sorted(WRITES))
def test_raw_sql_ends_every_credential_on_the_next_request_on_the_database_store(user, settings, write):
    settings.REVOCATION_BACKEND = "denylist.backends.db.DatabaseRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.db"
    session, jwt = SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login()
    assert (session.get("profile/").status_code, jwt.get("notes/").status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    sql, params = WRITES[write]
    raw(sql, *params, user.pk)
    assert_dead(session, jwt)


@pytest.mark.redis
@pytest.mark.parametrize("write", sorted(WRITES))
def test_raw_sql_ends_every_credential_within_one_lease_on_redis(user, settings, own_redis, write):
    settings.REVOCATION_LEASE_SECONDS = 1
    session, jwt = SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login()
    assert (session.get("profile/").status_code, jwt.get("notes/").status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    sql, params = WRITES[write]
    raw(sql, *params, user.pk)
    time.sleep(1.1)  # every lease granted before the write has run out: the next check renews, pushing the entries
    assert_dead(session, jwt)
    # A renewal pushes them into the copy and marks them synced (on a loaded machine a check may trip the Redis
    # circuit breaker first and answer from the database; a later check renews): Redis alone then refuses them too.
    deadline = time.monotonic() + 15
    while Revocation.objects.filter(user_id=user.pk, synced=False).exists():
        assert time.monotonic() < deadline, "no renewal pushed the triggers' entries"
        assert jwt.get("notes/").status_code == HTTPStatus.UNAUTHORIZED
        time.sleep(0.2)
    assert_dead(session, jwt)


@pytest.mark.redis
def test_an_orm_write_pushes_what_the_triggers_recorded_at_once(user, own_redis):
    """Token Lab's own paths: 0 requests of delay, though the trigger ended the session rows before Python saw them."""
    session, jwt = SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login()
    assert session.get("profile/").status_code == HTTPStatus.OK  # the session's copy is cached, the lease granted
    row = User.objects.get(pk=user.pk)
    row.set_password("a new passphrase 2027")
    row.save()
    backend = revocation.get_backend()
    pushed = backend.client.hgetall(backend.key)
    ended = list(Revocation.objects.filter(kind=Revocation.Kind.SESSION, user_id=user.pk).values_list("key", "synced"))
    assert len(ended) == 1 and ended[0][1] is True, ended
    assert f"s:{ended[0][0]}".encode() in pushed and f"u:{user.pk}".encode() in pushed
    assert not Revocation.objects.filter(synced=False).exists()
    assert_dead(session, jwt)


def test_a_live_session_row_deleted_by_any_means_is_recorded_as_ended(user):
    live, expired = session_row(user, 1), session_row(user, 2)
    DeviceSession.objects.filter(pk=expired.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    anonymous = DeviceSession.objects.create(session_key="a" * 32, digest="a" * 32, session_data="",
                                             expire_date=timezone.now() + timedelta(days=1))
    raw("DELETE FROM sessions_demo_devicesession")
    ended = list(Revocation.objects.values_list("kind", "key", "user_id", "synced"))
    assert ended == [("s", live.digest, user.pk, False)]  # not the expired one, not the anonymous one
    assert anonymous.digest != live.digest


@pytest.mark.redis
def test_a_session_row_deleted_by_raw_sql_ends_its_cached_copy_within_one_lease(user, settings, own_redis):
    settings.REVOCATION_LEASE_SECONDS = 1
    session = SessionDoor(user.username, PASSWORD).login()
    assert session.get("notes/").status_code == HTTPStatus.OK  # cached in Redis
    raw("DELETE FROM sessions_demo_devicesession WHERE user_id = %s", user.pk)
    time.sleep(1.1)
    assert session.get("notes/").status_code == HTTPStatus.FORBIDDEN
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN


def test_a_migrate_puts_back_triggers_a_table_rebuild_dropped(user):
    """SQLite drops a table's triggers when a migration rebuilds the table: after `migrate` they are there again."""
    from django.core.management import call_command

    from denylist import triggers

    table = triggers.UserTable.of(User)
    assert triggers.installed(connection, table)
    try:
        with connection.schema_editor() as schema_editor:
            triggers.uninstall(schema_editor, table)
        assert not triggers.installed(connection, table)
        call_command("migrate", verbosity=0)  # nothing to apply: post_migrate finds them missing
        assert triggers.installed(connection, table)
    finally:
        if not triggers.installed(connection, table):
            with connection.schema_editor() as schema_editor:
                triggers.install(schema_editor, table)
    raw("UPDATE accounts_user SET is_active = %s WHERE id = %s", False, user.pk)
    assert cutoff_of(user).reason == "suspended"
