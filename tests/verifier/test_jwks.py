"""Service B's key set: vetted when loaded, read from a file or fetched exactly once from a URL."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from jwt_demo.keys import keyring
from jwt_demo.tokens import ACCESS, codec
from tests.support.keyfiles import use_key
from tests.support.verifier_servers import jwks_server
from verifier.jwks import MAX_JWKS_BYTES, JWKSError, jwks_fetch, jwks_read, keys_select
from verifier.verify import verifier_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(settings, tmp_path) -> dict:
    use_key(settings, tmp_path, "RS256")
    return json.loads(json.dumps(keyring().jwks()))


def test_keys_are_selected_by_kid(published):
    keys = keys_select(published, algorithm="RS256")
    assert list(keys) == [published["keys"][0]["kid"]]


def test_a_set_with_private_key_material_is_refused(published):
    private = json.loads(RSAAlgorithm.to_jwk(keyring().current.signing))
    with pytest.raises(JWKSError, match="private key material"):
        keys_select({"keys": [{**private, "kid": "leaked"}]}, algorithm="RS256")


def test_hs256_cannot_be_verified_from_public_keys(client):
    assert client.get("/.well-known/jwks.json").json() == {"keys": []}
    with pytest.raises(JWKSError, match="shared-secret"):
        keys_select({"keys": []}, algorithm="HS256")
    with pytest.raises(JWKSError, match="no usable RS256"):
        keys_select({"keys": []}, algorithm="RS256")


def test_unusable_keys_are_skipped(published):
    good = published["keys"][0]
    weak = json.loads(RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=1024)
                                          .public_key()))
    document = {"keys": [
        "not a key", {**good, "kid": 5}, {**good, "kid": ""}, {**good, "kid": "enc", "use": "enc"},
        {**good, "kid": "ps", "alg": "PS256"}, {**good, "kid": "ec", "kty": "EC"}, {**good, "kid": "broken", "n": "!"},
        {**weak, "kid": "weak"}, good, {**good, "n": weak["n"]},  # a second entry under a kid already taken
    ]}
    keys = keys_select(document, algorithm="RS256")
    assert list(keys) == [good["kid"]]
    assert keys[good["kid"]].public_numbers().n == keyring().current.verifying.public_numbers().n


@pytest.mark.parametrize(("content", "message"), [
    (b"not json", "not JSON"), (b"[]", "not a JWK Set"), (b'{"keys": {}}', "not a JWK Set"),
    (b"[" * 100_000, "not JSON"), (b" " * (MAX_JWKS_BYTES + 1), "larger than"),
])
def test_bad_files_are_refused(tmp_path, content, message):
    path = tmp_path / "jwks.json"
    path.write_bytes(content)
    with pytest.raises(JWKSError, match=message):
        jwks_read(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(JWKSError, match="cannot read"):
        jwks_read(tmp_path / "absent.json")


def test_fetched_once_then_never_again(published, settings, user):
    with jwks_server(published) as auth_server:
        service_b = verifier_build(document=jwks_fetch(auth_server.url), algorithm="RS256",
                                   issuer=settings.JWT_ISSUER, audience=settings.JWT_AUDIENCE)
        for _ in range(5):
            token, _ = codec.encode(token_type=ACCESS, user_id=user.pk, family="d" * 32, lifetime=60)
            assert service_b.verify(token)["sub"] == str(user.pk)
        assert auth_server.hits == 1
    # The auth server is gone altogether: service B keeps verifying on its own.
    token, _ = codec.encode(token_type=ACCESS, user_id=user.pk, family="d" * 32, lifetime=60)
    assert service_b.verify(token)["sub"] == str(user.pk)


@pytest.mark.parametrize(("status", "body", "message"), [
    (404, b"{}", "HTTP 404"), (500, b"{}", "HTTP 500"), (200, b"<html>", "not JSON"),
    (200, b" " * (MAX_JWKS_BYTES + 10), "larger than"),
])
def test_bad_fetches_are_refused(published, status, body, message):
    with jwks_server(published) as auth_server:
        auth_server.status, auth_server.body = status, body
        with pytest.raises(JWKSError, match=message):
            jwks_fetch(auth_server.url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/jwks.json", "jwks.json", ""])
def test_only_http_urls_are_fetched(url):
    with pytest.raises(JWKSError, match="must be http"):
        jwks_fetch(url)


def test_unreachable_url_is_refused():
    from tests.support.canary import Canary

    with Canary() as canary:
        port = canary.port
    with pytest.raises(JWKSError, match="failed"):
        jwks_fetch(f"http://127.0.0.1:{port}/jwks.json", timeout=2)
