"""Every write to the user row ends the user's credentials, whatever wrote it: not only `User.save()` and the
literal `update(password=..., is_active=False)` of tests/accounts/test_models.py, but `update(is_active=0)`, an
expression (`Value`, `Case`/`When`), a string Django coerces, `User._base_manager`, a `bulk_create` upsert, and raw
SQL — including `DELETE` — done outside Token Lab's Python.

The victim first logs in through both doors (a session, a JWT pair, a hybrid refresh cookie) and uses each once;
then the write; then every credential is presented: the session on `/session/api/profile/` and `notes/` (403), the
access token on `/jwt/api/notes/` GET and POST (they never load the user) and `profile/` (401 `token_revoked`),
`/jwt/token/verify/` of both tokens, `/jwt/token/refresh/` and the hybrid cookie refresh (401). An ORM write ends
them on the very next request, with or without Redis (the Redis lease is made longer than the test, so a copy
that was not told cannot hide behind a lease running out). Raw SQL is seen by the database's triggers only: with
the database backend it ends them on the next request, with Redis within one `REVOCATION_LEASE_SECONDS` (set to
one second here, and the credentials presented after it has run out). Reactivating, by the same path, revives
nothing; a fresh login works. Writes that change neither the hash nor turn the account off end nothing, and nor
does a password re-hashed at login by a stronger hasher. Two controls run the same checks on the literal forms
`UserQuerySet.update()` already handles, so a failure elsewhere is the write path's, not the checks'.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import User
from denylist.models import Revocation
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.every_path import NEW_PASSWORD
from tests.support.suite import PASSWORD
from tests.support.write_paths import (
    CONTROL_PATHS,
    ENDING_PATHS,
    HARMLESS_PATHS,
    LONG_LEASE_SECONDS,
    SHORT_LEASE_SECONDS,
    log_in_everywhere,
    not_working,
    still_alive,
    wait_out_the_lease,
)

pytestmark = pytest.mark.django_db

PBKDF2_FIRST = ["django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher", "django.contrib.auth.hashers.MD5PasswordHasher"]


def lease_for(settings, path) -> int:
    """Raw SQL: a short lease, waited out after the write. ORM: a lease longer than the test, never waited out."""
    settings.REVOCATION_LEASE_SECONDS = SHORT_LEASE_SECONDS if path.raw else LONG_LEASE_SECONDS
    return settings.REVOCATION_LEASE_SECONDS


def user_cutoffs(user_id: int) -> list[int]:
    return list(Revocation.objects.filter(kind=Revocation.Kind.USER, key=str(user_id))
                .values_list("cutoff_ms", flat=True))


@pytest.mark.parametrize("name", [*ENDING_PATHS, *CONTROL_PATHS])
def test_a_write_that_changes_the_hash_or_turns_the_account_off_ends_every_credential(user, settings, name):
    path = ENDING_PATHS.get(name) or CONTROL_PATHS[name]
    lease = lease_for(settings, path)
    creds = log_in_everywhere(user.username)
    assert not_working(creds) == []  # every credential works, and every cache has seen it work

    path.run(user)
    if path.raw:
        wait_out_the_lease(lease)
    row = User.objects.filter(pk=user.pk).first()
    if path.deletes:
        assert row is None
    elif path.new_password:
        assert row.check_password(NEW_PASSWORD)
    else:
        assert row.is_active is False

    wrong = still_alive(creds, rows_deleted=path.deletes)
    cutoffs = user_cutoffs(user.pk)
    if len(cutoffs) != 1 or cutoffs[0] < creds.logged_in_ms:
        wrong.append(f"USER cut-off rows {cutoffs}, expected one at or after the login ({creds.logged_in_ms})")
    sessions = DeviceSession.objects.filter(user_id=user.pk).count()
    if sessions:
        wrong.append(f"{sessions} session row(s) of the user left")

    if path.reactivate is not None:
        path.reactivate(user)
        assert User.objects.get(pk=user.pk).is_active is True
        wrong += [f"after reactivation: {line}" for line in still_alive(creds)]
        wrong += [f"fresh login after reactivation: {line}" for line in not_working(log_in_everywhere(user.username))]
    if path.new_password:
        response = JWTDoor(user.username, PASSWORD).client.post(
            "/jwt/token/", {"username": user.username, "password": PASSWORD}, content_type="application/json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED  # the old password no longer logs in
        wrong += [f"fresh login with the new password: {line}"
                  for line in not_working(log_in_everywhere(user.username, NEW_PASSWORD))]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", list(HARMLESS_PATHS))
def test_a_write_that_changes_neither_the_hash_nor_turns_the_account_off_ends_nothing(user, settings, name):
    path = HARMLESS_PATHS[name]
    lease = lease_for(settings, path)
    hash_before = User.objects.get(pk=user.pk).password
    creds = log_in_everywhere(user.username)
    assert not_working(creds) == []

    path.run(user)
    if path.raw:
        wait_out_the_lease(lease)  # nothing surfaces once the database is asked again either
    row = User.objects.get(pk=user.pk)
    assert (row.password, row.is_active) == (hash_before, True)

    assert not_working(creds) == []
    assert user_cutoffs(user.pk) == []
    assert DeviceSession.objects.filter(user_id=user.pk).count() == 1


@pytest.mark.parametrize("door", ["session", "jwt"])
def test_a_password_rehashed_at_login_by_a_stronger_hasher_ends_nothing(user, settings, door):
    """Same password, new hash: Django re-encodes it at the next login when the preferred hasher changed. Every
    credential issued before that login keeps working, on both doors, and no cut-off is written."""
    settings.REVOCATION_LEASE_SECONDS = LONG_LEASE_SECONDS
    assert User.objects.get(pk=user.pk).password.startswith("md5$")
    creds = log_in_everywhere(user.username)
    assert not_working(creds) == []

    settings.PASSWORD_HASHERS = PBKDF2_FIRST
    {"session": SessionDoor, "jwt": JWTDoor}[door](user.username, PASSWORD).login()  # re-hashes the password
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_sha1$")

    assert not_working(creds) == []
    assert user_cutoffs(user.pk) == []
    assert DeviceSession.objects.filter(user_id=user.pk).count() == (2 if door == "session" else 1)


def test_an_upsert_that_inserts_a_new_account_ends_nothing_of_anyone(user, settings):
    """The sync job's upsert, inserting: nobody's credentials end, the new account logs in."""
    settings.REVOCATION_LEASE_SECONDS = LONG_LEASE_SECONDS
    creds = log_in_everywhere(user.username)
    User.objects.bulk_create([User(username="carol", email="carol@example.test", password=make_password(PASSWORD))],
                             update_conflicts=True, unique_fields=["username"], update_fields=["password"])
    assert not_working(creds) == []
    assert not_working(log_in_everywhere("carol")) == []
    assert not Revocation.objects.filter(kind=Revocation.Kind.USER).exists()
