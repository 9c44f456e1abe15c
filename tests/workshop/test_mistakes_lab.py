"""The mistakes lab: the naive verifier falls for each attack, the pinned verifier and Token Lab do not."""

from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


def run(client, name):
    response = client.post(f"/workshop/api/mistakes/{name}/")
    assert response.status_code == HTTPStatus.OK
    return response.json()


@pytest.mark.parametrize("name", ["alg-none", "hs-rs-confusion"])
def test_forgeries_fool_only_the_naive_verifier(client, name):
    result = run(client, name)
    assert result["naive"]["accepted"] is True
    assert result["naive"]["claims"]["role"] == "admin"
    assert result["pinned"]["accepted"] is False
    assert result["tokenlab"] == {"accepted": False,
                                  "error": "Token algorithm is not allowed; this server accepts HS256 only."}


def test_forgeries_refused_by_token_lab_under_rs256_too(client, settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = tmp_path / "key.pem"
    pem.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    settings.JWT_ALGORITHM = "RS256"
    settings.JWT_SIGNING_KEY = str(pem)
    for name in ("alg-none", "hs-rs-confusion"):
        assert run(client, name)["tokenlab"]["accepted"] is False


def test_long_expiry_and_sensitive_payload_are_accepted_by_every_stateless_verifier(client):
    for name in ("long-expiry", "sensitive-payload"):
        result = run(client, name)
        assert result["naive"]["accepted"] is True and result["pinned"]["accepted"] is True
        assert result["tokenlab"] is None
    assert run(client, "sensitive-payload")["pinned"]["claims"]["ssn"] == "078-05-1120"


@pytest.mark.parametrize("name", ["nope", "ALG-NONE", "a" * 300])
def test_unknown_scenario_is_json_404(client, name):
    response = client.post(f"/workshop/api/mistakes/{name}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_mistakes_page_sets_httponly_lab_cookie(client):
    response = client.get("/workshop/mistakes/")
    assert response.status_code == HTTPStatus.OK
    cookie = response.cookies["lab_refresh"]
    assert cookie["httponly"] is True and cookie["path"] == "/workshop/"
