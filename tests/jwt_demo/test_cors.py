"""CORS: the Bearer API is offered to listed origins, without credentials; cookie endpoints never are."""

from http import HTTPStatus

import pytest

from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

ALLOWED = "http://127.0.0.1:18398"
FOREIGN = "http://127.0.0.1:18399"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(client, path, origin, method="GET", headers="authorization"):
    return client.options(path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
                          HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers)


@pytest.mark.parametrize(("path", "method", "headers"), [
    ("/jwt/api/profile/", "GET", "authorization"),
    ("/jwt/api/notes/", "POST", "authorization,content-type"),
    ("/jwt/api/notes/1/", "DELETE", "authorization"),
    ("/jwt/token/", "POST", "content-type"),
    ("/jwt/token/refresh/", "POST", "content-type"),
    ("/jwt/token/verify/", "POST", "content-type"),
    ("/jwt/logout/", "POST", "authorization,content-type"),
    ("/jwt/logout-all/", "POST", "authorization"),
    ("/jwt/password/", "POST", "authorization,content-type"),
    ("/.well-known/jwks.json", "GET", ""),
])
def test_preflight_from_an_allowed_origin_is_granted_without_credentials(client, path, method, headers):
    response = preflight(client, path, ALLOWED, method, headers)
    assert response.status_code == HTTPStatus.OK
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert method in response["Access-Control-Allow-Methods"]
    for header in filter(None, headers.split(",")):
        assert header in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("origin", [FOREIGN, "null", "http://127.0.0.1", ALLOWED + ".evil.example", "https://127.0.0.1:18398"])
def test_preflight_from_any_other_origin_is_not_granted(client, origin):
    response = preflight(client, "/jwt/api/profile/", origin)
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/jwt/hybrid/refresh/", "/jwt/hybrid/login/", "/jwt/hybrid/logout/",
                                  "/session/api/profile/", "/session/login/", "/workshop/hybrid/", "/admin/",
                                  "/jwt/tokenx/", "/xjwt/api/profile/"])
def test_cookie_endpoints_are_never_offered_cross_origin(client, path):
    response = preflight(client, path, ALLOWED, "POST", "x-csrftoken,content-type")
    assert "Access-Control-Allow-Origin" not in response


def test_allowed_origin_reads_the_api_with_a_bearer_token(client, user):
    login = client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                        content_type="application/json", HTTP_ORIGIN=ALLOWED)
    assert login.status_code == HTTPStatus.OK
    assert login["Access-Control-Allow-Origin"] == ALLOWED
    response = client.get("/jwt/api/profile/", HTTP_ORIGIN=ALLOWED,
                          HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["username"] == "alice"
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Credentials" not in response


def test_a_cross_origin_401_explains_itself(client):
    response = client.get("/jwt/api/profile/", HTTP_ORIGIN=ALLOWED, HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "www-authenticate" in response["Access-Control-Expose-Headers"].lower()


def test_a_disallowed_origin_gets_no_permission_to_read(client, user):
    """CORS protects the reader, not the server: the answer is computed, but the browser may not show it."""
    response = client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                           content_type="application/json", HTTP_ORIGIN=FOREIGN)
    assert response.status_code == HTTPStatus.OK
    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_unless_configured(client, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in preflight(client, "/jwt/api/profile/", ALLOWED)


def test_hybrid_refresh_refuses_the_allowed_cors_origin_too(client, user):
    client.get("/workshop/hybrid/")
    csrf = client.cookies["csrftoken"].value
    response = client.post("/jwt/hybrid/refresh/", HTTP_ORIGIN=ALLOWED, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"detail": "Origin not allowed.", "code": "origin_forbidden"}
    assert "Access-Control-Allow-Origin" not in response
