"""simplejwt's settings and contracts on the JWT door: honoured, or refused at start-up by name (jwt_demo.checks)."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import RequestFactory

from jwt_demo.authentication import JWTAuthentication
from jwt_demo.checks import check_simplejwt_settings
from jwt_demo.tokens import AccessToken, RefreshToken, TokenError, TokenLabToken, TokenUser
from tests.support.suite import PASSWORD

PROFILE = "/jwt/api/profile/"


def login(client, user) -> dict:
    response = client.post("/jwt/token/", {"username": user.username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    return response.json()


def simple_jwt(settings, **values):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, **values}


@pytest.mark.django_db
def test_auth_header_name_is_honoured(client, settings, user):
    access = login(client, user)["access"]
    simple_jwt(settings, AUTH_HEADER_NAME="HTTP_X_ACCESS_TOKEN")
    assert client.get(PROFILE, HTTP_X_ACCESS_TOKEN=f"Bearer {access}").status_code == HTTPStatus.OK
    assert client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_auth_header_types_are_honoured(client, settings, user):
    access = login(client, user)["access"]
    simple_jwt(settings, AUTH_HEADER_TYPES=("JWT",))
    assert client.get(PROFILE, HTTP_AUTHORIZATION=f"JWT {access}").status_code == HTTPStatus.OK
    refused = client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused["WWW-Authenticate"] == 'JWT realm="token-lab"'


def test_get_header_and_get_raw_token_speak_bytes():
    auth = JWTAuthentication()
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer abc")
    assert auth.get_header(request) == b"Bearer abc"
    assert auth.get_raw_token(auth.get_header(request)) == b"abc"
    assert auth.get_header(RequestFactory().get("/")) is None


@pytest.mark.django_db
def test_user_id_claim_is_written_beside_sub(settings, user):
    simple_jwt(settings, USER_ID_FIELD="username", USER_ID_CLAIM="user_name")
    token = AccessToken.for_user(user)
    assert token["user_name"] == user.username and token["sub"] == str(user.pk)


@pytest.mark.django_db
def test_token_user_class_is_honoured(settings, user):
    token = AccessToken.for_user(user)
    assert isinstance(JWTAuthentication().get_user(token), TokenUser)
    simple_jwt(settings, TOKEN_USER_CLASS="rest_framework_simplejwt.models.TokenUser")
    from rest_framework_simplejwt.models import TokenUser as SimpleJWTTokenUser

    assert isinstance(JWTAuthentication().get_user(token), SimpleJWTTokenUser)


@pytest.mark.django_db
@pytest.mark.parametrize("update", [False, True])
def test_update_last_login_is_honoured(client, settings, user, update):
    simple_jwt(settings, UPDATE_LAST_LOGIN=update)
    login(client, user)
    user.refresh_from_db()
    assert (user.last_login is not None) is update


@pytest.mark.django_db
def test_a_for_user_refresh_token_refreshes_rotates_and_detects_reuse(client, user):
    refresh = str(RefreshToken.for_user(user))
    first = client.post("/jwt/token/refresh/", {"refresh": refresh}, content_type="application/json")
    assert first.status_code == HTTPStatus.OK
    assert client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {first.json()['access']}").status_code == HTTPStatus.OK
    reused = client.post("/jwt/token/refresh/", {"refresh": refresh}, content_type="application/json")
    assert reused.status_code == HTTPStatus.UNAUTHORIZED and reused.json()["code"] == "token_reused"
    assert client.post("/jwt/token/refresh/", {"refresh": first.json()["refresh"]},
                       content_type="application/json").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/jwt/logout/", "/jwt/logout-all/"])
def test_a_for_user_login_ends_at_logout(client, user, path):
    refresh = RefreshToken.for_user(user)
    access = str(refresh.access_token)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    assert client.post(path, {}, content_type="application/json", **bearer).status_code == HTTPStatus.NO_CONTENT
    assert client.get(PROFILE, **bearer).status_code == HTTPStatus.UNAUTHORIZED
    assert client.post("/jwt/token/refresh/", {"refresh": str(refresh)},
                       content_type="application/json").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_malformed_tokens_are_token_errors(user):
    token = AccessToken.for_user(user)
    del token["exp"]
    with pytest.raises(TokenError):
        token.check_exp()

    class NoType(TokenLabToken):
        pass

    with pytest.raises(TokenError):
        NoType()


@pytest.mark.parametrize("name, value", [
    ("CHECK_REVOKE_TOKEN", True), ("JWK_URL", "https://keys.example/jwks"), ("ROTATE_REFRESH_TOKENS", False),
    ("BLACKLIST_AFTER_ROTATION", True), ("SLIDING_TOKEN_LIFETIME", None), ("TOKEN_TYPE_CLAIM", "kind"),
    ("JTI_CLAIM", "id"), ("VERIFYING_KEY", "x"), ("CHECK_USER_IS_ACTIVE", False),
    ("AUTH_TOKEN_CLASSES", ("jwt_demo.tokens.AccessToken",)), ("NO_SUCH_SETTING", 1),
])
def test_the_system_check_refuses_each_unsupported_setting_by_name(settings, name, value):
    assert check_simplejwt_settings() == []
    simple_jwt(settings, **{name: value})
    errors = check_simplejwt_settings()
    assert len(errors) == 1 and f"SIMPLE_JWT['{name}']" in errors[0].msg


def test_the_system_check_refuses_a_non_key_field_in_sub(settings):
    simple_jwt(settings, USER_ID_FIELD="username")
    assert [e.id for e in check_simplejwt_settings()] == ["tokenlab.E024"]
    simple_jwt(settings, USER_ID_CLAIM="user_name")
    assert check_simplejwt_settings() == []


@pytest.mark.parametrize("name, value, reads", [
    ("SIGNING_KEY", "another-signing-key-of-at-least-32-bytes!", "JWT_SIGNING_KEY"),
    ("ALGORITHM", "RS256", "JWT_ALGORITHM"), ("ISSUER", "elsewhere", "JWT_ISSUER"),
    ("ACCESS_TOKEN_LIFETIME", timedelta(hours=9), "ACCESS_TOKEN_LIFETIME"),
])
def test_the_system_check_refuses_an_edit_of_a_copy_the_door_does_not_read(settings, name, value, reads):
    simple_jwt(settings, **{name: value})
    errors = check_simplejwt_settings()
    assert [e.id for e in errors] == ["tokenlab.E026"]
    assert f"SIMPLE_JWT['{name}']" in errors[0].msg and reads in errors[0].hint


def test_changing_the_setting_the_door_reads_is_no_error(settings):
    settings.JWT_SIGNING_KEY = "a rotated signing key of at least 32 bytes!!"
    settings.ACCESS_TOKEN_LIFETIME = 60
    assert check_simplejwt_settings() == []
