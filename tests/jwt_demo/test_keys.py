"""Signing keys: the JWKS document, rotation through JWT_VERIFYING_KEYS, and keys refused at startup."""

import json
from http import HTTPStatus

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured

from jwt_demo.keys import keyring
from jwt_demo.tokens import ACCESS, codec
from tests.support.keyfiles import pem_write, use_key

pytestmark = pytest.mark.django_db

ASYMMETRIC = ["RS256", "ES256", "EdDSA"]
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


def access_for(user) -> str:
    token, _ = codec.encode(token_type=ACCESS, user_id=user.pk, family="f" * 32, lifetime=300)
    return token


def profile(client, token: str):
    return client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_jwks_is_empty_with_hs256(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"keys": []}
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_jwks_publishes_the_public_key_that_verifies_tokens(client, settings, tmp_path, user, algorithm):
    use_key(settings, tmp_path, algorithm)
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == HTTPStatus.OK
    (jwk,) = response.json()["keys"]
    assert jwk["alg"] == algorithm and jwk["use"] == "sig"
    assert jwk["kty"] == {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}[algorithm]
    assert not PRIVATE_MEMBERS & set(jwk), "the JWKS must never carry private key material"
    token = access_for(user)
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "kid": jwk["kid"], "typ": "at+jwt"}
    # Anyone holding only the published JWK can verify the token: the microservice claim.
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[algorithm], audience=settings.JWT_AUDIENCE)
    assert claims["sub"] == str(user.pk)
    assert profile(client, token).status_code == HTTPStatus.OK


@pytest.mark.parametrize("path", ["/.well-known/jwks.json/x", "/.well-known/jwks.json/", "/.well-known/jwks",
                                  "/.well-known/jwks.json%00", "/.well-known/../.well-known/jwks.json/x",
                                  "/.well-known/JWKS.JSON"])
def test_jwks_odd_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("query", ["?x=1", "?kid=../../etc/passwd", "?jku=http://127.0.0.1:1/", "?" + "a" * 3000])
def test_jwks_ignores_query_strings(client, settings, tmp_path, query):
    use_key(settings, tmp_path, "ES256")
    expected = keyring().jwks()
    response = client.get("/.well-known/jwks.json" + query)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == json.loads(json.dumps(expected))


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_jwks_is_read_only(client, method):
    response = getattr(client, method)("/.well-known/jwks.json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("algorithm", ["HS256", *ASYMMETRIC])
def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_dropped(client, settings, tmp_path, user, algorithm):
    if algorithm == "HS256":
        old = settings.JWT_SIGNING_KEY
        old_token = access_for(user)
        settings.JWT_SIGNING_KEY = "rotated-hmac-key-" + "z" * 40
        settings.JWT_VERIFYING_KEYS = [old]
    else:
        old = str(use_key(settings, tmp_path, algorithm, "old"))
        old_token = access_for(user)
        use_key(settings, tmp_path, algorithm, "new", verifying=[old])
    new_token = access_for(user)
    old_kid, new_kid = (jwt.get_unverified_header(t)["kid"] for t in (old_token, new_token))
    assert old_kid != new_kid
    assert profile(client, old_token).status_code == HTTPStatus.OK
    assert profile(client, new_token).status_code == HTTPStatus.OK
    published = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    assert published == ([] if algorithm == "HS256" else [new_kid, old_kid])

    settings.JWT_VERIFYING_KEYS = []
    response = profile(client, old_token)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Token was signed with an unknown key.", "code": "token_not_valid"}
    assert profile(client, new_token).status_code == HTTPStatus.OK


def test_verifying_key_may_be_a_public_pem(client, settings, tmp_path, user):
    old_private = use_key(settings, tmp_path, "RS256", "old")
    old_token = access_for(user)
    public = tmp_path / "old-public.pem"
    public.write_bytes(serialization.load_pem_private_key(old_private.read_bytes(), None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    use_key(settings, tmp_path, "RS256", "new", verifying=[str(public)])
    assert profile(client, old_token).status_code == HTTPStatus.OK


def _pem(tmp_path, private_key, name="key.pem"):
    path = tmp_path / name
    path.write_bytes(private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return str(path)


@pytest.mark.parametrize("case", ["short-hmac", "pem-as-hmac", "rsa-1024", "wrong-curve", "wrong-type", "missing",
                                  "encrypted", "public-as-signing", "garbage", "short-verifying-hmac"])
def test_weak_or_wrong_keys_stop_the_process(settings, tmp_path, case):
    rsa_pem = str(pem_write(tmp_path, "RS256"))
    if case == "short-hmac":
        settings.JWT_SIGNING_KEY = "too-short"
    elif case == "short-verifying-hmac":
        settings.JWT_VERIFYING_KEYS = ["short"]
    elif case == "pem-as-hmac":
        settings.JWT_SIGNING_KEY = (tmp_path / "rs256.pem").read_text()
    else:
        settings.JWT_ALGORITHM = "ES256" if case in {"wrong-curve", "wrong-type"} else "RS256"
        settings.JWT_SIGNING_KEY = {
            "rsa-1024": lambda: _pem(tmp_path, rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            "wrong-curve": lambda: _pem(tmp_path, ec.generate_private_key(ec.SECP384R1())),
            "wrong-type": lambda: rsa_pem,
            "missing": lambda: str(tmp_path / "nope.pem"),
            "encrypted": lambda: _encrypted(tmp_path),
            "public-as-signing": lambda: _public(tmp_path, rsa_pem),
            "garbage": lambda: _garbage(tmp_path),
        }[case]()
    with pytest.raises(ImproperlyConfigured):
        keyring()


def _encrypted(tmp_path):
    key = serialization.load_pem_private_key((tmp_path / "rs256.pem").read_bytes(), None)
    path = tmp_path / "encrypted.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(b"secret")))
    return str(path)


def _public(tmp_path, private_path):
    key = serialization.load_pem_private_key((tmp_path / "rs256.pem").read_bytes(), None)
    path = tmp_path / "public.pem"
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return str(path)


def _garbage(tmp_path):
    path = tmp_path / "garbage.pem"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\n\xff\x00not base64\n-----END PRIVATE KEY-----\n")
    return str(path)
