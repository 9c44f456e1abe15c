"""The rule that admits a login (accounts.admission) and the login instant the backend records for it."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from accounts import admission
from accounts import services as accounts
from accounts.admission import LoginRefused, login_admit, login_instant, password_check_of
from accounts.models import User
from denylist import revocation
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def checked(user: User) -> User:
    """The user as a successful password check returns it (through accounts.backends)."""
    found = authenticate(None, username=user.username, password=PASSWORD, door="jwt", ip="127.0.0.1")
    assert found is not None
    return found


def test_the_backend_records_when_the_check_began_and_the_hash_it_passed(user, monkeypatch):
    moments = iter([1_900_000_000_123])
    monkeypatch.setattr(revocation, "now_ms", lambda: next(moments))
    found = checked(user)
    assert password_check_of(found) == admission.PasswordCheck(1_900_000_000_123, user.password)
    assert login_instant(found, issued_at_ms=5) == 1_900_000_000_123


def test_the_recorded_hash_is_the_one_after_a_rehash(user, settings):
    # A hash from a hasher that is no longer preferred: the check upgrades it (no credential ends) and records the new.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    old = PBKDF2PasswordHasher()
    User.objects.filter(pk=user.pk).update(password=old.encode(PASSWORD, old.salt(), iterations=1000))
    found = checked(User.objects.get(pk=user.pk))
    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("md5$")
    assert password_check_of(found).password_hash == stored
    login_admit(user=found, at_ms=login_instant(found))


def test_a_login_without_a_check_begins_at_its_issue_time(user):
    assert password_check_of(user) is None
    assert login_instant(user, issued_at_ms=42) == 42
    before = revocation.now_ms()
    assert before <= login_instant(user) <= revocation.now_ms()


def test_an_untouched_account_admits_the_login(user, django_assert_num_queries):
    found = checked(user)
    with django_assert_num_queries(2):  # the locked user row, then the cut-off
        login_admit(user=found, at_ms=login_instant(found))


def test_a_new_password_hash_refuses_a_login_checked_against_the_old_one(user):
    found = checked(user)
    User.objects.filter(pk=user.pk).update(password=make_password("another one entirely 2027"))
    with pytest.raises(LoginRefused, match="password changed"):
        login_admit(user=found, at_ms=revocation.now_ms())  # even dated after the cut-off: the hash decides


def test_without_a_check_the_hash_on_the_user_object_is_compared(user):
    stale = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(password=make_password("another one entirely 2027"))
    with pytest.raises(LoginRefused):
        login_admit(user=stale, at_ms=revocation.now_ms())
    login_admit(user=User.objects.get(pk=user.pk), at_ms=revocation.now_ms())


@pytest.mark.parametrize("gone", ["inactive", "deleted"])
def test_an_inactive_or_deleted_account_refuses_the_login(user, gone):
    found = checked(user)
    if gone == "inactive":
        User.objects.filter(pk=user.pk).update(is_active=False)
    else:
        User.objects.get(pk=user.pk).delete()
    with pytest.raises(LoginRefused, match="gone or inactive"):
        login_admit(user=found, at_ms=revocation.now_ms())


def test_a_cut_off_later_than_the_login_instant_refuses_it_and_one_at_it_admits_it(user):
    found = checked(user)
    accounts.user_log_out_everywhere(user=user)
    cutoff = revocation.user_cutoff_ms(user.pk)
    with pytest.raises(LoginRefused, match="credentials were ended"):
        login_admit(user=found, at_ms=cutoff - 1)
    login_admit(user=found, at_ms=cutoff)  # a credential of this instant is not before the cut-off: it lives


def test_the_cut_off_is_read_from_the_database(user):
    assert revocation.user_cutoff_ms(user.pk) is None
    cutoff = revocation.revoke_user(user_id=user.pk, reason="test")
    assert revocation.user_cutoff_ms(user.pk) == cutoff
    assert revocation.user_cutoff_ms(user.pk + 1000) is None
