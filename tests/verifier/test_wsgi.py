"""Service B over HTTP (`GET /whoami`): the article's two halves, shown against the real auth server.

1. It verifies Token Lab's tokens without calling Token Lab: it holds the JWKS, nothing else.
2. For the same reason it cannot see revocation: a token the auth server has revoked passes here until `exp`.
"""

import io
import json
import subprocess
import sys
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest

from jwt_demo.tokens import ACCESS, codec
from tests.support.keyfiles import use_key
from tests.support.suite import PASSWORD
from tests.support.verifier_servers import jwks_server, wsgi_server
from verifier import wsgi
from verifier.jwks import JWKSError
from verifier.verify import verifier_build

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rs256(settings, tmp_path):
    use_key(settings, tmp_path, "RS256")


@pytest.fixture
def jwks_file(client, rs256, tmp_path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_bytes(client.get("/.well-known/jwks.json").content)
    return path


@pytest.fixture
def app(jwks_file):
    return wsgi.create_app(wsgi.verifier_from_environment({"VERIFIER_JWKS_FILE": str(jwks_file)}))


def call(app, path="/whoami", method="GET", authorization=None):
    """Run one request through the WSGI app; return (status code, headers, JSON body)."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO(b"")}
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    setup_testing_defaults(environ)
    started = {}

    def start_response(status, headers):
        started["status"], started["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app(environ, start_response))
    return started["status"], started["headers"], json.loads(body)


def log_in(client) -> dict:
    response = client.post("/jwt/token/", {"username": "alice", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    return response.json()


def test_whoami_answers_the_claims_of_a_valid_token(app, client, user, django_assert_num_queries):
    access = log_in(client)["access"]
    with django_assert_num_queries(0):
        status, headers, body = call(app, authorization=f"Bearer {access}")
    assert status == HTTPStatus.OK
    assert headers["Content-Type"] == "application/json" and headers["Cache-Control"] == "no-store"
    assert body["sub"] == str(user.pk) and body["iss"] == "token-lab" and body["token_type"] == "access"


def test_tampered_token_is_401(app, client, user):
    access = log_in(client)["access"]
    head, payload, signature = access.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
    status, headers, body = call(app, authorization=f"Bearer {tampered}")
    assert status == HTTPStatus.UNAUTHORIZED
    assert body == {"detail": "Token is invalid.", "code": "token_not_valid"}
    assert headers["WWW-Authenticate"] == 'Bearer realm="service-b", error="invalid_token"'


@pytest.mark.parametrize(("authorization", "expected"), [
    (None, {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}),
    ("", {"detail": "Invalid Authorization header: expected Bearer and a token.", "code": "bad_authorization_header"}),
    ("Basic YWxpY2U6cHc=", {"detail": "Invalid Authorization header: expected Bearer and a token.",
                            "code": "bad_authorization_header"}),
    ("Bearer", {"detail": "Invalid Authorization header: expected Bearer and a token.",
                "code": "bad_authorization_header"}),
    ("Bearer a b", {"detail": "Invalid Authorization header: expected Bearer and a token.",
                    "code": "bad_authorization_header"}),
    ("Bearer \u00e9\u00e9", {"detail": "Invalid Authorization header: expected Bearer and a token.",
                             "code": "bad_authorization_header"}),
    ("Bearer abc", {"detail": "Token is malformed.", "code": "token_not_valid"}),
    ("bearer " + "x" * 5000, {"detail": "Token is too long.", "code": "token_not_valid"}),
])
def test_missing_or_malformed_credentials_are_401(app, authorization, expected):
    status, headers, body = call(app, authorization=authorization)
    assert status == HTTPStatus.UNAUTHORIZED
    assert body == expected
    assert headers["WWW-Authenticate"].startswith('Bearer realm="service-b"')


@pytest.mark.parametrize("path", ["/", "/whoami/", "/whoami/x", "/WHOAMI", "/.well-known/jwks.json"])
def test_other_paths_are_404(app, path):
    assert call(app, path=path)[::2] == (HTTPStatus.NOT_FOUND, {"detail": "Not found.", "code": "not_found"})


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD"])
def test_other_methods_are_405(app, method):
    status, headers, body = call(app, method=method)
    assert status == HTTPStatus.METHOD_NOT_ALLOWED and headers["Allow"] == "GET"
    assert body["code"] == "method_not_allowed"


def test_token_revoked_at_the_auth_server_still_passes_service_b_until_exp(app, client, user):
    """The demonstration, on purpose: the auth server says revoked, service B says valid."""
    pair = log_in(client)
    bearer = f"Bearer {pair['access']}"
    assert call(app, authorization=bearer)[0] == HTTPStatus.OK
    response = client.post("/jwt/logout/", {"refresh": pair["refresh"]}, content_type="application/json",
                           HTTP_AUTHORIZATION=bearer)
    assert response.status_code == HTTPStatus.NO_CONTENT

    at_auth_server = client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=bearer)
    assert at_auth_server.status_code == HTTPStatus.UNAUTHORIZED
    assert at_auth_server.json()["code"] == "token_revoked"
    status, _, claims = call(app, authorization=bearer)
    assert status == HTTPStatus.OK and claims["sub"] == str(user.pk)

    # ...but only until exp: the same user's token past its expiry is refused by service B as well.
    expired, _ = codec.encode(token_type=ACCESS, user_id=user.pk, family="e" * 32, expires_at=int(codec.clock()) - 1)
    assert call(app, authorization=f"Bearer {expired}")[::2] == (
        HTTPStatus.UNAUTHORIZED, {"detail": "Token is expired.", "code": "token_expired"})


def test_over_real_http_with_the_jwks_fetched_once_from_the_auth_server(client, rs256, user):
    published = client.get("/.well-known/jwks.json").json()
    access = log_in(client)["access"]
    with jwks_server(published) as auth_server:
        app = wsgi.create_app(wsgi.verifier_from_environment({"VERIFIER_JWKS_URL": auth_server.url}))
        with wsgi_server(app) as service_b:
            for _ in range(3):
                request = urllib.request.Request(f"{service_b}/whoami", headers={"Authorization": f"Bearer {access}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == HTTPStatus.OK
                    assert json.loads(response.read())["sub"] == str(user.pk)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{service_b}/whoami", timeout=5)
            assert refused.value.code == HTTPStatus.UNAUTHORIZED
        assert auth_server.hits == 1


@pytest.mark.parametrize(("environ", "message"), [
    ({}, "exactly one"), ({"VERIFIER_JWKS_FILE": "a", "VERIFIER_JWKS_URL": "http://x"}, "exactly one"),
    ({"VERIFIER_JWKS_FILE": "/nonexistent/jwks.json"}, "cannot read"),
])
def test_bad_configuration_stops_the_service(environ, message):
    with pytest.raises(JWKSError, match=message):
        wsgi.verifier_from_environment(environ)


def test_hs256_deployment_gives_service_b_nothing_to_verify_with(client, settings):
    with pytest.raises(JWKSError, match="shared-secret"):
        verifier_build(document=client.get("/.well-known/jwks.json").json(), algorithm=settings.JWT_ALGORITHM,
                       issuer="token-lab", audience="token-lab-api")


def test_service_b_loads_neither_django_nor_redis(jwks_file, client, user):
    """A separate interpreter imports the WSGI module the way gunicorn would, and verifies a token."""
    access = log_in(client)["access"]
    program = (
        "import sys, io, json, verifier.wsgi as w\n"
        "app = w.application\n"
        "out = {}\n"
        "body = b''.join(app({'PATH_INFO': '/whoami', 'REQUEST_METHOD': 'GET', 'HTTP_AUTHORIZATION': "
        "'Bearer ' + sys.argv[1]}, lambda s, h: out.update(status=s)))\n"
        "leaked = sorted({m.split('.')[0] for m in sys.modules} & {'django', 'redis', 'psycopg', 'jwt_demo'})\n"
        "print(json.dumps({'status': out['status'], 'sub': json.loads(body).get('sub'), 'leaked': leaked}))\n"
    )
    result = subprocess.run([sys.executable, "-c", program, access], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={"VERIFIER_JWKS_FILE": str(jwks_file), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "200 OK", "sub": str(user.pk), "leaked": []}
