"""Service B's Verifier: accepts Token Lab's access tokens with public keys only, refuses everything else."""

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from jwt_demo.keys import keyring
from jwt_demo.tokens import ACCESS, REFRESH, codec
from tests.support.canary import Canary
from tests.support.keyfiles import use_key
from verifier.verify import VerificationError, verifier_build

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["RS256", "ES256", "EdDSA"])
def algorithm(request, settings, tmp_path):
    use_key(settings, tmp_path, request.param)
    return request.param


@pytest.fixture
def service_b(client, algorithm, settings):
    """A verifier built from the JWKS exactly as published by the auth server."""
    document = client.get("/.well-known/jwks.json").json()
    return verifier_build(document=document, algorithm=algorithm, issuer=settings.JWT_ISSUER,
                          audience=settings.JWT_AUDIENCE)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint(user_id=7, **kwargs) -> str:
    kwargs.setdefault("lifetime", 300)
    return codec.encode(token_type=kwargs.pop("token_type", ACCESS), user_id=user_id, family="c" * 32, **kwargs)[0]


def refusal(service_b, token) -> tuple[str, str]:
    with pytest.raises(VerificationError) as refused:
        service_b.verify(token)
    return refused.value.detail, refused.value.code


def test_valid_token_is_accepted_without_any_query(service_b, django_assert_num_queries):
    token = mint(user_id=42, extra={"scope": "notes"})
    with django_assert_num_queries(0):
        claims = service_b.verify(token)
    assert claims["sub"] == "42" and claims["token_type"] == "access" and claims["scope"] == "notes"
    assert claims == jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize("part", [0, 1, 2])
def test_tampered_token_is_refused(service_b, part):
    segments = mint().split(".")
    if part == 1:  # promote ourselves: change the payload, keep the signature
        payload = json.loads(base64.urlsafe_b64decode(segments[1] + "=" * (-len(segments[1]) % 4)))
        segments[1] = b64(json.dumps({**payload, "sub": "1"}).encode())
    elif part == 2:
        raw = bytearray(base64.urlsafe_b64decode(segments[2] + "=" * (-len(segments[2]) % 4)))
        raw[len(raw) // 2] ^= 0x01
        segments[2] = b64(bytes(raw))
    else:
        header = json.loads(base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4)))
        segments[0] = b64(json.dumps({**header, "extra": 1}).encode())
    assert refusal(service_b, ".".join(segments)) == ("Token is invalid.", "token_not_valid")


def test_expired_token_is_refused(service_b):
    assert refusal(service_b, mint(expires_at=int(codec.clock()) - 5)) == ("Token is expired.", "token_expired")


def test_refresh_token_is_not_an_access_token(service_b):
    assert refusal(service_b, mint(token_type=REFRESH)) == ("Token is not an access token.", "token_not_valid")


@pytest.mark.parametrize(("setting", "value"), [("JWT_ISSUER", "someone-else"), ("JWT_AUDIENCE", "another-api")])
def test_wrong_issuer_or_audience_is_refused(service_b, settings, setting, value):
    setattr(settings, setting, value)
    assert refusal(service_b, mint()) == ("Token is invalid.", "token_not_valid")


def test_token_signed_by_a_key_it_does_not_hold_is_refused(service_b, settings, tmp_path, algorithm):
    use_key(settings, tmp_path, algorithm, "rotated-later")
    assert refusal(service_b, mint()) == ("Token was signed with an unknown key.", "token_not_valid")


def test_key_url_headers_are_refused_and_nothing_is_fetched(service_b):
    key = keyring().current
    payload = jwt.decode(mint(), options={"verify_signature": False})
    with Canary() as canary:
        for member in ("jku", "x5u"):
            token = jwt.encode(payload, key.signing, algorithm=key.algorithm,
                               headers={"kid": key.kid, "typ": "at+jwt", member: canary.url})
            assert refusal(service_b, token)[0].startswith("Token header names a key source this service refuses")
        assert canary.connections() == 0


def test_embedded_attacker_jwk_is_refused(settings, tmp_path, client):
    use_key(settings, tmp_path, "ES256")
    service_b = verifier_build(document=client.get("/.well-known/jwks.json").json(), algorithm="ES256",
                               issuer=settings.JWT_ISSUER, audience=settings.JWT_AUDIENCE)
    attacker = ec.generate_private_key(ec.SECP256R1())
    payload = jwt.decode(mint(), options={"verify_signature": False})
    token = jwt.encode(payload, attacker, algorithm="ES256", headers={
        "kid": keyring().current.kid, "typ": "at+jwt",
        "jwk": json.loads(jwt.algorithms.ECAlgorithm.to_jwk(attacker.public_key()))})
    assert refusal(service_b, token)[0].startswith("Token header names a key source")


def test_hs256_signed_with_the_public_key_is_refused(service_b, algorithm):
    public_pem = keyring().current.verifying.public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    payload = jwt.decode(mint(), options={"verify_signature": False})
    header = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": keyring().current.kid}).encode())
    body = b64(json.dumps(payload).encode())
    forged = f"{header}.{body}.{b64(hmac.new(public_pem, f'{header}.{body}'.encode(), hashlib.sha256).digest())}"
    assert refusal(service_b, forged) == (f"Token algorithm is not allowed; this service accepts {algorithm} only.",
                                          "token_not_valid")


def test_alg_none_is_refused(service_b):
    payload = jwt.decode(mint(), options={"verify_signature": False})
    token = f"{b64(json.dumps({'alg': 'none', 'typ': 'at+jwt', 'kid': keyring().current.kid}).encode())}." \
            f"{b64(json.dumps(payload).encode())}."
    assert refusal(service_b, token)[1] == "token_not_valid"


@pytest.mark.parametrize("token", [None, 42, "", "abc", "a.b", "a.b.c.d", "x" * 5000, "é.é.é", "...",
                                   b64(b"[]") + ".e30.", b64(b"[" * 5000) + ".e30.", "e30.e30.e30",
                                   b64(b'{"alg":"RS256","typ":"at+jwt","kid":7}') + ".e30.AA"])
def test_garbage_is_refused_cleanly(service_b, token):
    detail, code = refusal(service_b, token)
    assert code == "token_not_valid" and detail.startswith("Token")
