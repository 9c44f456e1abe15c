"""The user model is the choke point: every way of changing a password or deactivating ends every credential.

Each path is tried with a live session, a live token pair and a live hybrid-style refresh token of the user:
the doors' services, the admin's password and change forms, `manage.py changepassword`, `set_password()` +
`save()` in a shell, `QuerySet.update()`, `bulk_update()`, and deletion. A refresh that was already running when
the cut-off landed yields tokens that are already dead. Reactivation revives nothing. A password hash upgraded
at login (same password, stronger hasher) ends nothing.
"""

from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth.hashers import PBKDF2SHA1PasswordHasher

from accounts.models import AuthEvent, User
from denylist.models import PasswordRehash, Revocation
from jwt_demo import services as jwt_services
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.every_path import (
    DEACTIVATION_PATHS,
    NEW_PASSWORD,
    PASSWORD_PATHS,
    assert_all_dead,
    deactivate_through_save,
    live_credentials,
    through_service,
    through_shell_save,
)
from tests.support.flows import TOKEN_REVOKED, assert_refused, log_out_everywhere, refresh
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(PASSWORD_PATHS))
def test_password_set_by_any_path_ends_every_credential(user, path):
    session, jwt = live_credentials(user)
    PASSWORD_PATHS[path](user)
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert_all_dead(session, jwt)
    assert Revocation.objects.filter(kind="u", key=str(user.pk), reason="password_changed").count() == 1
    # The new password works through both doors, and what it opens stays open.
    fresh_session, fresh_jwt = SessionDoor(user.username, NEW_PASSWORD).login(), JWTDoor(user.username,
                                                                                         NEW_PASSWORD).login()
    assert fresh_session.get("profile/").status_code == HTTPStatus.OK
    assert fresh_jwt.get("notes/").status_code == HTTPStatus.OK


def test_password_change_through_the_service_records_one_event_with_its_door(user):
    through_service(user)
    events = AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user)
    assert list(events.values_list("door", flat=True)) == ["jwt"]


def test_password_change_in_a_shell_records_one_event_without_a_door(user):
    through_shell_save(user)
    events = AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user)
    assert list(events.values_list("door", flat=True)) == [""]


def test_saving_other_fields_ends_nothing(user):
    session, jwt = live_credentials(user)
    row = User.objects.get(pk=user.pk)
    row.email = "new@example.test"
    row.first_name = "Alice"
    row.save()
    assert session.get("profile/").status_code == HTTPStatus.OK
    assert jwt.get("notes/").status_code == HTTPStatus.OK
    assert not Revocation.objects.filter(kind="u").exists()


def test_saving_the_same_hash_ends_nothing(user):
    session, jwt = live_credentials(user)
    User.objects.get(pk=user.pk).save()
    assert jwt.get("notes/").status_code == HTTPStatus.OK
    assert session.get("profile/").status_code == HTTPStatus.OK


def test_a_stale_instance_saving_an_old_hash_still_counts_as_a_change(user):
    """An admin form or shell that loaded the row before a password change and saves it later reverts the hash."""
    stale = User.objects.get(pk=user.pk)
    through_shell_save(user)
    fresh = JWTDoor(user.username, NEW_PASSWORD).login()
    stale.save()  # writes the old hash back: a password change all the same
    assert_refused(fresh, fresh.get("notes/"))


def test_password_hash_upgrade_at_login_ends_nothing(user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher"]
    old_hash = PBKDF2SHA1PasswordHasher().encode(PASSWORD, "saltsaltsalt", iterations=1000)
    User.objects.filter(pk=user.pk).update(password=old_hash)  # counts as a change: done before any login
    changes = AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user)
    assert changes.count() == 1  # that update, recorded as every path's change is
    jwt = JWTDoor(user.username, PASSWORD).login()  # this login upgrades the hash to MD5
    assert User.objects.get(pk=user.pk).password.startswith("md5$")
    SessionDoor(user.username, PASSWORD).login()
    assert jwt.get("notes/").status_code == HTTPStatus.OK
    assert refresh(jwt).status_code == HTTPStatus.OK
    assert changes.count() == 1  # the re-hash is no change
    assert not PasswordRehash.objects.exists()  # its permit was consumed by the database's trigger


@pytest.mark.parametrize("path", sorted(DEACTIVATION_PATHS))
def test_deactivation_by_any_path_ends_every_credential_and_reactivation_revives_nothing(user, path):
    session, jwt = live_credentials(user)
    DEACTIVATION_PATHS[path](user)
    assert not User.objects.get(pk=user.pk).is_active
    assert_all_dead(session, jwt)
    row = User.objects.get(pk=user.pk)
    row.is_active = True
    row.save()
    assert_all_dead(session, jwt)
    assert JWTDoor(user.username, PASSWORD).login().get("notes/").status_code == HTTPStatus.OK


def test_deletion_through_a_queryset_ends_every_credential(user):
    session, jwt = live_credentials(user)
    User.objects.filter(pk=user.pk).delete()
    response = jwt.get("notes/")
    assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert Revocation.objects.filter(kind="u", key=str(user.pk), reason="deleted").count() == 1


# --- a refresh in flight cannot outrun the cut-off -------------------------------------------------------------

def logout_everywhere_trigger(user) -> None:
    log_out_everywhere(JWTDoor(user.username, PASSWORD).login())


IN_FLIGHT_TRIGGERS = {
    "logout_everywhere": logout_everywhere_trigger,
    "password_set_in_shell": through_shell_save,
    "deactivation": deactivate_through_save,
}


@pytest.mark.parametrize("trigger", sorted(IN_FLIGHT_TRIGGERS))
def test_a_refresh_that_passed_its_revocation_check_before_the_cut_off_yields_dead_tokens(user, trigger):
    """The thief's refresh checks revocation, then the owner logs out everywhere, then the rotation completes."""
    thief = JWTDoor(user.username, PASSWORD).login()
    check = jwt_services.refresh_claims_revoked

    def check_then_cut_off(claims):
        verdict = check(claims)
        IN_FLIGHT_TRIGGERS[trigger](user)  # lands between the check and the rotation
        return verdict

    with mock.patch.object(jwt_services, "refresh_claims_revoked", side_effect=check_then_cut_off):
        response = refresh(thief)
    if trigger == "deactivation":
        assert response.status_code == HTTPStatus.UNAUTHORIZED  # the rotation itself sees the inactive user
    else:
        assert response.status_code == HTTPStatus.OK  # the exchange completed, but what it minted is dead
    assert_refused(thief, thief.get("notes/"))
    response = refresh(thief)
    assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)


def test_every_token_of_one_login_carries_the_login_start(user):
    jwt = JWTDoor(user.username, PASSWORD).login()
    first = jwt_services.codec.decode(jwt.access).raw["auth_time"]
    assert refresh(jwt).status_code == HTTPStatus.OK
    assert jwt_services.codec.decode(jwt.access).raw["auth_time"] == first
    assert jwt_services.codec.decode(jwt.refresh, token_types=("refresh",)).raw["auth_time"] == first


@pytest.mark.usefixtures("postgres_required")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_a_deletion_and_a_refresh_in_flight_never_collide(user, how):
    """A deletion collects what cascades, then deletes it; a refresh rotating in between would add a refresh row
    the deletion never saw (an IntegrityError, a 500 in the admin) or outlive the account. Both lock the user's row
    first, so whichever comes second waits: here the deletion pauses after collecting, the refresh waits for it,
    and then finds no account."""
    import threading

    from django.db import connection
    from django.db.models.deletion import Collector

    thief = JWTDoor(user.username, PASSWORD).login()
    check = jwt_services.refresh_claims_revoked
    collect_done, rotation_done, deleted = threading.Event(), threading.Event(), threading.Event()
    errors = []
    real_delete = Collector.delete

    def delete_after_a_pause(collector):
        collect_done.set()
        rotation_done.wait(1.5)  # give the refresh every chance to rotate between collect() and delete()
        return real_delete(collector)

    def delete_now():
        try:
            with mock.patch.object(Collector, "delete", delete_after_a_pause):
                if how == "instance":
                    User.objects.get(pk=user.pk).delete()
                else:
                    User.objects.filter(pk=user.pk).delete()
        except Exception as exc:  # noqa: BLE001 - the test reports any error of the deletion
            errors.append(exc)
        finally:
            connection.close()
            deleted.set()

    def check_then_start_the_deletion(claims):
        verdict = check(claims)
        threading.Thread(target=delete_now).start()
        assert collect_done.wait(10)  # the rotation starts once the deletion has collected
        return verdict

    with mock.patch.object(jwt_services, "refresh_claims_revoked", side_effect=check_then_start_the_deletion):
        response = refresh(thief)
    rotation_done.set()
    assert deleted.wait(10)
    assert errors == []
    assert not User.objects.filter(pk=user.pk).exists()
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_not_valid")
    assert_refused(thief, thief.get("notes/"))
