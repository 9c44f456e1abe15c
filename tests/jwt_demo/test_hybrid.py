"""The hybrid flow: access token in the body, refresh token in an HttpOnly cookie, rotation and logout."""

import json
from http import HTTPStatus

import pytest
from django.test import Client

from accounts.models import AuthEvent
from jwt_demo.hybrid import COOKIE_PATH, REFRESH_COOKIE
from jwt_demo.models import TokenFamily
from jwt_demo.tokens import ACCESS, REFRESH, codec
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN, REFRESH_URL, LOGOUT = "/jwt/hybrid/login/", "/jwt/hybrid/refresh/", "/jwt/hybrid/logout/"


def browser() -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1")


def login(client, username="alice", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, content_type="application/json",
                       **extra)


def csrf(client) -> dict:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def refresh(client, **extra):
    return client.post(REFRESH_URL, **{**csrf(client), **extra})


def cookie(client) -> str:
    return client.cookies[REFRESH_COOKIE].value


@pytest.fixture
def alice(user):
    client = browser()
    assert login(client).status_code == HTTPStatus.OK
    return client


def test_login_returns_access_in_body_and_refresh_in_a_strict_httponly_cookie(user, settings):
    client = browser()
    response = login(client)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == {"access", "access_expires_at", "expires_in"}
    claims = codec.decode(body["access"], token_types=(ACCESS,))
    assert claims.user_id == user.pk and body["access_expires_at"] == claims.expires_at
    assert settings.ACCESS_TOKEN_LIFETIME - 2 <= body["expires_in"] <= settings.ACCESS_TOKEN_LIFETIME

    jar = response.cookies[REFRESH_COOKIE]
    refresh_claims = codec.decode(jar.value, token_types=(REFRESH,))
    assert refresh_claims.family == claims.family
    assert jar.value not in response.content.decode()
    assert (jar["httponly"], jar["samesite"], jar["path"], jar["secure"]) == (True, "Strict", COOKIE_PATH, "")
    assert settings.REFRESH_TOKEN_LIFETIME - 2 <= jar["max-age"] <= settings.REFRESH_TOKEN_LIFETIME
    assert response["Cache-Control"] == "no-store"
    # The page needs a csrftoken cookie it can read to send X-CSRFToken.
    assert response.cookies["csrftoken"]["httponly"] == ""
    assert TokenFamily.objects.get(pk=claims.family).door == "hybrid"
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN, user=user, door="hybrid").count() == 1


def test_cookie_max_age_is_bounded_by_the_absolute_lifetime(user, settings):
    settings.REFRESH_ABSOLUTE_LIFETIME = 120
    client = browser()
    assert 118 <= login(client).cookies[REFRESH_COOKIE]["max-age"] <= 120
    assert refresh(client).cookies[REFRESH_COOKIE]["max-age"] <= 120


def test_cookie_is_secure_outside_debug_and_over_https(user, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert login(browser()).cookies[REFRESH_COOKIE]["secure"] is True
    settings.SESSION_COOKIE_SECURE = False
    assert login(browser(), secure=True).cookies[REFRESH_COOKIE]["secure"] is True


def test_login_rotates_the_csrf_token(user):
    client = browser()
    client.get("/workshop/hybrid/")
    planted = client.cookies["csrftoken"].value
    login(client)
    assert client.cookies["csrftoken"].value != planted


@pytest.mark.parametrize(("body", "status", "expected"), [
    ({"username": "alice", "password": "wrong"}, HTTPStatus.UNAUTHORIZED,
     {"detail": "No active account found with the given credentials.", "code": "no_active_account"}),
    ({"username": "nobody", "password": PASSWORD}, HTTPStatus.UNAUTHORIZED,
     {"detail": "No active account found with the given credentials.", "code": "no_active_account"}),
    ({"username": "alice"}, HTTPStatus.BAD_REQUEST,
     {"detail": "Invalid input.", "code": "invalid",
      "errors": {"password": [{"message": "This field is required.", "code": "required"}]}}),
    ({"username": 7, "password": PASSWORD}, HTTPStatus.BAD_REQUEST,
     {"detail": "Invalid input.", "code": "invalid",
      "errors": {"username": [{"message": "Must be a string.", "code": "invalid"}]}}),
])
def test_login_failures_match_the_token_endpoint(user, body, status, expected):
    for url in (LOGIN, "/jwt/token/"):
        response = browser().post(url, body, content_type="application/json")
        assert response.status_code == status
        assert response.json() == expected
        assert REFRESH_COOKIE not in response.cookies
    assert not TokenFamily.objects.exists()


def test_login_is_throttled_like_the_token_endpoint(user, settings):
    settings.LOGIN_RATE = "2/min"
    client = browser()
    assert login(client, password="wrong").status_code == HTTPStatus.UNAUTHORIZED
    assert login(client, password="wrong").status_code == HTTPStatus.UNAUTHORIZED
    response = login(client)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"].startswith("Too many login attempts.")
    assert int(response["Retry-After"]) >= 1
    assert REFRESH_COOKIE not in response.cookies


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.evil.example",
                                    "http://testserver:8080", "https://testserver", "http://testserver/path",
                                    "http://[::1", "http://tést", "evil"])
def test_login_from_a_foreign_origin_is_refused_before_the_password_is_checked(user, origin,
                                                                               django_assert_num_queries):
    with django_assert_num_queries(0):
        response = login(browser(), HTTP_ORIGIN=origin)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"detail": "Origin not allowed.", "code": "origin_forbidden"}
    assert REFRESH_COOKIE not in response.cookies


@pytest.mark.parametrize("origin", ["http://testserver", "HTTP://TESTSERVER"])
def test_login_from_our_own_origin_works(user, origin):
    assert login(browser(), HTTP_ORIGIN=origin, HTTP_SEC_FETCH_SITE="same-origin").status_code == HTTPStatus.OK


def test_refresh_rotates_the_cookie_and_returns_a_new_access_token(alice, user):
    first_cookie = cookie(alice)
    response = refresh(alice, HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == {"access", "access_expires_at", "expires_in"}
    assert codec.decode(body["access"]).user_id == user.pk
    assert response["Cache-Control"] == "no-store"
    jar = response.cookies[REFRESH_COOKIE]
    assert jar.value != first_cookie and jar["httponly"] is True and jar["path"] == COOKIE_PATH
    assert refresh(alice).status_code == HTTPStatus.OK  # the rotated cookie works in turn


def test_reusing_a_rotated_cookie_revokes_the_whole_login(alice, user):
    stolen = cookie(alice)
    access = refresh(alice).json()["access"]
    thief = browser()
    thief.cookies[REFRESH_COOKIE] = stolen
    thief.cookies["csrftoken"] = "t" * 32
    response = refresh(thief)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token has already been used; every token of this login has been revoked.",
                               "code": "token_reused"}
    assert response.cookies[REFRESH_COOKIE]["max-age"] == 0
    # The victim's current cookie and access token die with the family.
    assert refresh(alice).json()["code"] == "token_revoked"
    assert alice.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == \
        HTTPStatus.UNAUTHORIZED
    assert TokenFamily.objects.get(user=user).revoked_reason == "reuse"


def test_a_rotated_cookie_of_another_user_is_refused_and_ends_that_login(alice, other_user):
    bob = browser()
    assert login(bob, username="bob").status_code == HTTPStatus.OK
    bobs_old = cookie(bob)
    assert refresh(bob).status_code == HTTPStatus.OK
    alice.cookies[REFRESH_COOKIE] = bobs_old
    response = refresh(alice)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_reused"
    assert refresh(bob).status_code == HTTPStatus.UNAUTHORIZED
    assert TokenFamily.objects.get(user=other_user).revoked_reason == "reuse"


@pytest.mark.parametrize(("value", "expected"), [
    ("", {"detail": "No refresh cookie: log in again.", "code": "refresh_cookie_missing"}),
    ("garbage", {"detail": "Token is malformed.", "code": "token_not_valid"}),
    ("a.b.c", {"detail": "Token is malformed.", "code": "token_not_valid"}),
    ("e30.e30.e30", {"detail": "Token algorithm is not allowed; this server accepts HS256 only.",
                     "code": "token_not_valid"}),
    ("x" * 5000, {"detail": "Token is too long.", "code": "token_not_valid"}),
])
def test_refresh_without_a_valid_cookie_is_401_and_clears_it(alice, value, expected):
    alice.cookies[REFRESH_COOKIE] = value
    response = refresh(alice)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == expected
    assert response["WWW-Authenticate"].startswith("Bearer")
    cleared = response.cookies[REFRESH_COOKIE]
    assert (cleared.value, cleared["max-age"], cleared["path"]) == ("", 0, COOKIE_PATH)


def test_an_access_token_in_the_cookie_is_refused(alice):
    access = login(alice).json()["access"]
    alice.cookies[REFRESH_COOKIE] = access
    response = refresh(alice)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token has the wrong type for this endpoint.", "code": "token_not_valid"}


def test_refresh_after_logout_everywhere_is_revoked(alice):
    access = refresh(alice).json()["access"]
    assert alice.post("/jwt/logout-all/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == HTTPStatus.NO_CONTENT
    response = refresh(alice)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_revoked"


CSRF_FAILURES = [
    ({}, "CSRF token missing: send the csrftoken cookie's value in X-CSRFToken.", "csrf_failed"),
    ({"HTTP_X_CSRFTOKEN": "w" * 32}, "CSRF token incorrect.", "csrf_failed"),
    ({"HTTP_X_CSRFTOKEN": ""}, "CSRF token missing: send the csrftoken cookie's value in X-CSRFToken.", "csrf_failed"),
    ({"HTTP_X_CSRFTOKEN": "é" * 32}, "CSRF token incorrect.", "csrf_failed"),
    ({"HTTP_X_CSRFTOKEN": "w" * 10_000}, "CSRF token incorrect.", "csrf_failed"),
    ({"csrf": True, "HTTP_ORIGIN": "https://evil.example"}, "Origin not allowed.", "origin_forbidden"),
    ({"csrf": True, "HTTP_ORIGIN": "null"}, "Origin not allowed.", "origin_forbidden"),
    ({"csrf": True, "HTTP_SEC_FETCH_SITE": "cross-site"}, "Cross-site request refused.", "origin_forbidden"),
    ({"csrf": True, "HTTP_SEC_FETCH_SITE": "same-site"}, "Cross-site request refused.", "origin_forbidden"),
]


@pytest.mark.parametrize("url", [REFRESH_URL, LOGOUT])
@pytest.mark.parametrize(("extra", "detail", "code"), CSRF_FAILURES)
def test_csrf_and_origin_failures_are_403_and_change_nothing(alice, user, url, extra, detail, code,
                                                             django_assert_num_queries):
    extra = dict(extra)
    if extra.pop("csrf", False):
        extra.update(csrf(alice))
    before = cookie(alice)
    with django_assert_num_queries(0):
        response = alice.post(url, **extra)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"detail": detail, "code": code}
    assert REFRESH_COOKIE not in response.cookies
    assert TokenFamily.objects.get(user=user).revoked_at is None
    assert cookie(alice) == before
    assert refresh(alice).status_code == HTTPStatus.OK  # the login is untouched


def test_csrf_header_without_a_csrf_cookie_is_403(alice):
    header = csrf(alice)
    del alice.cookies["csrftoken"]
    response = alice.post(REFRESH_URL, **header)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "csrf_failed"


def test_logout_clears_the_cookie_and_revokes_the_family(alice, user):
    old_cookie = cookie(alice)
    access = refresh(alice).json()["access"]
    current_cookie = cookie(alice)
    response = alice.post(LOGOUT, **csrf(alice))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.content == b""
    cleared = response.cookies[REFRESH_COOKIE]
    assert (cleared.value, cleared["max-age"], cleared["path"], cleared["httponly"]) == ("", 0, COOKIE_PATH, True)
    family = TokenFamily.objects.get(user=user)
    assert family.revoked_reason == "logout"
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGOUT, user=user, door="hybrid").count() == 1
    # Everything of that login is dead: the access token in the page's memory, and any copy of the cookie.
    assert alice.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == \
        HTTPStatus.UNAUTHORIZED
    for value in (current_cookie, old_cookie):
        alice.cookies[REFRESH_COOKIE] = value
        assert refresh(alice).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("value", ["", "garbage"])
def test_logout_without_a_valid_cookie_is_still_204(alice, user, value):
    alice.cookies[REFRESH_COOKIE] = value
    response = alice.post(LOGOUT, **csrf(alice))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.cookies[REFRESH_COOKIE]["max-age"] == 0
    assert TokenFamily.objects.get(user=user).revoked_at is None


def test_a_second_login_ends_the_login_its_cookie_replaces(alice, user):
    first = TokenFamily.objects.get(user=user)
    assert login(alice).status_code == HTTPStatus.OK
    first.refresh_from_db()
    assert first.revoked_reason == "logout"
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("password", ["wrong", None])
def test_a_refused_second_login_ends_nothing_of_the_cookies_login(alice, user, password):
    # One login path (jwt_demo.services.token_login): the replaced cookie's login ends only once the password
    # has checked out; a refused or malformed attempt leaves it alive, and the cookie still refreshes.
    held = cookie(alice)
    response = login(alice, password=password)
    assert response.status_code == (HTTPStatus.UNAUTHORIZED if password else HTTPStatus.BAD_REQUEST)
    assert TokenFamily.objects.get(user=user).revoked_at is None
    assert cookie(alice) == held
    assert refresh(alice).status_code == HTTPStatus.OK


def test_web_and_native_clients_at_once(alice, user):
    native = browser()
    pair = native.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                       content_type="application/json").json()
    assert set(pair) == {"access", "refresh"}
    assert alice.post(LOGOUT, **csrf(alice)).status_code == HTTPStatus.NO_CONTENT
    # The native client's login is its own family: the browser's logout does not end it.
    response = native.post("/jwt/token/refresh/", {"refresh": pair["refresh"]}, content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    assert native.get("/jwt/api/notes/",
                      HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}").status_code == HTTPStatus.OK
    assert sorted(TokenFamily.objects.filter(user=user).values_list("door", flat=True)) == ["hybrid", "jwt"]


@pytest.mark.parametrize("url", [LOGIN, REFRESH_URL, LOGOUT])
def test_hybrid_endpoints_accept_post_only(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"username": {"a": 1}}', b"\xff\xfe", json.dumps([[[]]]).encode()])
def test_malformed_login_bodies_are_400(user, body):
    response = browser().post(LOGIN, body, content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()) >= {"detail", "code"}


def test_queries_per_step_with_the_database_revocation_store(user, settings, django_assert_num_queries):
    """Login: user, auth event, the login admitted (the user's row locked, then the user's cut-off: a change of the
    account cannot race the new login, accounts.admission), family and refresh row (+2 savepoints). Refresh: one
    revocation check, then the rotation (the user's row locked and still active, conditional UPDATE, family, family
    touch, successor; +2 savepoints). Logout: family, then in one transaction (+2 savepoints) revoke it, the
    revocation row (with savepoints) and the auth
    event. No query for the cookie or CSRF."""
    settings.REVOCATION_BACKEND = "denylist.backends.db.DatabaseRevocationBackend"
    client = browser()
    with django_assert_num_queries(8):
        assert login(client).status_code == HTTPStatus.OK
    with django_assert_num_queries(8):
        assert refresh(client).status_code == HTTPStatus.OK
    with django_assert_num_queries(11):
        assert client.post(LOGOUT, **csrf(client)).status_code == HTTPStatus.NO_CONTENT
