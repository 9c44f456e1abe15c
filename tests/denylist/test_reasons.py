"""One vocabulary of why a credential ended (denylist.reasons): what the triggers, the drop-in, the doors and the
account services write is a Reason, each reason has its two wordings, and the spelling the drop-in once wrote
still reads."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from accounts import logins
from accounts import services as accounts
from accounts.models import LoginEnd
from denylist import revocation, triggers
from denylist.models import Revocation
from denylist.reasons import Reason, reason_words
from denylist.simplejwt.services import user_logout_all
from denylist.users import credentials_ended_by
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.flows import log_out, refresh
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def test_every_reason_has_a_label_and_a_sentence():
    for reason in Reason:
        assert reason.label and reason.label == reason.label.lower()
        assert reason.because and not reason.because.endswith(".")
    assert Reason.SUSPENDED.because == "your account was suspended"
    assert Reason.LOGOUT_EVERYWHERE.label == "logged out everywhere"


@pytest.mark.parametrize(("value", "parsed"), [
    ("logout_everywhere", Reason.LOGOUT_EVERYWHERE), ("logout-all", Reason.LOGOUT_EVERYWHERE),
    ("password_changed", Reason.PASSWORD_CHANGED), ("admin", Reason.ADMIN),
    ("", None), ("logout everywhere", None), ("LOGOUT", None), (None, None), (7, None),
])
def test_parse_reads_the_vocabulary_and_its_former_spellings_only(value, parsed):
    assert Reason.parse(value) is parsed


def test_words_show_an_unknown_reason_as_written():
    assert reason_words("logout-all") == "logged out everywhere"
    assert reason_words("a sync job") == "a sync job"
    assert reason_words("") == "ended"


def test_the_triggers_write_reasons_of_the_vocabulary(user):
    # The constants are spelled into the triggers' SQL; a raw UPDATE is what only a trigger sees.
    assert {triggers.REASON_PASSWORD, triggers.REASON_SUSPENDED, triggers.REASON_DELETED} == \
        {Reason.PASSWORD_CHANGED, Reason.SUSPENDED, Reason.DELETED}
    table = connection.ops.quote_name(type(user)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET is_active = %s WHERE id = %s", [False, user.pk])
    stored = Revocation.objects.get(kind=Revocation.Kind.USER, key=str(user.pk)).reason
    assert Reason.parse(stored) is Reason.SUSPENDED


def test_the_drop_in_writes_logout_everywhere_in_the_vocabulary(user):
    user_logout_all(user_id=user.pk)
    assert revocation.user_cutoff_ending(user.pk).reason == Reason.LOGOUT_EVERYWHERE == "logout_everywhere"


def test_the_migration_rewrites_the_former_spelling(user, other_user):
    revocation.revoke_user(user_id=user.pk, reason="logout-all")
    revocation.revoke_user(user_id=other_user.pk, reason=Reason.SUSPENDED)
    migration = importlib.import_module("denylist.migrations.0003_reason_vocabulary")
    # The migration only reads the editor's connection (SQLite refuses a schema editor inside the test's transaction).
    migration.rewrite(apps, SimpleNamespace(connection=connection))
    assert revocation.user_cutoff_ending(user.pk).reason == "logout_everywhere"
    assert revocation.user_cutoff_ending(other_user.pk).reason == "suspended"


@pytest.mark.parametrize(("before", "after", "rehash", "reason"), [
    (("h1", True), ("h2", True), False, Reason.PASSWORD_CHANGED),
    (("h1", True), ("h2", False), False, Reason.PASSWORD_CHANGED),  # the new hash is named first
    (("h1", True), ("h2", True), True, None),  # the same password re-encoded
    (("h1", True), ("h2", False), True, Reason.SUSPENDED),
    (("h1", True), ("h1", False), False, Reason.SUSPENDED),
    (("h1", False), ("h1", False), False, None),
    (("h1", False), ("h1", True), False, None),  # reactivating revives nothing and ends nothing
    (("h1", True), ("h1", True), False, None),
])
def test_one_rule_says_which_writes_end_credentials(before, after, rehash, reason):
    assert credentials_ended_by(*before, *after, rehash=rehash) is reason


def test_every_end_through_both_doors_is_recorded_in_the_vocabulary(user, other_user, admin_user):
    """Whatever wrote it — a door's logout, reuse detection, a devices page, an administrator, an account change,
    a trigger — every reason stored in the store, the history of ends and the token logins is a Reason."""
    log_out(JWTDoor(user.username, PASSWORD).login())
    reused = JWTDoor(user.username, PASSWORD).login()
    first = reused.refresh
    refresh(reused)
    reused.client.post("/jwt/token/refresh/", {"refresh": first}, content_type="application/json")
    JWTDoor(user.username, PASSWORD).login()
    logins.login_end(user_id=user.pk, login_id=f"t-{TokenFamily.objects.filter(revoked_at=None).get().pk}",
                     reason=Reason.ADMIN, by=admin_user)
    SessionDoor(user.username, PASSWORD).login()
    logins.login_end(user_id=user.pk, login_id=f"s-{DeviceSession.objects.get(user=user).digest}",
                     reason=Reason.USER)
    SessionDoor(user.username, PASSWORD).login()
    accounts.user_log_out_everywhere(user=user)
    user.set_password("another long passphrase 2026")
    user.save()
    accounts.user_suspend(user=user)
    SessionDoor(other_user.username, PASSWORD).login()
    other_user.delete()
    stored = {
        "store": set(Revocation.objects.values_list("reason", flat=True)),
        "history": set(LoginEnd.objects.values_list("reason", flat=True)),
        "token logins": set(TokenFamily.objects.values_list("revoked_reason", flat=True)),
    }
    assert stored["history"] == {"admin", "user", "logout_everywhere", "password_changed", "suspended", "deleted"}
    assert {"logout", "reuse", "admin"} <= stored["token logins"]
    for where, reasons in stored.items():
        # "" is the session trigger's entry for a row deleted without a reason (denylist: "none was given").
        assert all(Reason.parse(reason) is not None for reason in reasons - {""}), (where, reasons)
