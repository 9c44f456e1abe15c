"""Key ids: an asymmetric key's `kid` is its full RFC 7638 thumbprint, checked against an implementation of our own
and the RFC's published example; tokens signed under the legacy 22-character `kid` keep verifying until `exp`, at
the JWT door and at service B, while the JWKS publishes each key once; `use` is published, `key_ops` is not."""

import base64
import hashlib
import re
from http import HTTPStatus

import jwt
import pytest

from jwt_demo.keys import jwk_thumbprint, keyring
from jwt_demo.tokens import ACCESS, codec
from tests.support.keyfiles import use_key
from verifier import jwks as service_b_jwks
from verifier.verify import VerificationError, verifier_build

pytestmark = pytest.mark.django_db

ASYMMETRIC = ["RS256", "ES256", "EdDSA"]
# RFC 7638 §3.1: the example RSA key and the thumbprint the RFC publishes for it.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV"
         "4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0"
         "zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
         "Cur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def thumbprint_from_scratch(jwk: dict) -> str:
    """RFC 7638 written out by hand, sharing nothing with the code under test: §3.2's required members, already in
    lexicographic order, joined without whitespace (§3.3), SHA-256, base64url without padding."""
    required = {"RSA": ["e", "kty", "n"], "EC": ["crv", "kty", "x", "y"], "OKP": ["crv", "kty", "x"]}[jwk["kty"]]
    for name in required:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", jwk[name]), "members are plain strings: no JSON escaping needed"
    canonical = "{" + ",".join(f'"{name}":"{jwk[name]}"' for name in required) + "}"
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_the_rfc_example_thumbprint_is_reproduced_by_every_implementation():
    assert thumbprint_from_scratch(RFC7638_KEY) == RFC7638_THUMBPRINT
    assert jwk_thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT
    assert service_b_jwks.jwk_thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_kid_is_the_full_thumbprint_and_use_is_published_without_key_ops(client, settings, tmp_path, algorithm):
    use_key(settings, tmp_path, algorithm)
    (jwk,) = client.get("/.well-known/jwks.json").json()["keys"]
    assert jwk["kid"] == thumbprint_from_scratch(jwk)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", jwk["kid"])
    assert jwk["use"] == "sig"
    assert "key_ops" not in jwk, "RFC 7517 §4.3: use and key_ops should not be used together"
    assert set(jwk) == {"kid", "alg", "use", *{"RS256": ["kty", "n", "e"], "ES256": ["kty", "crv", "x", "y"],
                                               "EdDSA": ["kty", "crv", "x"]}[algorithm]}


def test_hmac_kid_is_still_derived_through_hmac(settings):
    key = keyring().current
    assert re.fullmatch(r"hs-[A-Za-z0-9_-]{16}", key.kid) and key.legacy_kid is None
    # It is not a plain hash of the secret, which would let anyone test guesses of the secret offline.
    plain = base64.urlsafe_b64encode(hashlib.sha256(settings.JWT_SIGNING_KEY.encode()).digest()).decode()
    assert key.kid[3:] not in plain


def resigned(token: str, kid: str) -> str:
    """The same claims, signed by the same key, under header `kid` — a token as an older release minted it."""
    claims = jwt.decode(token, options={"verify_signature": False})
    key = keyring().current
    return jwt.encode(claims, key.signing, algorithm=key.algorithm, headers={"kid": kid, "typ": "at+jwt"})


def legacy_token(user, **kwargs) -> str:
    kwargs.setdefault("lifetime", 300)
    token, _ = codec.encode(token_type=ACCESS, user_id=user.pk, family="e" * 32, **kwargs)
    return resigned(token, keyring().current.kid[:22])


def service_b(client, settings, algorithm):
    document = client.get("/.well-known/jwks.json").json()
    return verifier_build(document=document, algorithm=algorithm, issuer=settings.JWT_ISSUER,
                          audience=settings.JWT_AUDIENCE)


def door(client, token: str):
    return client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_a_token_under_the_legacy_short_kid_verifies_until_exp(client, settings, tmp_path, user, algorithm):
    use_key(settings, tmp_path, algorithm)
    token = legacy_token(user)
    assert len(jwt.get_unverified_header(token)["kid"]) == 22
    published = client.get("/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in published] == [keyring().current.kid], "the legacy kid is accepted, never published"

    response = door(client, token)
    assert response.status_code == HTTPStatus.OK and response.json()["username"] == user.username
    assert service_b(client, settings, algorithm).verify(token)["sub"] == str(user.pk)
    response = client.get("/workshop/service-b/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == HTTPStatus.OK and response.json()["sub"] == str(user.pk)

    expired = legacy_token(user, lifetime=None, expires_at=int(codec.clock()) - 5)
    response = door(client, expired)
    assert response.status_code == HTTPStatus.UNAUTHORIZED and response.json()["code"] == "token_expired"
    with pytest.raises(VerificationError) as refused:
        service_b(client, settings, algorithm).verify(expired)
    assert refused.value.code == "token_expired"


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_only_the_exact_legacy_kid_is_an_alias(client, settings, tmp_path, user, algorithm):
    use_key(settings, tmp_path, algorithm)
    genuine, _ = codec.encode(token_type=ACCESS, user_id=user.pk, family="e" * 32, lifetime=300)
    kid = keyring().current.kid
    verifier = service_b(client, settings, algorithm)
    for other in (kid[:21], kid[:23], kid[:8], kid[:22].upper(), kid + "x", ""):
        token = resigned(genuine, other)
        response = door(client, token)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "Token was signed with an unknown key.", "code": "token_not_valid"}
        with pytest.raises(VerificationError, match="unknown key"):
            verifier.verify(token)


def test_a_legacy_kid_keeps_naming_its_own_key_through_a_rotation(client, settings, tmp_path, user):
    old = str(use_key(settings, tmp_path, "ES256", "old"))
    old_legacy = legacy_token(user)
    use_key(settings, tmp_path, "ES256", "new", verifying=[old])
    new_legacy = legacy_token(user)
    assert jwt.get_unverified_header(old_legacy)["kid"] != jwt.get_unverified_header(new_legacy)["kid"]
    verifier = service_b(client, settings, "ES256")
    assert len(verifier.keys) == 2 and len(client.get("/.well-known/jwks.json").json()["keys"]) == 2
    for token in (old_legacy, new_legacy):
        assert door(client, token).status_code == HTTPStatus.OK
        assert verifier.verify(token)["sub"] == str(user.pk)
    settings.JWT_VERIFYING_KEYS = []
    assert door(client, old_legacy).status_code == HTTPStatus.UNAUTHORIZED
    assert door(client, new_legacy).status_code == HTTPStatus.OK


def test_service_b_makes_no_alias_for_a_kid_that_is_not_the_thumbprint(client, settings, tmp_path, user):
    use_key(settings, tmp_path, "EdDSA")
    (jwk,) = client.get("/.well-known/jwks.json").json()["keys"]
    named = {**jwk, "kid": "2011-04-29"}
    keys = service_b_jwks.keys_select({"keys": [named]}, algorithm="EdDSA")
    assert service_b_jwks.legacy_kids(keys, algorithm="EdDSA") == {}
    assert service_b_jwks.legacy_kids(service_b_jwks.keys_select({"keys": [jwk]}, algorithm="EdDSA"),
                                      algorithm="EdDSA") == {jwk["kid"][:22]: jwk["kid"]}
