"""The backend's memory of verified tokens: it spares PyJWT for a token presented again, and nothing else.

Time claims are still checked on every request (an expired token is refused even if it was verified a second
earlier), revocation is still asked on every request, a re-spelled signature is verified afresh (and refused),
a key retired from the ring sends its tokens through verification again, and the memory is bounded.
"""

from http import HTTPStatus

import jwt
import pytest

from denylist import revocation
from jwt_demo.backend import TokenLabBackend, VerifiedTokens, token_backend
from jwt_demo.tokens import ACCESS, codec

pytestmark = pytest.mark.django_db


@pytest.fixture
def decodes(monkeypatch):
    """Count PyJWT's verifications (a fresh memory for the test)."""
    token_backend.verified.clear()
    calls = []
    original = jwt.decode

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return calls


def access_for(user, lifetime: int = 300) -> str:
    return codec.encode(token_type=ACCESS, user_id=user.pk, family="c" * 32, lifetime=lifetime)[0]


def get_notes(client, token: str):
    return client.get("/jwt/api/notes/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_presented_again_is_not_verified_again(client, user, decodes):
    token = access_for(user)
    for _ in range(3):
        assert get_notes(client, token).status_code == HTTPStatus.OK
    assert len(decodes) == 1


def test_time_is_checked_on_every_request(client, user, decodes, monkeypatch):
    token = access_for(user, lifetime=60)
    assert get_notes(client, token).status_code == HTTPStatus.OK
    now = codec.clock()
    monkeypatch.setattr(codec, "clock", lambda: now + 3600)
    response = get_notes(client, token)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert len(decodes) == 1  # refused by the time check, on the remembered payload


def test_revocation_is_asked_on_every_request(client, user, decodes):
    token = access_for(user)
    assert get_notes(client, token).status_code == HTTPStatus.OK
    revocation.revoke_user(user_id=user.pk, reason="test")
    response = get_notes(client, token)
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_revoked")


def test_a_re_spelled_signature_is_verified_afresh_and_refused(client, user, decodes):
    token = access_for(user)
    assert get_notes(client, token).status_code == HTTPStatus.OK
    head, payload, signature = token.split(".")
    last = signature[-1]
    # Another spelling of the same signature bytes (unused low bits of the last character), or a flipped byte.
    other = {"A": "B", "B": "A"}.get(last, "A")
    altered = f"{head}.{payload}.{signature[:-1]}{other}"
    assert get_notes(client, altered).status_code == HTTPStatus.UNAUTHORIZED
    assert get_notes(client, altered).status_code == HTTPStatus.UNAUTHORIZED  # a refusal is never remembered
    assert get_notes(client, token).status_code == HTTPStatus.OK
    # The original was verified once; the altered token was checked in full each time: refused before PyJWT when
    # its spelling is not canonical, else by PyJWT's signature check.
    assert len(decodes) == 1 + 2 * (len(decodes) > 1)


def test_new_keys_send_remembered_tokens_through_verification_again(client, user, settings, decodes):
    token = access_for(user)
    assert get_notes(client, token).status_code == HTTPStatus.OK
    settings.JWT_SIGNING_KEY = "another-signing-key-for-this-test-0123456789abcdef"  # a new ring, old key gone
    response = get_notes(client, token)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["detail"] == "Token was signed with an unknown key."


def test_other_settings_are_part_of_what_was_verified(client, user, settings, decodes):
    token = access_for(user)
    assert get_notes(client, token).status_code == HTTPStatus.OK
    settings.JWT_AUDIENCE = "another-audience"
    assert get_notes(client, token).status_code == HTTPStatus.UNAUTHORIZED
    assert len(decodes) == 2


def test_the_memory_is_bounded_and_payloads_are_copies(user):
    memory = VerifiedTokens(size=2)
    backend = TokenLabBackend()
    backend.verified = memory
    tokens = [access_for(user, lifetime=300 + n) for n in range(3)]
    for token in tokens:
        backend.decode(token, token_types=(ACCESS,))
    assert len(memory._entries) == 2
    payload = backend.decode(tokens[-1], token_types=(ACCESS,))
    payload["sub"] = "someone else"
    assert backend.decode(tokens[-1], token_types=(ACCESS,))["sub"] == str(user.pk)
    assert VerifiedTokens(size=0).get(tokens[0], (ACCESS,)) is None
