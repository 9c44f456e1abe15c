"""The devices page: list the user's own sessions, end one, end all the others (API.md, "Session door")."""

from http import HTTPStatus

import pytest
from django.core.cache import cache

from accounts.models import AuthEvent
from sessions_demo.models import DeviceSession, session_digest
from tests.support.browsers import PHONE, csrf_token, is_signed_in, post_form, session_key, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def laptop(user):
    return signed_in("alice")


@pytest.fixture
def phone(user):
    return signed_in("alice", user_agent=PHONE)


@pytest.fixture
def bobs_browser(other_user):
    return signed_in("bob", user_agent="BobBrowser/1.0")


def test_devices_page_requires_login(client):
    response = client.get("/session/devices/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/login/?next=/session/devices/"


def test_devices_lists_own_sessions_with_this_device_marker(laptop, phone, bobs_browser):
    response = laptop.get("/session/devices/")
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    mine = {session_digest(session_key(c)) for c in (laptop, phone)}
    assert all(f"/session/devices/{d}/revoke/" in html for d in mine)
    assert session_digest(session_key(bobs_browser)) not in html
    assert "BobBrowser" not in html
    assert "iPhone" in html and "Firefox" in html
    assert html.count("this device") == 1
    # The marker sits on the row of the session that asked, and the page never shows a session key.
    [row] = [r for r in html.split("<tr>") if "this device" in r]
    assert "Firefox" in row and "iPhone" not in row
    assert f"/session/devices/{session_digest(session_key(laptop))}/revoke/" in row
    assert all(session_key(c) not in html for c in (laptop, phone, bobs_browser))


def test_revoke_another_device(user, laptop, phone):
    digest = session_digest(session_key(phone))
    response = post_form(laptop, f"/session/devices/{digest}/revoke/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/devices/"
    assert not DeviceSession.objects.filter(digest=digest).exists()
    assert not is_signed_in(phone)
    assert phone.get("/session/api/profile/").status_code == HTTPStatus.FORBIDDEN
    assert is_signed_in(laptop)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_REVOKED, user=user).count() == 1


def test_revoke_this_device_logs_out(laptop):
    digest = session_digest(session_key(laptop))
    response = post_form(laptop, f"/session/devices/{digest}/revoke/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/login/"
    assert DeviceSession.objects.count() == 0
    assert not is_signed_in(laptop)


@pytest.mark.parametrize("digest", ["0" * 32, "not-a-digest", "x" * 300])
def test_revoke_unknown_session_is_404(laptop, phone, digest):
    response = post_form(laptop, f"/session/devices/{digest}/revoke/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert DeviceSession.objects.count() == 2


def test_revoke_other_users_session_is_404_and_deletes_nothing(laptop, bobs_browser):
    bobs = session_digest(session_key(bobs_browser))
    response = post_form(laptop, f"/session/devices/{bobs}/revoke/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert DeviceSession.objects.filter(digest=bobs).exists()
    assert DeviceSession.objects.count() == 2
    assert is_signed_in(bobs_browser)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_REVOKED).count() == 0


def test_revoke_needs_post_and_csrf(laptop, phone):
    digest = session_digest(session_key(phone))
    assert laptop.get(f"/session/devices/{digest}/revoke/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert laptop.post(f"/session/devices/{digest}/revoke/").status_code == HTTPStatus.FORBIDDEN
    assert DeviceSession.objects.filter(digest=digest).exists()
    assert is_signed_in(phone)


def test_revoke_others_keeps_the_current_session(laptop, phone, bobs_browser):
    tablet = signed_in("alice", user_agent="Tablet/1.0")
    response = post_form(laptop, "/session/devices/revoke-others/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/devices/"
    assert list(DeviceSession.objects.filter(user__username="alice").values_list("session_key", flat=True)) == [
        session_key(laptop)]
    page = laptop.get("/session/devices/").content.decode()
    assert "2 other sessions ended." in page
    assert is_signed_in(laptop)
    assert not is_signed_in(phone) and not is_signed_in(tablet)
    assert is_signed_in(bobs_browser)


def test_revoke_others_is_recorded_once_by_the_service_that_ends_them(laptop, phone):
    signed_in("alice", user_agent="Tablet/1.0")
    assert post_form(laptop, "/session/devices/revoke-others/").status_code == HTTPStatus.FOUND
    [event] = AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_REVOKED)
    assert (event.user.username, event.door, event.detail) == ("alice", "session", "2 other sessions")


def test_revoke_others_needs_csrf(laptop, phone):
    assert laptop.post("/session/devices/revoke-others/").status_code == HTTPStatus.FORBIDDEN
    assert DeviceSession.objects.count() == 2


def test_anonymous_cannot_revoke(client, phone):
    digest = session_digest(session_key(phone))
    client.get("/session/login/")
    response = client.post(f"/session/devices/{digest}/revoke/",
                           {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/session/login/")
    assert is_signed_in(phone)


def test_session_survives_losing_its_cached_copy(redis_required, laptop, phone):
    """Redis restarted empty or evicted the copy: the database is authoritative and the session still loads."""
    cache.clear()
    assert is_signed_in(laptop)
    assert csrf_token(laptop)
    # An ended session whose cached copy was re-created from the database does not come back either.
    post_form(laptop, f"/session/devices/{session_digest(session_key(phone))}/revoke/")
    cache.clear()
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)


# PostgreSQL refuses a NUL byte in a text parameter with an error (a 500 before); a digest is 32 lowercase hex,
# so anything else is a 404 before any query, on every database.
@pytest.mark.parametrize("digest", ["%00", "%00" * 32, "0" * 31 + "%00", "A" * 32, "g" * 32, "0" * 33])
def test_revoke_malformed_digest_is_404_and_ends_nothing(laptop, phone, digest):
    before = set(DeviceSession.objects.values_list("session_key", flat=True))
    response = post_form(laptop, f"/session/devices/{digest}/revoke/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"Not Found" in response.content
    assert set(DeviceSession.objects.values_list("session_key", flat=True)) == before
    assert is_signed_in(laptop) and is_signed_in(phone)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_REVOKED).count() == 0


def test_malformed_digest_reaches_no_query_on_postgresql(postgres_required, user, laptop, django_assert_num_queries):
    from django.db.utils import DataError

    from sessions_demo import services

    with pytest.raises(DataError):  # the class of failure the digest check keeps away from the database
        DeviceSession.objects.filter(digest="\x00").exists()
    with django_assert_num_queries(0):
        assert services.session_end(user_id=user.pk, digest="\x00" * 32) is False
