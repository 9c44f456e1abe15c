"""The session door's login, logout and home page, per the HTTP contract (API.md, "Session door")."""

import re
from http import HTTPStatus

import pytest

from accounts import services as accounts
from accounts.models import AuthEvent
from accounts.throttling import login_throttle
from sessions_demo.backends.db import SessionStore
from sessions_demo.models import DeviceSession
from sessions_demo.views import GENERIC_LOGIN_ERROR
from tests.support.browsers import browser, csrf_token, is_signed_in, log_in, session_key, signed_in
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_ERRORS = re.compile(r'<ul class="errors">(.*?)</ul>', re.DOTALL)


def errors_shown(response) -> list[str]:
    """Return the form-level error messages rendered on the page."""
    block = _ERRORS.search(response.content.decode())
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def test_login_form(client):
    response = client.get("/session/login/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    for name in ("username", "password", "csrfmiddlewaretoken", "next"):
        assert f'name="{name}"' in html
    assert 'type="password"' in html
    assert "sessionid" not in response.cookies  # showing the form starts no session


def test_login_success_sets_a_new_hardened_session_cookie(user):
    client = browser()
    response = log_in(client, "alice")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/"
    assert "no-store" in response["Cache-Control"]
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    row = DeviceSession.objects.get()
    assert row.session_key == cookie.value
    assert row.user_id == user.pk
    assert row.user_agent == client.defaults["HTTP_USER_AGENT"]
    assert row.ip == "127.0.0.1"
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN, user=user, door="session").count() == 1
    assert is_signed_in(client)


def test_login_cycles_a_planted_session_key(user):
    """Session fixation: a session id the attacker planted before login must not become the logged-in session."""
    planted = SessionStore()
    planted["cart"] = "attacker"
    planted.create()
    client = browser()
    client.cookies["sessionid"] = planted.session_key
    response = log_in(client, "alice")
    assert response.status_code == HTTPStatus.FOUND
    assert session_key(client) != planted.session_key
    assert not DeviceSession.objects.filter(session_key=planted.session_key).exists()
    assert list(DeviceSession.objects.values_list("session_key", flat=True)) == [session_key(client)]
    # The attacker's copy of the old id is anonymous.
    attacker = browser()
    attacker.cookies["sessionid"] = planted.session_key
    assert not is_signed_in(attacker)


def test_login_ignores_an_unknown_planted_session_key(user):
    client = browser()
    client.cookies["sessionid"] = "x" * 32
    assert log_in(client, "alice").status_code == HTTPStatus.FOUND
    assert session_key(client) != "x" * 32
    assert DeviceSession.objects.get().session_key == session_key(client)


@pytest.mark.parametrize("target", ["/session/devices/", "/session/api/notes/?page=2"])
def test_login_redirects_to_same_site_next(user, target):
    response = log_in(browser(), "alice", next=target)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == target


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/", "http://evil.example/session/", "/\\evil.example",
    "javascript:alert(1)", "\\\\evil.example", "///evil.example", " //evil.example", "http:evil.example",
    "/\t/evil.example", "data:text/html,hi",
])
def test_login_refuses_off_site_next(user, target):
    """Open redirect: `next` may only point back into this site."""
    response = log_in(browser(), "alice", next=target)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/"


def test_login_next_cannot_inject_headers(user):
    """CRLF in `next` (response splitting) is percent-encoded into the Location, never a second header."""
    response = log_in(browser(), "alice", next="/session/\r\nSet-Cookie: evil=1")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/%0D%0ASet-Cookie:%20evil=1"
    assert "evil" not in response.cookies


def test_login_next_from_query_string(user):
    client = browser()
    token = csrf_token(client)
    response = client.post("/session/login/?next=/session/devices/",
                           {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/devices/"


def test_wrong_password_and_unknown_user_get_the_same_page(user):
    """No user enumeration: both failures render one identical generic error."""
    wrong = log_in(browser(), "alice", "not the password")
    unknown = log_in(browser(), "nobody", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == HTTPStatus.OK
        assert errors_shown(response) == [GENERIC_LOGIN_ERROR.replace("'", "&#x27;")]
        assert "sessionid" not in response.cookies

    def normalized(response, username):
        return _CSRF_INPUT.sub("", response.content.decode()).replace(f'value="{username}"', 'value="?"')

    assert normalized(wrong, "alice") == normalized(unknown, "nobody")
    assert DeviceSession.objects.count() == 0
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED).count() == 2


@pytest.mark.parametrize("fields", [
    {}, {"username": "alice"}, {"password": PASSWORD}, {"username": "", "password": ""},
])
def test_incomplete_form_gets_the_generic_error(user, fields):
    client = browser()
    response = client.post("/session/login/", {**fields, "csrfmiddlewaretoken": csrf_token(client)})
    assert response.status_code == HTTPStatus.OK
    assert errors_shown(response) == [GENERIC_LOGIN_ERROR.replace("'", "&#x27;")]
    assert DeviceSession.objects.count() == 0


def test_login_without_csrf_is_403(user):
    client = browser()
    client.get("/session/login/")
    response = client.post("/session/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert DeviceSession.objects.count() == 0
    assert AuthEvent.objects.count() == 0


def test_login_with_a_forged_csrf_token_is_403(user):
    client = browser()
    client.get("/session/login/")
    response = client.post("/session/login/", {"username": "alice", "password": PASSWORD,
                                                "csrfmiddlewaretoken": "A" * 64})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert DeviceSession.objects.count() == 0


def test_login_is_throttled(user, settings, monkeypatch):
    settings.LOGIN_RATE = "3/min"
    monkeypatch.setattr(login_throttle, "timer", lambda: 1_800_000_020.0)  # 20 s into a minute window
    client = browser()
    for _ in range(3):
        assert log_in(client, "alice", "wrong").status_code == HTTPStatus.OK
    response = log_in(client, "alice")  # the right password no longer helps
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "40"
    assert errors_shown(response) == ["Too many login attempts. Try again in 40 seconds."]
    assert DeviceSession.objects.count() == 0
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_THROTTLED).count() == 1
    # The next window opens the door again.
    monkeypatch.setattr(login_throttle, "timer", lambda: 1_800_000_060.0)
    assert log_in(client, "alice").status_code == HTTPStatus.FOUND


def test_throttle_counts_per_account_across_addresses(user, settings):
    settings.LOGIN_RATE = "3/min"
    for n in range(3):
        assert log_in(browser(ip=f"198.51.100.{n + 1}"), "alice", "wrong").status_code == HTTPStatus.OK
    assert log_in(browser(ip="198.51.100.9"), "alice").status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_suspended_user_cannot_log_in(user):
    accounts.user_suspend(user=user)
    response = log_in(browser(), "alice")
    assert response.status_code == HTTPStatus.OK
    assert errors_shown(response) == [GENERIC_LOGIN_ERROR.replace("'", "&#x27;")]
    assert DeviceSession.objects.count() == 0


def test_suspension_ends_a_live_session(user):
    client = signed_in("alice")
    accounts.user_suspend(user=user)
    assert not is_signed_in(client)
    assert DeviceSession.objects.count() == 0


def test_logout_deletes_the_session(user):
    client = signed_in("alice")
    key = session_key(client)
    response = client.post("/session/logout/", {"csrfmiddlewaretoken": csrf_token(client)})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/login/"
    assert response.cookies["sessionid"].value == ""
    assert not DeviceSession.objects.filter(session_key=key).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGOUT, user=user).count() == 1
    # Replaying the old cookie gets nothing.
    replay = browser()
    replay.cookies["sessionid"] = key
    assert not is_signed_in(replay)


def test_logout_get_is_405(user):
    client = signed_in("alice")
    response = client.get("/session/logout/")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"
    assert DeviceSession.objects.count() == 1
    assert is_signed_in(client)


def test_logout_without_csrf_is_403(user):
    client = signed_in("alice")
    assert client.post("/session/logout/").status_code == HTTPStatus.FORBIDDEN
    assert DeviceSession.objects.count() == 1


def test_home_requires_login(client):
    response = client.get("/session/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/session/login/?next=/session/"


def test_home_when_signed_in(user):
    client = signed_in("alice")
    response = client.get("/session/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Signed in as alice" in html
    assert f"<strong>{len(session_key(client))}-character</strong>" in html
    assert session_key(client) not in html  # the page never shows the credential itself
