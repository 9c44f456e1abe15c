"""The guided lab's server side: live measurements, service B in-process, the twin origin, progress, the room."""

import json
import math
from http import HTTPStatus

import jwt
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import user_log_out_everywhere
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.keyfiles import use_key
from tests.support.suite import PASSWORD
from workshop.lab import STEPS
from workshop.serviceb import LAB_ALGORITHM, published_jwks

pytestmark = pytest.mark.django_db
MEASURE = {"HTTP_X_LAB_MEASURE": "1"}


def measured(response) -> dict:
    return json.loads(response["X-Lab-Measure"])


@pytest.fixture(autouse=True)
def lab_served(settings):
    """The suite runs with DEBUG off: serve the lab's measurements as a room on `make serve` does."""
    settings.LAB_MEASURE = True


# --- the measurement of one request --------------------------------------------------------------------------------

def test_a_request_that_does_not_ask_is_not_measured(user):
    assert "X-Lab-Measure" not in Client().get("/session/api/profile/")


def test_the_session_door_measures_its_cookie_and_its_session_lookup(user, settings):
    door = SessionDoor(user.username, PASSWORD).login()
    response = door.get("profile/", **MEASURE)
    m = measured(response)
    assert response.status_code == HTTPStatus.OK
    assert m["credential"] == "sessionid cookie"
    assert m["credential_bytes"] == len("sessionid=") + len(door.session_key)
    assert m["request_bytes"] > m["credential_bytes"] > 32
    assert m["response_bytes"] > len(response.content)
    assert m["ms"] > 0
    if settings.REDIS_URL:
        assert m["redis"] >= 1 and m["redis_enabled"] is True
    else:
        assert "sessions_demo_devicesession" in m["tables"]
        assert (m["redis"], m["redis_enabled"]) == (0, False)
    assert m["db"] == len(m["tables"])


def test_the_jwt_door_measures_its_header_and_one_denylist_check(user, settings):
    door = JWTDoor(user.username, PASSWORD).login()
    door.get("profile/")  # the first check after an empty cache renews the Redis copy's lease: steady state next
    m = measured(door.get("profile/", **MEASURE))
    assert (m["credential"], m["credential_bytes"]) == ("Authorization header", len("Bearer ") + len(door.access))
    assert "sessions_demo_devicesession" not in m["tables"]
    if settings.REDIS_URL:
        assert m["redis_round_trips"] == 1 and "denylist_revocation" not in m["tables"]
    else:
        assert m["tables"].count("denylist_revocation") == 1


def test_the_measure_header_is_left_out_of_the_request_bytes(user):
    door = JWTDoor(user.username, PASSWORD).login()
    plain = measured(door.get("profile/", **MEASURE))["request_bytes"]
    longer = measured(door.get("profile/", HTTP_X_PADDING="x" * 100, **MEASURE))["request_bytes"]
    assert longer - plain == len("X-PADDING: ") + 100 + 2


# --- service B, in-process -----------------------------------------------------------------------------------------

def service_b(token: str | None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get("/workshop/service-b/whoami", **headers, **extra)


def lab_copy(door: JWTDoor) -> dict:
    response = door.client.post("/workshop/lab/service-b-token/", **door.auth_headers())
    assert response.status_code == HTTPStatus.OK, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()


def test_with_hs256_service_b_holds_the_lab_public_key_only(user, settings):
    settings.JWT_ALGORITHM = "HS256"
    keys = Client().get("/workshop/service-b/jwks.json").json()["keys"]
    assert [(k["kty"], k["crv"], k["alg"], k["use"]) for k in keys] == [("OKP", "Ed25519", "EdDSA", "sig")]
    assert "d" not in keys[0]


def test_the_lab_copy_carries_the_very_claims_of_the_callers_token(user, settings):
    settings.JWT_ALGORITHM = "HS256"
    door = JWTDoor(user.username, PASSWORD).login()
    copy = lab_copy(door)
    assert (copy["same_token"], copy["algorithm"], copy["token_lab_url"]) == \
        (False, LAB_ALGORITHM, "/workshop/lab/token-lab/profile/")
    original = jwt.decode(door.access, options={"verify_signature": False})
    assert jwt.decode(copy["token"], options={"verify_signature": False}) == original
    assert jwt.get_unverified_header(copy["token"])["typ"] == "at+jwt"


def test_service_b_verifies_the_copy_without_a_query_and_token_lab_refuses_it_after_logout(user, settings):
    settings.JWT_ALGORITHM = "HS256"
    door = JWTDoor(user.username, PASSWORD).login()
    token = lab_copy(door)["token"]
    with CaptureQueriesContext(connection) as queries:
        response = service_b(token)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["sub"] == str(user.pk)
    assert len(queries) == 0
    # Measured, it shows the same (the middleware checks that the caller is logged in after counting)
    response = service_b(token, **MEASURE)
    assert (measured(response)["db"], measured(response)["redis"]) == (0, 0)
    token_lab = Client().get("/workshop/lab/token-lab/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (token_lab.status_code, token_lab.json()["username"]) == (HTTPStatus.OK, user.username)

    assert door.client.post("/jwt/logout/", {"refresh": door.refresh}, content_type="application/json",
                            **door.auth_headers()).status_code == HTTPStatus.NO_CONTENT
    refused = Client().get("/workshop/lab/token-lab/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (refused.status_code, refused.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_revoked")
    assert door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    # Service B has no denylist: the same token still passes, until exp.
    assert service_b(token).status_code == HTTPStatus.OK


def test_a_user_cut_off_revokes_the_lab_copy_too(user, settings):
    settings.JWT_ALGORITHM = "HS256"
    door = JWTDoor(user.username, PASSWORD).login()
    token = lab_copy(door)["token"]
    user_log_out_everywhere(user=user)
    refused = Client().get("/workshop/lab/token-lab/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == HTTPStatus.UNAUTHORIZED


def test_the_jwt_door_never_accepts_the_lab_key(user, settings):
    settings.JWT_ALGORITHM = "HS256"
    door = JWTDoor(user.username, PASSWORD).login()
    token = lab_copy(door)["token"]
    response = Client().get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("tamper", ["signature", "alg-none", "expired"])
def test_token_lab_refuses_a_forged_or_expired_lab_copy(user, settings, tamper):
    settings.JWT_ALGORITHM = "HS256"
    token = lab_copy(JWTDoor(user.username, PASSWORD).login())["token"]
    head, body, signature = token.split(".")
    if tamper == "signature":
        token = f"{head}.{body}.{signature[::-1]}"
    elif tamper == "alg-none":
        claims = jwt.decode(token, options={"verify_signature": False})
        header = {k: v for k, v in jwt.get_unverified_header(token).items() if k != "alg"}
        token = jwt.encode(claims, None, algorithm="none", headers=header)
    else:
        from workshop.serviceb import _lab_key

        private, jwk = _lab_key()
        claims = {**jwt.decode(token, options={"verify_signature": False}), "exp": 1000}
        token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": jwk["kid"], "typ": "at+jwt"})
    response = Client().get("/workshop/lab/token-lab/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert service_b(token).status_code == HTTPStatus.UNAUTHORIZED


def test_a_lab_copy_under_the_legacy_short_kid_still_verifies_on_both_sides(user, settings):
    from workshop.serviceb import _lab_key

    settings.JWT_ALGORITHM = "HS256"
    token = lab_copy(JWTDoor(user.username, PASSWORD).login())["token"]
    private, jwk = _lab_key()
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"] and len(jwk["kid"]) == 43
    legacy = jwt.encode(jwt.decode(token, options={"verify_signature": False}), private, algorithm="EdDSA",
                        headers={"kid": jwk["kid"][:22], "typ": "at+jwt"})
    response = Client().get("/workshop/lab/token-lab/profile/", HTTP_AUTHORIZATION=f"Bearer {legacy}")
    assert response.status_code == HTTPStatus.OK
    assert service_b(legacy).status_code == HTTPStatus.OK


def test_with_an_asymmetric_algorithm_service_b_takes_the_real_token_and_the_published_keys(user, settings,
                                                                                            tmp_path):
    use_key(settings, tmp_path, "EdDSA")
    assert published_jwks() == Client().get("/.well-known/jwks.json").json()
    door = JWTDoor(user.username, PASSWORD).login()
    copy = lab_copy(door)
    assert (copy["token"], copy["same_token"], copy["token_lab_url"]) == (door.access, True, "/jwt/api/profile/")
    assert service_b(door.access).status_code == HTTPStatus.OK


def test_the_lab_key_is_the_same_in_every_process_and_follows_the_secret_key(settings):
    from workshop.serviceb import _lab_key, _lab_private_key

    settings.JWT_ALGORITHM = "HS256"
    kid = _lab_key()[1]["kid"]
    assert _lab_private_key().private_bytes_raw() == _lab_private_key().private_bytes_raw()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert _lab_key()[1]["kid"] != kid


def test_service_b_answers_only_get_and_never_a_session(user):
    session = SessionDoor(user.username, PASSWORD).login()
    response = session.client.get("/workshop/service-b/whoami")
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "not_authenticated")
    assert Client().post("/workshop/service-b/whoami").status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- the twin origin (cross-origin step) ---------------------------------------------------------------------------

@pytest.mark.parametrize(("host", "origin", "path", "allowed"), [
    ("127.0.0.1:8000", "http://localhost:8000", "/jwt/api/profile/", True),
    ("localhost:8000", "http://127.0.0.1:8000", "/jwt/api/profile/", True),
    ("127.0.0.1:8000", "http://localhost:8000", "/session/api/profile/", False),
    ("127.0.0.1:8000", "http://localhost:9000", "/jwt/api/profile/", False),
    ("127.0.0.1:8000", "http://evil.example", "/jwt/api/profile/", False),
    ("127.0.0.1:8000", "https://localhost:8000", "/jwt/api/profile/", False),
])
def test_the_twin_origin_may_call_the_bearer_endpoints_only(user, host, origin, path, allowed):
    response = Client().options(path, HTTP_HOST=host, HTTP_ORIGIN=origin,
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                                HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization")
    assert (response.get("Access-Control-Allow-Origin") == origin) is allowed
    assert "Access-Control-Allow-Credentials" not in response


def test_the_other_origin_page_may_be_framed_by_its_twin_only():
    response = Client().get("/workshop/lab/other-origin/", HTTP_HOST="localhost:8000")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Security-Policy"] == "frame-ancestors http://127.0.0.1:8000"
    assert "X-Frame-Options" not in response
    elsewhere = Client().get("/workshop/lab/other-origin/", HTTP_HOST="testserver")
    assert elsewhere["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_moving_parts_count_both_doors_live(user):
    door = JWTDoor(user.username, PASSWORD).login()
    SessionDoor(user.username, PASSWORD).login()
    parts = door.client.get("/workshop/lab/moving-parts/", **door.auth_headers()).json()
    assert parts["session"]["stored_rows"] == 1 and parts["session"]["keys"] == 0
    assert "/session/login/" in parts["session"]["endpoint_list"]
    assert parts["jwt"]["stored_rows"] >= 2  # a login and its refresh token
    assert "/.well-known/jwks.json" in parts["jwt"]["endpoint_list"]
    assert len(parts["jwt"]["checks"]) > len(parts["session"]["checks"])


@pytest.mark.parametrize("algorithm", ["HS256", "EdDSA"])
def test_the_long_expiry_copy_is_the_callers_token_from_this_server_living_30_days(user, settings, tmp_path,
                                                                                   algorithm):
    if algorithm != "HS256":
        use_key(settings, tmp_path, algorithm)
    door = JWTDoor(user.username, PASSWORD).login()
    response = door.client.post("/workshop/lab/long-lived-token/", **door.auth_headers())
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store"
    copy = response.json()
    header, claims = jwt.get_unverified_header(copy["token"]), jwt.decode(copy["token"],
                                                                           options={"verify_signature": False})
    original = jwt.decode(door.access, options={"verify_signature": False})
    # This server's algorithm and issuer, the caller's own claims; only exp differs, and the key is not Token Lab's.
    assert (header["alg"], header["kid"], copy["algorithm"]) == (algorithm, "lab-careless-issuer", algorithm)
    assert (claims["iss"], copy["issuer"]) == (settings.JWT_ISSUER, settings.JWT_ISSUER)
    assert {k: v for k, v in claims.items() if k != "exp"} == {k: v for k, v in original.items() if k != "exp"}
    assert claims["exp"] - math.ceil(claims["iat"]) == 30 * 86400 == copy["lifetime_s"]
    assert copy["careless"] == {"accepted": True}
    assert copy["tokenlab_policy_s"] == settings.ACCESS_TOKEN_LIFETIME
    # It opens nothing: the JWT door refuses it.
    refused = door.client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {copy['token']}")
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    # The inspector flags its lifetime, and raises no algorithm warning: it is this server's algorithm.
    findings = Client().post("/workshop/api/inspect/", {"token": copy["token"]},
                             content_type="application/json").json()["findings"]
    titles = [finding["title"] for finding in findings]
    assert "Long-lived access token (30 days)" in titles
    assert not [title for title in titles if title.startswith("Algorithm")]


def test_the_long_expiry_copy_needs_a_live_access_token(user):
    assert Client().post("/workshop/lab/long-lived-token/").status_code == HTTPStatus.UNAUTHORIZED
    session = SessionDoor(user.username, PASSWORD).login()
    assert session.client.post("/workshop/lab/long-lived-token/",
                               **session.auth_headers(unsafe=True)).status_code == HTTPStatus.UNAUTHORIZED


def test_token_sizes_sign_the_callers_claims_four_ways(user):
    door = JWTDoor(user.username, PASSWORD).login()
    sizes = door.client.post("/workshop/lab/token-sizes/", **door.auth_headers()).json()
    by_alg = {row["algorithm"]: row for row in sizes["algorithms"]}
    assert set(by_alg) == {"HS256", "RS256", "ES256", "EdDSA"}
    assert by_alg["RS256"]["signature"] == math.ceil(256 * 4 / 3)
    assert by_alg["HS256"]["signature"] == math.ceil(32 * 4 / 3)
    assert sizes["current"]["bytes"] == len(door.access)
    assert by_alg["HS256"]["payload"] == len(door.access.split(".")[1])


def test_the_lab_page_lists_every_step_in_order():
    page = Client().get("/").content.decode()
    positions = [page.index(f'id="step-{step.slug}"') for step in STEPS]
    assert positions == sorted(positions) and len(STEPS) == 13
    assert 'id="lab-config"' in page


def test_a_server_can_be_given_one_more_pair_of_twin_names(user, settings):
    settings.LAB_TWIN_HOSTS = ["192.0.2.10", "tokenlab.lan"]
    response = Client().options("/jwt/api/profile/", HTTP_HOST="192.0.2.10:8000", HTTP_ORIGIN="http://tokenlab.lan:8000",
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert response["Access-Control-Allow-Origin"] == "http://tokenlab.lan:8000"
    page = Client().get("/", HTTP_HOST="tokenlab.lan:8000").content.decode()
    assert '"twinOrigin": "http://192.0.2.10:8000"' in page
    settings.LAB_TWIN_HOSTS = []
    assert '"twinOrigin": null' in Client().get("/", HTTP_HOST="tokenlab.lan:8000").content.decode()


def test_every_page_has_a_favicon():
    assert '<link rel="icon" href="/static/tokenlab/favicon.svg"' in Client().get("/").content.decode()
    response = Client().get("/favicon.ico", follow=True)
    assert response.redirect_chain[0] == ("/static/tokenlab/favicon.svg", HTTPStatus.MOVED_PERMANENTLY)


def test_redis_commands_are_counted_whichever_client_sends_them(user, settings, redis_required, monkeypatch):
    # Caches are per thread: the revocation store may hold another Redis instance than this request's cache.
    import redis

    from denylist import revocation

    door = JWTDoor(user.username, PASSWORD).login()
    door.get("profile/")
    backend = revocation.get_backend()
    monkeypatch.setattr(backend, "_client", redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1))
    m = measured(door.get("profile/", **MEASURE))
    assert m["redis_round_trips"] >= 1 and m["commands"]
