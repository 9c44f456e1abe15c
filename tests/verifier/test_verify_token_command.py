"""`manage.py verify_token <token> --jwks FILE`: service B's verdict from the command line."""

import io
import json
from http import HTTPStatus

import pytest
from django.core.management import CommandError, call_command

from tests.support.keyfiles import use_key
from tests.support.suite import PASSWORD
from tests.support.verifier_servers import jwks_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def jwks_file(client, settings, tmp_path):
    use_key(settings, tmp_path, "EdDSA")
    path = tmp_path / "jwks.json"
    path.write_bytes(client.get("/.well-known/jwks.json").content)
    return path


def verify(token, *args) -> tuple[dict, str]:
    out = io.StringIO()
    call_command("verify_token", token, *args, stdout=out)
    text = out.getvalue()
    return json.loads(text[:text.index("\nValid:")]), text


def log_in(client) -> dict:
    return client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                       content_type="application/json").json()


def test_valid_token_prints_its_claims(client, user, jwks_file, django_assert_num_queries):
    access = log_in(client)["access"]
    with django_assert_num_queries(0):
        claims, text = verify(access, "--jwks", str(jwks_file))
    assert claims["sub"] == str(user.pk) and claims["token_type"] == "access"
    assert "Revocation was not checked" in text


def test_revoked_token_still_verifies_until_exp(client, user, jwks_file):
    pair = log_in(client)
    assert client.post("/jwt/logout-all/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == \
        HTTPStatus.NO_CONTENT
    assert verify(pair["access"], "--jwks", str(jwks_file))[0]["sub"] == str(user.pk)


def test_jwks_url_is_fetched_once(client, user, jwks_file):
    access = log_in(client)["access"]
    with jwks_server(json.loads(jwks_file.read_text())) as auth_server:
        assert verify(access, "--jwks-url", auth_server.url)[0]["sub"] == str(user.pk)
        assert auth_server.hits == 1


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"), r"Token refused: Token is invalid\. "),
    (lambda t: "nonsense", r"Token refused: Token is malformed\. \(token_not_valid\)"),
])
def test_refused_tokens_are_a_command_error(client, user, jwks_file, mutate, message):
    access = log_in(client)["access"]
    with pytest.raises(CommandError, match=message):
        verify(mutate(access), "--jwks", str(jwks_file))


def test_refresh_token_is_refused(client, user, jwks_file):
    with pytest.raises(CommandError, match="not an access token"):
        verify(log_in(client)["refresh"], "--jwks", str(jwks_file))


def test_hs256_cannot_be_verified_by_a_third_party(client, user, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text('{"keys": []}')
    with pytest.raises(CommandError, match="only the auth server"):
        verify(log_in(client)["access"], "--jwks", str(path))


def test_unusable_key_set_is_a_command_error(client, user, jwks_file, tmp_path):
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(CommandError, match="Cannot use the key set: the JWKS from .* is not JSON"):
        verify(log_in(client)["access"], "--jwks", str(tmp_path / "bad.json"))
