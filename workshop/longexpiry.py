"""The guided lab's long-expiry step: the participant's own access token as a careless issuer would mint it.

The copy keeps every claim of the participant's token and this server's algorithm and issuer, and changes one
thing: `exp` is 30 days after `iat`. It is signed with a throwaway key of the same algorithm, made in memory and
named `lab-careless-issuer` in the header — never with Token Lab's keys: a 30-day token signed by Token Lab would
open service B (which checks `exp` but keeps no denylist) for a month. So the copy opens nothing; what it shows
is what a verifier without a denylist would do with it, and why Token Lab's own verifier never would.
"""

import math
import secrets
from datetime import UTC, datetime
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings

LONG_LIFETIME = 30 * 86400  # seconds: the "remember me for a month" access token of the mistake
CARELESS_KID = "lab-careless-issuer"


@lru_cache(maxsize=4)
def _careless_key(algorithm: str):
    """The careless issuer's signing key for `algorithm`: made once per process, known to no verifier of Token Lab."""
    if algorithm == "HS256":
        return secrets.token_bytes(32)
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unsupported algorithm {algorithm!r}")


def _verifying_key(algorithm: str):
    key = _careless_key(algorithm)
    return key if algorithm == "HS256" else key.public_key()


def long_lived_copy(*, access_token: str) -> dict:
    """Return the 30-day copy of a verified access token, what the inspector should make of it, and two verdicts.

    `careless`: a verifier that pins the algorithm and checks the signature, `iss`, `aud` and `exp` — and nothing
    else: no lifetime cap, no denylist (service B's kind). `tokenlab_policy`: the access-token lifetime Token Lab
    issues and accepts (`ACCESS_TOKEN_LIFETIME`); its verifier refuses a token whose `exp - iat` exceeds it.
    """
    algorithm = settings.JWT_ALGORITHM
    claims = jwt.decode(access_token, options={"verify_signature": False})
    header = {k: v for k, v in jwt.get_unverified_header(access_token).items() if k not in {"alg", "kid"}}
    # `iat` has milliseconds here; exp is whole seconds (RFC 7519 NumericDate), at least 30 days after it.
    claims["exp"] = math.ceil(claims["iat"]) + LONG_LIFETIME
    token = jwt.encode(claims, _careless_key(algorithm), algorithm=algorithm,
                       headers={**header, "kid": CARELESS_KID})
    try:
        jwt.decode(token, _verifying_key(algorithm), algorithms=[algorithm], audience=settings.JWT_AUDIENCE,
                   issuer=settings.JWT_ISSUER)
        careless = {"accepted": True}
    except jwt.PyJWTError as exc:  # only if the participant's own token had already run out of time
        careless = {"accepted": False, "error": str(exc)}
    return {
        "token": token, "algorithm": algorithm, "issuer": settings.JWT_ISSUER, "kid": CARELESS_KID,
        "lifetime_s": LONG_LIFETIME,
        "expires_at": datetime.fromtimestamp(claims["exp"], tz=UTC).isoformat(),
        "careless": careless,
        "tokenlab_policy_s": settings.ACCESS_TOKEN_LIFETIME,
    }
