"""Every password check is throttled and recorded (issue #8): the admin login and the old_password of both
password changes share the login doors' counters, answer 429 when throttled, and never hash a throttled guess."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from accounts.models import AuthEvent
from accounts.throttling import login_throttle
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.browsers import is_signed_in, post_form, signed_in
from tests.support.suite import PASSWORD

NEW_PASSWORD = "an entirely new passphrase 2027"
ADMIN_WRONG = ("Please enter the correct username and password for a staff account. Note that both fields may be "
               "case-sensitive.")
OLD_PASSWORD_WRONG = "Your old password was entered incorrectly."


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, as in the test settings), counting every password it verifies."""

    calls = 0

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)


@pytest.fixture
def three_a_minute(settings, monkeypatch):
    """LOGIN_RATE=3/min (LOGIN_ADDRESS_RATE at its default), the clock 10 s into a window, a counting hasher."""
    settings.LOGIN_RATE = "3/min"
    settings.PASSWORD_HASHERS = ["tests.accounts.test_backends.CountingHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(login_throttle, "timer", lambda: 1_800_000_010.0)
    CountingHasher.calls = 0
    return CountingHasher


def events(**filters) -> list[tuple[str, str, str, str]]:
    return list(AuthEvent.objects.filter(**filters).order_by("id").values_list("kind", "username", "door", "detail"))


def errors_on_page(response) -> list[str]:
    """The form-level errors shown: the admin's `errornote` paragraphs, or the session door's error list."""
    html = response.content.decode()
    admin = [" ".join(text.split()) for text in re.findall(r'<p class="errornote">(.*?)</p>', html, re.S)]
    return admin or re.findall(r'<ul class="errors"><li>(.*?)</li>', html)


# --- /admin/login/ -------------------------------------------------------------------------------------------------
def admin_login(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password,
                                                       "next": "/admin/"})


def test_admin_login_is_throttled_recorded_and_never_checks_a_throttled_password(three_a_minute, staff_user):
    client = Client(REMOTE_ADDR="198.51.100.60")
    for _ in range(3):
        response = admin_login(client, "root", "guess")
        assert response.status_code == HTTPStatus.OK
        assert errors_on_page(response) == [ADMIN_WRONG]
    three_a_minute.calls = 0
    response = admin_login(client, "root", PASSWORD)  # the right password: not even looked at
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "50"
    assert errors_on_page(response) == ["Too many login attempts. Try again in 50 seconds."]
    assert b'name="password"' in response.content  # the form again
    assert three_a_minute.calls == 0
    assert "sessionid" not in client.cookies and DeviceSession.objects.count() == 0
    assert events(ip="198.51.100.60") == [("login_failed", "root", "admin", "")] * 3 + [
        ("login_throttled", "root", "admin", "")]
    # One account, one counter: the JWT door is shut for it too.
    response = Client(REMOTE_ADDR="203.0.113.61").post("/jwt/token/", {"username": "root", "password": PASSWORD},
                                                       content_type="application/json")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_admin_login_success_is_recorded_and_does_not_count(three_a_minute, staff_user):
    client = Client(REMOTE_ADDR="198.51.100.62")
    for _ in range(2):
        assert admin_login(client, "root", "guess").status_code == HTTPStatus.OK
    for _ in range(3):  # three successes: were they counted, the third would be refused
        response = admin_login(Client(REMOTE_ADDR="198.51.100.62"), "root", PASSWORD)
        assert response.status_code == HTTPStatus.FOUND and response["Location"] == "/admin/"
    assert admin_login(client, "root", "guess").status_code == HTTPStatus.OK  # the third failure is still checked
    assert admin_login(client, "root", PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert [kind for kind, *_ in events(door="admin")] == ["login_failed"] * 2 + ["login"] * 3 + [
        "login_failed", "login_throttled"]
    assert AuthEvent.objects.filter(kind="login", door="admin", user=staff_user, ip="198.51.100.62").count() == 3


# --- old_password: POST /jwt/password/ -----------------------------------------------------------------------------
def jwt_password_change(client: Client, access: str, old: str):
    return client.post("/jwt/password/", {"old_password": old, "new_password": NEW_PASSWORD},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_a_wrong_old_password_on_the_jwt_door_counts_as_a_failed_login(three_a_minute, user):
    client = Client(REMOTE_ADDR="198.51.100.63")
    pair = client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                       content_type="application/json").json()
    for _ in range(3):
        response = jwt_password_change(client, pair["access"], "guess")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"detail": "Invalid input.", "code": "invalid", "errors": {
            "old_password": [{"message": OLD_PASSWORD_WRONG, "code": "invalid"}]}}
    three_a_minute.calls = 0
    response = jwt_password_change(client, pair["access"], PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "50"
    assert response.json() == {"detail": "Too many password attempts. Expected available in 50 seconds.",
                               "code": "throttled"}
    assert three_a_minute.calls == 0
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert TokenFamily.objects.filter(revoked_at__isnull=True).count() == 1
    assert client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 200
    assert events(ip="198.51.100.63") == [("login", "alice", "jwt", "")] + [
        ("login_failed", "alice", "jwt", "old_password")] * 3 + [("login_throttled", "alice", "jwt", "old_password")]
    # The same counter as the login doors: logging in is shut for the window too.
    response = Client(REMOTE_ADDR="203.0.113.64").post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                                                       content_type="application/json")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_right_old_password_does_not_count(three_a_minute, user):
    client = Client(REMOTE_ADDR="198.51.100.65")
    for _ in range(2):
        client.post("/jwt/token/", {"username": "alice", "password": "guess"}, content_type="application/json")
    pair = client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                       content_type="application/json").json()
    response = jwt_password_change(client, pair["access"], PASSWORD)
    assert response.status_code == HTTPStatus.OK
    # The account is at its two failures, not three: the new password logs in.
    response = client.post("/jwt/token/", {"username": "alice", "password": NEW_PASSWORD},
                           content_type="application/json")
    assert response.status_code == HTTPStatus.OK


# --- old_password: POST /session/password/ -------------------------------------------------------------------------
def session_password_change(client: Client, old: str):
    return post_form(client, "/session/password/", {"old_password": old, "new_password1": NEW_PASSWORD,
                                                     "new_password2": NEW_PASSWORD})


def test_a_wrong_old_password_on_the_session_door_counts_as_a_failed_login(three_a_minute, user):
    laptop = signed_in("alice")
    for _ in range(3):
        response = session_password_change(laptop, "guess")
        assert response.status_code == HTTPStatus.OK
        assert OLD_PASSWORD_WRONG in response.content.decode()
    three_a_minute.calls = 0
    response = session_password_change(laptop, PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "50"
    assert errors_on_page(response) == ["Too many password attempts. Try again in 50 seconds."]
    assert b'name="old_password"' in response.content
    assert three_a_minute.calls == 0
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert is_signed_in(laptop)
    assert events(kind__in=["login_failed", "login_throttled"]) == [
        ("login_failed", "alice", "session", "old_password")] * 3 + [
        ("login_throttled", "alice", "session", "old_password")]
    assert AuthEvent.objects.filter(kind="login_failed", ip="127.0.0.1").count() == 3


# --- old_password: the admin's own /admin/password_change/ ---------------------------------------------------------
def admin_password_change(client: Client, old: str):
    return client.post("/admin/password_change/", {"old_password": old, "new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})


def test_the_admins_own_password_change_is_throttled_like_a_login(three_a_minute, staff_user):
    client = Client(REMOTE_ADDR="198.51.100.66")
    assert admin_login(client, "root", PASSWORD).status_code == HTTPStatus.FOUND
    for _ in range(3):
        response = admin_password_change(client, "guess")
        assert response.status_code == HTTPStatus.OK
        assert OLD_PASSWORD_WRONG in response.content.decode()
    three_a_minute.calls = 0
    response = admin_password_change(client, PASSWORD)  # the right one: not even looked at
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "50"
    assert "Too many password attempts. Try again in 50 seconds." in response.content.decode()
    assert three_a_minute.calls == 0
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)
    assert events(kind__in=["login_failed", "login_throttled"]) == [
        ("login_failed", "root", "admin", "old_password")] * 3 + [("login_throttled", "root", "admin", "old_password")]


def test_the_admins_own_password_change_with_the_right_old_password_works_and_ends_older_credentials(staff_user):
    client = Client(REMOTE_ADDR="198.51.100.67")
    assert admin_login(client, "root", PASSWORD).status_code == HTTPStatus.FOUND
    jwt = Client().post("/jwt/token/", {"username": "root", "password": PASSWORD},
                        content_type="application/json").json()
    response = admin_password_change(client, PASSWORD)
    assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, "/admin/password_change/done/")
    staff_user.refresh_from_db()
    assert staff_user.check_password(NEW_PASSWORD)
    assert client.get("/admin/").status_code == HTTPStatus.OK  # this admin session continues, in a new session
    response = Client().get("/jwt/api/notes/", HTTP_AUTHORIZATION=f"Bearer {jwt['access']}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db(transaction=True)
def test_the_async_password_check_is_throttled_and_recorded_like_the_sync_one(user, three_a_minute):
    """Django's `aauthenticate()` (an async login view) reaches the same backend: no unthrottled async twin."""
    from asgiref.sync import async_to_sync
    from django.contrib.auth import aauthenticate

    from accounts.throttling import LoginThrottled

    check = async_to_sync(aauthenticate)
    for _ in range(3):
        assert check(None, username=user.username, password="wrong", door="session") is None
    before = CountingHasher.calls
    with pytest.raises(LoginThrottled):
        check(None, username=user.username, password=PASSWORD, door="session")
    assert CountingHasher.calls == before  # the throttled guess was never hashed
    kinds = list(AuthEvent.objects.filter(username=user.username).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([AuthEvent.Kind.LOGIN_FAILED] * 3 + [AuthEvent.Kind.LOGIN_THROTTLED])
