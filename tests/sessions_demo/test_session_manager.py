"""Django's session manager API (`DeviceSession.objects.save(key, data, expiry)`) keeps a row bound to its user."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts import services as accounts
from denylist.models import Revocation
from sessions_demo.models import DeviceSession, session_digest
from tests.support.doors import SessionDoor
from tests.support.suite import PASSWORD


@pytest.fixture
def logged_in(user):
    door = SessionDoor(user.username, PASSWORD).login()
    row = DeviceSession.objects.get(user=user)
    return door, row


def test_saving_data_keeps_the_rows_digest_user_and_device(user, logged_in):
    door, row = logged_in
    data = {**row.get_decoded(), "theme": "dark"}
    expiry = timezone.now() + timedelta(days=2)
    DeviceSession.objects.save(row.session_key, data, expiry)
    saved = DeviceSession.objects.get(pk=row.pk)
    assert (saved.digest, saved.user_id, saved.user_agent, saved.created) == (
        session_digest(row.session_key), user.pk, row.user_agent, row.created)
    assert saved.get_decoded()["theme"] == "dark" and saved.expire_date == expiry
    accounts.user_log_out_everywhere(user=user)  # still ends it: the row still names its user
    assert not DeviceSession.objects.filter(pk=row.pk).exists()
    assert door.get("profile/").status_code == HTTPStatus.FORBIDDEN


def test_saving_a_new_key_makes_a_row_that_knows_its_user(user):
    key = "k" * 32
    DeviceSession.objects.save(key, {"_auth_user_id": str(user.pk)}, timezone.now() + timedelta(days=1))
    assert DeviceSession.objects.filter(session_key=key, user=user, digest=session_digest(key)).exists()


def test_saving_no_data_ends_the_session_for_good(user, logged_in):
    door, row = logged_in
    DeviceSession.objects.save(row.session_key, {}, timezone.now())
    assert not DeviceSession.objects.filter(pk=row.pk).exists()
    assert door.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert Revocation.objects.filter(kind=Revocation.Kind.SESSION, key=row.digest).exists()
