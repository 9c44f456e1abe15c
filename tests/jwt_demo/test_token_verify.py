"""POST /jwt/token/verify/: live tokens pass, garbage, revoked and rotated-away tokens are refused."""

from http import HTTPStatus

import pytest

from tests.support.jwt_api import assert_401, bearer, obtain, post

pytestmark = pytest.mark.django_db

# --- POST /jwt/token/verify/ --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_verify_accepts_live_tokens(client, user, settings, kind, django_assert_num_queries):
    settings.REVOCATION_BACKEND = "denylist.backends.db.DatabaseRevocationBackend"
    pair = obtain(client)
    # One revocation lookup (jti, family and user cut-off at once); a refresh token also needs its own row, to
    # tell whether it was already rotated away.
    with django_assert_num_queries(1 if kind == "access" else 2):
        response = post(client, "/jwt/token/verify/", {"token": pair[kind]})
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "x" * 4097])
def test_verify_rejects_garbage(client, token, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = post(client, "/jwt/token/verify/", {"token": token})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_not_valid"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert token not in response.content.decode()


def test_verify_rejects_revoked_tokens(client, user):
    pair = obtain(client)
    assert post(client, "/jwt/logout/", **bearer(pair["access"])).status_code == HTTPStatus.NO_CONTENT
    for token in (pair["access"], pair["refresh"]):
        assert_401(post(client, "/jwt/token/verify/", {"token": token}), "Token has been revoked.", "token_revoked")


@pytest.mark.parametrize("body", [{}, {"token": None}, {"token": 1}, {"token": {"a": 1}}])
def test_verify_rejects_bad_fields(client, body):
    response = post(client, "/jwt/token/verify/", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()["errors"]) == {"token"}
