"""Token policy at its edges: asymmetric servers, time claims at their bounds, malleable re-encodings, type confusion.

Time is frozen through `jwt_demo.tokens.TokenCodec.clock`, the codec's only clock (RFC 7519 §4.1.4-4.1.6 checks
and `JWT_LEEWAY` are applied against it).
"""

import json
import time
from http import HTTPStatus

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from denylist import revocation
from jwt_demo import keys
from jwt_demo.tokens import ACCESS, REFRESH, TokenCodec, codec, new_id
from tests.support.attacks import assert_refused, shared_client, state
from tests.support.forgery import CORPUS, forge_all, genuine_parts, high_s_twin, json_segment, reencodings, sign

pytestmark = pytest.mark.django_db

FORGED_NAMES = [case["name"] for case in CORPUS["forged_tokens"]] + [case["name"] for case in CORPUS["spliced_tokens"]]
_KEY_MAKERS = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}


@pytest.fixture(scope="session")
def pem_keys(tmp_path_factory) -> dict[str, str]:
    """One PEM private key file per asymmetric algorithm, made for this test run."""
    folder = tmp_path_factory.mktemp("keys")
    paths = {}
    for algorithm, make in _KEY_MAKERS.items():
        path = folder / f"{algorithm}.pem"
        path.write_bytes(make().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        paths[algorithm] = str(path)
    return paths


_RINGS: dict[str, keys.KeyRing] = {}


def use_algorithm(settings, pem_keys, algorithm: str) -> None:
    """Switch the server to `algorithm` with its test key. The key ring is built once per run: loading an RSA
    PEM checks the key and costs more than the test; the settings fixture's reset drops it again afterwards."""
    settings.JWT_ALGORITHM = algorithm
    settings.JWT_SIGNING_KEY = pem_keys[algorithm]
    settings.JWT_VERIFYING_KEYS = []
    if algorithm not in _RINGS:
        _RINGS[algorithm] = keys.KeyRing(algorithm, pem_keys[algorithm], [])
    keys._ring = _RINGS[algorithm]


def request(method: str, path: str, *, body=None, bearer: str | None = None, cookies: dict | None = None):
    client = shared_client()
    client.cookies.clear()
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    meta = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    if cookies and "csrftoken" in cookies:
        meta["HTTP_X_CSRFTOKEN"] = cookies["csrftoken"]
    return client.generic(method, path, json.dumps(body) if body is not None else b"",
                          content_type="application/json", **meta)


def login(user) -> dict:
    from tests.support.suite import PASSWORD

    response = request("POST", "/jwt/token/", body={"username": user.username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


# Every forgery against RS256; the signature and algorithm families against ES256 and EdDSA too (claims and header
# rules do not depend on the algorithm, and the CI budget is finite).
_SIGNATURE_CASES = tuple(n for n in FORGED_NAMES if n.startswith(("alg-", "signature-", "confusion-", "foreign-",
                                                                   "embedded-", "splice-", "tamper-", "kid-")))
ASYMMETRIC_CASES = [("RS256", n) for n in FORGED_NAMES] + [(a, n) for a in ("ES256", "EdDSA") for n in _SIGNATURE_CASES]


@pytest.mark.parametrize(("algorithm", "name"), ASYMMETRIC_CASES)
def test_forged_tokens_are_refused_by_an_asymmetric_server(settings, pem_keys, foreign, user, other_user,
                                                            algorithm, name):
    """The same forgeries against RS256, ES256 and EdDSA servers; HS256-with-the-public-key is the classic."""
    use_algorithm(settings, pem_keys, algorithm)
    victim, other = login(user), login(other_user)
    forged = {f.name: f.token for f in forge_all(
        now=int(time.time()), victim=user.pk, other=other_user.pk, foreign=foreign,
        victim_tokens={ACCESS: victim["access"], REFRESH: victim["refresh"]},
        other_tokens={ACCESS: other["access"], REFRESH: other["refresh"]}, only=name)}
    token = forged[name]
    secrets = [victim["access"], victim["refresh"], token]
    before = state()
    for method, path, body, bearer in (("GET", "/jwt/api/profile/", None, token),
                                       ("POST", "/jwt/token/refresh/", {"refresh": token}, None),
                                       ("POST", "/jwt/token/verify/", {"token": token}, None),
                                       ("POST", "/jwt/hybrid/refresh/", None, None)):
        cookies = {"tokenlab_refresh": token, "csrftoken": "c" * 32} if "hybrid" in path else None
        response = request(method, path, body=body, bearer=bearer, cookies=cookies)
        assert_refused(response, allowed={HTTPStatus.UNAUTHORIZED, HTTPStatus.BAD_REQUEST}, secrets=secrets,
                       where=f"{algorithm} {path}")
    assert state() == before


def test_hs256_signed_with_the_rs256_public_key_is_refused(settings, pem_keys, foreign, user):
    """RFC 8725 §2.1: the server, not the token, picks the algorithm; the public PEM is not an HMAC key."""
    use_algorithm(settings, pem_keys, "RS256")
    header, payload = genuine_parts(token_type=ACCESS, user_id=user.pk, now=int(time.time()), family=new_id(),
                                    jti=new_id())
    signing_input = f"{json_segment({**header, 'alg': 'HS256'})}.{json_segment(payload)}"
    token = f"{signing_input}.{sign(signing_input, 'public-key-hmac', foreign)}"
    response = request("GET", "/jwt/api/profile/", bearer=token)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token algorithm is not allowed; this server accepts RS256 only.",
                               "code": "token_not_valid"}


# --- time claims at their bounds ------------------------------------------------------------------------------------
T0 = 1_900_000_000  # a fixed instant (2030): the tests never depend on the wall clock


@pytest.fixture
def frozen(monkeypatch):
    """Set the codec's clock: `frozen(t)` makes it read `t`."""
    def freeze(at: float) -> None:
        monkeypatch.setattr(TokenCodec, "clock", staticmethod(lambda: at))

    freeze(T0)
    return freeze


def signed(user, foreign, *, token_type=ACCESS, **claims) -> str:
    header, payload = genuine_parts(token_type=token_type, user_id=user.pk, now=T0, family=new_id(), jti=new_id())
    payload = {**payload, **claims}
    signing_input = f"{json_segment(header)}.{json_segment(payload)}"
    return f"{signing_input}.{sign(signing_input, 'key', foreign)}"


def profile_status(token: str) -> tuple[int, str | None]:
    response = request("GET", "/jwt/api/profile/", bearer=token)
    return response.status_code, response.json().get("code")


def test_exp_bound(user, foreign, frozen, settings):
    token = signed(user, foreign)  # exp = T0 + ACCESS_TOKEN_LIFETIME
    exp = T0 + settings.ACCESS_TOKEN_LIFETIME
    frozen(exp - 0.001)
    assert profile_status(token) == (HTTPStatus.OK, None)
    frozen(exp)  # RFC 7519 §4.1.4: the current time MUST be before exp
    assert profile_status(token) == (HTTPStatus.UNAUTHORIZED, "token_expired")
    settings.JWT_LEEWAY = 30
    frozen(exp + 29.999)
    assert profile_status(token) == (HTTPStatus.OK, None)
    frozen(exp + 30)
    assert profile_status(token) == (HTTPStatus.UNAUTHORIZED, "token_expired")


def test_nbf_bound(user, foreign, frozen, settings):
    token = signed(user, foreign, nbf=T0 + 10)
    frozen(T0 + 9.999)
    assert profile_status(token) == (HTTPStatus.UNAUTHORIZED, "token_not_yet_valid")
    frozen(T0 + 10)  # §4.1.5: on or after nbf
    assert profile_status(token) == (HTTPStatus.OK, None)
    settings.JWT_LEEWAY = 5
    frozen(T0 + 5)
    assert profile_status(token) == (HTTPStatus.OK, None)
    frozen(T0 + 4.999)
    assert profile_status(token) == (HTTPStatus.UNAUTHORIZED, "token_not_yet_valid")


def test_iat_in_the_future_is_refused_beyond_the_leeway(user, foreign, frozen, settings):
    token = signed(user, foreign, iat=T0 + 5, exp=T0 + 600)
    frozen(T0 + 4.999)
    assert profile_status(token) == (HTTPStatus.UNAUTHORIZED, "token_not_yet_valid")
    frozen(T0 + 5)
    assert profile_status(token) == (HTTPStatus.OK, None)
    settings.JWT_LEEWAY = 10
    frozen(T0 - 5)
    assert profile_status(token) == (HTTPStatus.OK, None)


def test_lifetime_longer_than_the_server_issues_is_refused(user, foreign, frozen, settings):
    lifetime = settings.ACCESS_TOKEN_LIFETIME
    assert profile_status(signed(user, foreign, exp=T0 + lifetime)) == (HTTPStatus.OK, None)
    assert profile_status(signed(user, foreign, exp=T0 + lifetime + 1)) == (HTTPStatus.UNAUTHORIZED,
                                                                            "token_not_valid")
    refresh = signed(user, foreign, token_type=REFRESH, exp=T0 + settings.REFRESH_TOKEN_LIFETIME + 1)
    response = request("POST", "/jwt/token/verify/", body={"token": refresh})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token lifetime exceeds what this server issues.", "code": "token_not_valid"}


def test_refresh_at_its_expiry_is_refused_and_rotates_nothing(user, frozen, settings, monkeypatch):
    # The password check's clock too (the login instant, accounts.admission): a login that began years before
    # its tokens were minted would be refused as older than the absolute lifetime.
    monkeypatch.setattr(revocation, "now_ms", lambda: T0 * 1000)
    tokens = login(user)
    claims = codec.decode(tokens["refresh"], token_types=(REFRESH,))
    frozen(claims.expires_at)
    before = state()
    response = request("POST", "/jwt/token/refresh/", body={"refresh": tokens["refresh"]})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_expired"
    assert state() == before
    frozen(claims.expires_at - 1)
    assert request("POST", "/jwt/token/refresh/", body={"refresh": tokens["refresh"]}).status_code == HTTPStatus.OK


# --- malleability: revocation is keyed by claims, never by the token string ----------------------------------------
def test_after_logout_no_reencoding_of_the_token_works(user):
    tokens = login(user)
    assert request("POST", "/jwt/logout/", bearer=tokens["access"], body={"refresh": tokens["refresh"]}
                   ).status_code == HTTPStatus.NO_CONTENT
    assert profile_status(tokens["access"]) == (HTTPStatus.UNAUTHORIZED, "token_revoked")
    for kind in ("access", "refresh"):
        for name, variant in [("original", tokens[kind]), *reencodings(tokens[kind])]:
            for method, path, body, bearer in (("GET", "/jwt/api/profile/", None, variant),
                                               ("POST", "/jwt/token/refresh/", {"refresh": variant}, None),
                                               ("POST", "/jwt/token/verify/", {"token": variant}, None)):
                response = request(method, path, body=body, bearer=bearer)
                assert response.status_code == HTTPStatus.UNAUTHORIZED, (kind, name, path)


def test_es256_signature_twin_is_refused_after_logout_and_counts_as_reuse(settings, pem_keys, user):
    """ECDSA signatures are malleable: (r, n - s) verifies too. Revocation by `jti` catches the twin."""
    use_algorithm(settings, pem_keys, "ES256")
    tokens = login(user)
    twin = high_s_twin(tokens["access"])
    assert twin != tokens["access"]
    assert profile_status(twin) == (HTTPStatus.OK, None)  # same claims, other spelling: the same credential
    assert request("POST", "/jwt/token/refresh/", body={"refresh": tokens["refresh"]}).status_code == HTTPStatus.OK
    replay = request("POST", "/jwt/token/refresh/", body={"refresh": high_s_twin(tokens["refresh"])})
    assert replay.status_code == HTTPStatus.UNAUTHORIZED
    assert replay.json()["code"] == "token_reused"
    assert profile_status(twin) == (HTTPStatus.UNAUTHORIZED, "token_revoked")


# --- token-type confusion with genuine tokens ------------------------------------------------------------------------
def test_refresh_token_is_not_an_access_token_and_back(user):
    tokens = login(user)
    before = state()
    assert profile_status(tokens["refresh"]) == (HTTPStatus.UNAUTHORIZED, "token_not_valid")
    response = request("GET", "/session/api/profile/", bearer=tokens["refresh"])
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    response = request("POST", "/jwt/token/refresh/", body={"refresh": tokens["access"]})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token has the wrong type for this endpoint.", "code": "token_not_valid"}
    response = request("POST", "/jwt/logout/", bearer=tokens["refresh"])
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert state() == before
    assert profile_status(tokens["access"]) == (HTTPStatus.OK, None)
