"""Hostile key selection: unknown kid, jku/x5u/jwk/x5c headers and HS/RS confusion are 401, and nothing is fetched.

Each hostile token is signed with a key the attack would need accepted (the server's own key where possible), so
that what stops it is the header rule, not a broken signature. A loopback canary stands where a fetched key set
would live: it must see no connection at all.
"""

import base64
import hashlib
import hmac
import json
from http import HTTPStatus

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from jwt.algorithms import ECAlgorithm

from jwt_demo.keys import keyring
from jwt_demo.tokens import ACCESS, codec
from tests.support.canary import Canary
from tests.support.keyfiles import use_key

pytestmark = pytest.mark.django_db
REFUSED_HEADER = "Token header carries a parameter this server refuses ("


@pytest.fixture
def canary():
    with Canary() as listener:
        yield listener


@pytest.fixture
def rs256(settings, tmp_path):
    use_key(settings, tmp_path, "RS256")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def genuine_payload(user) -> dict:
    _, claims = codec.encode(token_type=ACCESS, user_id=user.pk, family="a" * 32, lifetime=300)
    return claims.raw


def signed(payload: dict, **header) -> str:
    """Sign with the server's real current key, adding `header` members."""
    key = keyring().current
    return jwt.encode(payload, key.signing, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "at+jwt",
                                                                              **header})


def raw_signed(header: dict, payload: dict) -> str:
    """Sign with the server's RS256 key whatever the header says (PyJWT refuses to write some of these headers)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = keyring().current.signing.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def refused(client, token: str) -> list[dict]:
    """Present `token` to the API and to /jwt/token/verify/; return both error bodies after checking 401."""
    bodies = []
    api = client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")
    verify = client.post("/jwt/token/verify/", {"token": token}, content_type="application/json")
    for response in (api, verify):
        assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
        assert response["WWW-Authenticate"].startswith('Bearer realm="token-lab"')
        bodies.append(response.json())
    assert bodies[0] == bodies[1]
    assert token not in json.dumps(bodies)
    return bodies[0]


@pytest.mark.parametrize("algorithm", ["HS256", "RS256"])
def test_unknown_kid_is_401_and_nothing_is_fetched(client, settings, tmp_path, user, canary, algorithm):
    if algorithm == "RS256":
        use_key(settings, tmp_path, algorithm)
    for kid in ("nope", "", "../../jwks.json", canary.url, "x" * 300):
        assert refused(client, signed(genuine_payload(user), kid=kid)) == {
            "detail": "Token was signed with an unknown key.", "code": "token_not_valid"}
    assert canary.connections() == 0


@pytest.mark.parametrize("kid", [1, None, ["a"], {"k": 1}, True])
def test_non_string_kid_is_401(client, rs256, user, kid):
    token = raw_signed({"alg": "RS256", "typ": "at+jwt", "kid": kid}, genuine_payload(user))
    assert refused(client, token) == {"detail": "Token was signed with an unknown key.", "code": "token_not_valid"}


@pytest.mark.parametrize("member", ["jku", "x5u"])
def test_key_url_headers_are_refused_without_fetching(client, rs256, user, canary, member):
    body = refused(client, signed(genuine_payload(user), **{member: canary.url}))
    assert body["code"] == "token_not_valid"
    assert body["detail"].startswith(REFUSED_HEADER) and member in body["detail"]
    assert canary.connections() == 0


def test_embedded_jwk_of_the_attacker_is_refused(client, settings, tmp_path, user):
    use_key(settings, tmp_path, "ES256")  # P-256 keys are small enough for the header size limit
    attacker = ec.generate_private_key(ec.SECP256R1())
    attacker_jwk = json.loads(ECAlgorithm.to_jwk(attacker.public_key()))
    token = jwt.encode(genuine_payload(user), attacker, algorithm="ES256",
                       headers={"kid": keyring().current.kid, "typ": "at+jwt", "jwk": attacker_jwk})
    body = refused(client, token)
    assert body["code"] == "token_not_valid" and body["detail"].startswith(REFUSED_HEADER)
    # Without the jwk header the attacker's signature simply fails against the server's key.
    plain = jwt.encode(genuine_payload(user), attacker, algorithm="ES256",
                       headers={"kid": keyring().current.kid, "typ": "at+jwt"})
    assert refused(client, plain) == {"detail": "Token is invalid.", "code": "token_not_valid"}


def test_x5c_header_is_refused(client, rs256, user):
    body = refused(client, signed(genuine_payload(user), x5c=["MIIB"]))
    assert body["code"] == "token_not_valid" and body["detail"].startswith(REFUSED_HEADER)


@pytest.mark.parametrize("form", ["pem", "der-b64", "jwk-json"])
def test_hs256_signed_with_the_public_key_is_refused_under_rs256(client, rs256, user, form):
    """Algorithm confusion (RFC 8725 §2.1): the attacker HMACs with the public key every verifier can download."""
    public = keyring().current.verifying
    secret = {
        "pem": lambda: public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "der-b64": lambda: base64.b64encode(public.public_bytes(serialization.Encoding.DER,
                                                                serialization.PublicFormat.SubjectPublicKeyInfo)),
        "jwk-json": lambda: json.dumps(client.get("/.well-known/jwks.json").json()["keys"][0]).encode(),
    }[form]()
    header = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": keyring().current.kid}).encode())
    payload = b64(json.dumps(genuine_payload(user)).encode())
    signature = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert refused(client, f"{header}.{payload}.{signature}") == {
        "detail": "Token algorithm is not allowed; this server accepts RS256 only.", "code": "token_not_valid"}


def test_genuine_rs256_token_is_accepted(client, rs256, user):
    """The control for the cases above: the same payload, signed as the server signs, works."""
    response = client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {signed(genuine_payload(user))}")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["id"] == user.pk


def test_canary_counts_a_connection(canary):
    """The control for the canary itself: a connection made is a connection counted."""
    import socket

    socket.create_connection(("127.0.0.1", canary.port), timeout=1).close()
    assert canary.connections() == 1
