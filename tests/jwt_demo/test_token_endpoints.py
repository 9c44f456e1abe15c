"""The JWT door's token endpoints, per the HTTP contract (API.md, "JWT door")."""

from http import HTTPStatus

import pytest

from accounts.models import AuthEvent
from accounts.throttling import login_throttle
from jwt_demo.models import RefreshToken, TokenFamily
from jwt_demo.tokens import ACCESS, REFRESH, codec
from sessions_demo.models import DeviceSession
from tests.support.browsers import is_signed_in, signed_in
from tests.support.jwt_api import assert_401, assert_field_errors, bearer, obtain, post, profile_status
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

BAD_CREDENTIALS = {"detail": "No active account found with the given credentials.", "code": "no_active_account"}
NEW_PASSWORD = "a brand new passphrase 2026"


# --- POST /jwt/token/ ---------------------------------------------------------------------------------------------

def test_token_obtain(client, user):
    response = post(client, "/jwt/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access", "refresh"}
    access = codec.decode(body["access"], token_types=(ACCESS,))
    refresh = codec.decode(body["refresh"], token_types=(REFRESH,))
    assert access.user_id == refresh.user_id == user.pk
    assert access.family == refresh.family
    family = TokenFamily.objects.get()
    assert (family.id, family.user_id, family.door) == (access.family, user.pk, "jwt")
    assert list(RefreshToken.objects.values_list("jti", flat=True)) == [refresh.jti]
    assert profile_status(client, body["access"]) == HTTPStatus.OK
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN, user=user, door="jwt").count() == 1
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"username": [{"message": "This field is required.", "code": "required"}],
          "password": [{"message": "This field is required.", "code": "required"}]}),
    ({"username": "alice"}, {"password": [{"message": "This field is required.", "code": "required"}]}),
    ({"username": 42, "password": PASSWORD}, {"username": [{"message": "Must be a string.", "code": "invalid"}]}),
    ({"username": "alice", "password": 12345678}, {"password": [{"message": "Must be a string.", "code": "invalid"}]}),
    ({"username": ["alice"], "password": PASSWORD},
     {"username": [{"message": "Must be a string.", "code": "invalid"}]}),
    ({"username": {"$ne": ""}, "password": PASSWORD},
     {"username": [{"message": "Must be a string.", "code": "invalid"}]}),
    ({"username": "alice", "password": None},
     {"password": [{"message": "This field may not be null.", "code": "null"}]}),
    ({"username": True, "password": PASSWORD}, {"username": [{"message": "Must be a string.", "code": "invalid"}]}),
    ({"username": "", "password": PASSWORD},
     {"username": [{"message": "This field may not be blank.", "code": "blank"}]}),
    ({"username": "a" * 151, "password": PASSWORD},
     {"username": [{"message": "Ensure this field has no more than 150 characters.", "code": "max_length"}]}),
    ({"username": "al\x00ice", "password": PASSWORD},
     {"username": [{"message": "Null characters are not allowed.", "code": "null_characters_not_allowed"}]}),
])
def test_token_obtain_rejects_bad_fields(client, user, body, errors, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = post(client, "/jwt/token/", body)
    assert_field_errors(response, errors)
    assert response["Cache-Control"] == "no-store"
    assert TokenFamily.objects.count() == 0
    assert AuthEvent.objects.count() == 0


@pytest.mark.parametrize(("username", "password"), [
    ("alice", "wrong password"), ("nobody", PASSWORD), ("ALICE", PASSWORD), ("alice", PASSWORD + " "),
])
def test_token_obtain_bad_credentials_are_one_generic_401(client, user, username, password):
    response = post(client, "/jwt/token/", {"username": username, "password": password})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == BAD_CREDENTIALS
    assert response["Cache-Control"] == "no-store"
    assert TokenFamily.objects.count() == 0
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED).count() == 1


def test_token_obtain_refused_for_suspended_user(client, user):
    user.is_active = False
    user.save()
    response = post(client, "/jwt/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == BAD_CREDENTIALS


@pytest.mark.parametrize("rate", ["3/min", "3/m", "3/minute"])  # DRF rate syntax: the unit's first letter counts
def test_token_obtain_is_throttled(client, user, settings, monkeypatch, rate):
    settings.LOGIN_RATE = rate
    monkeypatch.setattr(login_throttle, "timer", lambda: 1_800_000_015.0)
    for _ in range(3):
        assert post(client, "/jwt/token/", {"username": "alice", "password": "x"}).status_code == 401
    response = post(client, "/jwt/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "45"
    assert response.json() == {"detail": "Too many login attempts. Expected available in 45 seconds.",
                               "code": "throttled"}
    assert TokenFamily.objects.count() == 0


def test_throttle_is_shared_by_both_login_doors(client, user, settings):
    settings.LOGIN_RATE = "3/min"
    for _ in range(3):
        assert post(client, "/jwt/token/", {"username": "alice", "password": "x"}).status_code == 401
    from tests.support.browsers import browser, log_in

    assert log_in(browser(ip="203.0.113.5"), "alice").status_code == HTTPStatus.TOO_MANY_REQUESTS


# --- POST /jwt/token/refresh/ -------------------------------------------------------------------------------------

def test_refresh_rotates(client, user):
    first = obtain(client)
    response = post(client, "/jwt/token/refresh/", {"refresh": first["refresh"]})
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store"
    second = response.json()
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"] and second["access"] != first["access"]
    old, new = (codec.decode(t["refresh"], token_types=(REFRESH,)) for t in (first, second))
    assert old.family == new.family and old.jti != new.jti
    assert RefreshToken.objects.get(jti=old.jti).rotated_at is not None
    assert RefreshToken.objects.get(jti=new.jti).rotated_at is None
    assert profile_status(client, second["access"]) == HTTPStatus.OK
    # Rotation does not end the access token of the same login: it expires on its own.
    assert profile_status(client, first["access"]) == HTTPStatus.OK


def test_refresh_reuse_revokes_the_family(client, user):
    first = obtain(client)
    second = post(client, "/jwt/token/refresh/", {"refresh": first["refresh"]}).json()
    other_login = obtain(client)

    replay = post(client, "/jwt/token/refresh/", {"refresh": first["refresh"]})
    assert_401(replay, "Token has already been used; every token of this login has been revoked.", "token_reused")
    assert replay["Cache-Control"] == "no-store"
    family = TokenFamily.objects.get(pk=codec.decode(first["refresh"], token_types=(REFRESH,)).family)
    assert family.revoked_reason == "reuse" and family.revoked_at is not None
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.REFRESH_REUSE, user=user).count() == 1
    # Everything of that login is dead: the first access, and the pair the legitimate rotation produced.
    for access in (first["access"], second["access"]):
        assert_401(client.get("/jwt/api/profile/", **bearer(access)), "Token has been revoked.", "token_revoked")
    assert_401(post(client, "/jwt/token/refresh/", {"refresh": second["refresh"]}),
               "Token has been revoked.", "token_revoked")
    # Another login of the same user is untouched.
    assert profile_status(client, other_login["access"]) == HTTPStatus.OK
    assert post(client, "/jwt/token/refresh/", {"refresh": other_login["refresh"]}).status_code == HTTPStatus.OK


def test_access_token_is_not_a_refresh_token(client, user, django_assert_num_queries):
    pair = obtain(client)
    with django_assert_num_queries(0):
        response = post(client, "/jwt/token/refresh/", {"refresh": pair["access"]})
    assert_401(response, "Token has the wrong type for this endpoint.", "token_not_valid")
    assert RefreshToken.objects.filter(rotated_at__isnull=False).count() == 0
    assert TokenFamily.objects.filter(revoked_at__isnull=False).count() == 0


def test_refresh_token_is_not_an_access_token(client, user):
    pair = obtain(client)
    assert_401(client.get("/jwt/api/profile/", **bearer(pair["refresh"])),
               "Token has the wrong type for this endpoint.", "token_not_valid")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "x" * 20_000])
def test_refresh_rejects_garbage(client, user, token):
    response = post(client, "/jwt/token/refresh/", {"refresh": token})
    assert response.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.BAD_REQUEST)
    if token == "" or len(token) > 8192:
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "invalid"
    else:
        assert_401(response, "Token is malformed.", "token_not_valid")


def test_refresh_refused_after_suspension(client, user):
    pair = obtain(client)
    user.is_active = False
    user.save()  # any save() that deactivates ends every credential (the model is the choke point)
    response = post(client, "/jwt/token/refresh/", {"refresh": pair["refresh"]})
    assert_401(response, "Token has been revoked.", "token_revoked")


@pytest.mark.parametrize("body", [{}, {"refresh": None}, {"refresh": 5}, {"refresh": ["x"]}, {"token": "x"}])
def test_refresh_rejects_bad_fields(client, body):
    response = post(client, "/jwt/token/refresh/", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"refresh"}


# --- POST /jwt/logout/ and /jwt/logout-all/ -----------------------------------------------------------------------

def test_logout_ends_the_login(client, user):
    pair = obtain(client)
    other = obtain(client)
    response = post(client, "/jwt/logout/", **bearer(pair["access"]))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.content == b""
    assert_401(client.get("/jwt/api/profile/", **bearer(pair["access"])), "Token has been revoked.", "token_revoked")
    assert_401(post(client, "/jwt/token/refresh/", {"refresh": pair["refresh"]}),
               "Token has been revoked.", "token_revoked")
    family = TokenFamily.objects.get(pk=codec.decode(pair["access"]).family)
    assert family.revoked_reason == "logout"
    # Only that login: the user's other login still works.
    assert profile_status(client, other["access"]) == HTTPStatus.OK
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGOUT, door="jwt").count() == 1


def test_logout_with_refresh_ends_that_login_too(client, user, other_user):
    pair, second = obtain(client), obtain(client)
    bobs = obtain(client, "bob")
    response = post(client, "/jwt/logout/", {"refresh": second["refresh"]}, **bearer(pair["access"]))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert profile_status(client, second["access"]) == HTTPStatus.UNAUTHORIZED
    # Someone else's refresh token in the body is ignored, not revoked.
    third = obtain(client)
    assert post(client, "/jwt/logout/", {"refresh": bobs["refresh"]}, **bearer(third["access"])).status_code == 204
    assert profile_status(client, bobs["access"]) == HTTPStatus.OK


def test_logout_without_token_is_401(client, user):
    response = post(client, "/jwt/logout/")
    assert_401(response, "Authentication credentials were not provided.", "not_authenticated")
    assert TokenFamily.objects.filter(revoked_at__isnull=False).count() == 0


def test_logout_twice_is_401(client, user):
    pair = obtain(client)
    assert post(client, "/jwt/logout/", **bearer(pair["access"])).status_code == HTTPStatus.NO_CONTENT
    assert_401(post(client, "/jwt/logout/", **bearer(pair["access"])), "Token has been revoked.", "token_revoked")


def test_logout_all_ends_every_token_and_session(client, user, other_user):
    pair, second = obtain(client), obtain(client)
    browser_session = signed_in("alice")
    bobs = obtain(client, "bob")
    bobs_session = signed_in("bob")

    response = post(client, "/jwt/logout-all/", **bearer(pair["access"]))
    assert response.status_code == HTTPStatus.NO_CONTENT
    for tokens in (pair, second):
        assert profile_status(client, tokens["access"]) == HTTPStatus.UNAUTHORIZED
        assert post(client, "/jwt/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
    assert not is_signed_in(browser_session)
    assert not DeviceSession.objects.filter(user=user).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGOUT_EVERYWHERE, user=user, door="jwt").count() == 1
    # Other users are untouched, and the user can log in again.
    assert profile_status(client, bobs["access"]) == HTTPStatus.OK
    assert is_signed_in(bobs_session)
    assert profile_status(client, obtain(client)["access"]) == HTTPStatus.OK


def test_logout_all_without_token_is_401(client):
    assert_401(post(client, "/jwt/logout-all/"), "Authentication credentials were not provided.",
               "not_authenticated")


# --- POST /jwt/password/ ------------------------------------------------------------------------------------------

def test_password_change_returns_a_fresh_pair(client, user):
    pair = obtain(client)
    browser_session = signed_in("alice")
    response = post(client, "/jwt/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                    **bearer(pair["access"]))
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store"
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    assert profile_status(client, fresh["access"]) == HTTPStatus.OK
    assert_401(client.get("/jwt/api/profile/", **bearer(pair["access"])), "Token has been revoked.", "token_revoked")
    assert post(client, "/jwt/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
    assert post(client, "/jwt/token/refresh/", {"refresh": fresh["refresh"]}).status_code == HTTPStatus.OK
    assert not is_signed_in(browser_session)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user, door="jwt").count() == 1


@pytest.mark.parametrize(("body", "errors"), [
    ({"old_password": "nope", "new_password": NEW_PASSWORD},
     {"old_password": [{"message": "Your old password was entered incorrectly.", "code": "invalid"}]}),
    ({"old_password": PASSWORD, "new_password": "short"},
     {"new_password": [{"message": "This password is too short. It must contain at least 8 characters.",
                        "code": "invalid"}]}),
    ({"old_password": PASSWORD, "new_password": "password"},
     {"new_password": [{"message": "This password is too common.", "code": "invalid"}]}),
    ({"old_password": PASSWORD},
     {"new_password": [{"message": "This field is required.", "code": "required"}]}),
    ({"old_password": PASSWORD, "new_password": 123456789},
     {"new_password": [{"message": "Must be a string.", "code": "invalid"}]}),
])
def test_password_change_rejects(client, user, body, errors):
    pair = obtain(client)
    browser_session = signed_in("alice")
    response = post(client, "/jwt/password/", body, **bearer(pair["access"]))
    assert_field_errors(response, errors)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert profile_status(client, pair["access"]) == HTTPStatus.OK
    assert is_signed_in(browser_session)
    assert TokenFamily.objects.count() == 1


def test_password_change_without_token_is_401(client, user):
    response = post(client, "/jwt/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert_401(response, "Authentication credentials were not provided.", "not_authenticated")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- Methods and paths --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/jwt/token/", "/jwt/token/refresh/", "/jwt/token/verify/"])
def test_token_endpoints_refuse_get(client, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


@pytest.mark.parametrize("path", ["/jwt/nope/", "/jwt/token/extra/", "/jwt/api/nothing/", "/jwt/token/refresh/x/"])
def test_unknown_jwt_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
