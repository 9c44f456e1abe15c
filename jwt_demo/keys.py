"""Signing and verifying keys for the JWT door, and their public JWKS.

HS256 (the default) signs and verifies with one shared secret: only this server can verify. RS256, ES256 and
EdDSA sign with a private key read from a PEM file; anyone holding the public key (published at
`/.well-known/jwks.json`) can verify without calling Token Lab — the article's microservice claim.

Every token carries the `kid` of the key that signed it. During a rotation the previous keys stay in
`JWT_VERIFYING_KEYS`, so tokens they signed keep verifying until they expire. The key ring is built from
settings on first use and rebuilt whenever those settings change.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ASYMMETRIC = {"RS256", "ES256", "EdDSA"}
_KEY_TYPES = {"RS256": rsa.RSAPublicKey, "ES256": ec.EllipticCurvePublicKey, "EdDSA": ed25519.Ed25519PublicKey}
# RFC 7638 §3.2: the members of each key type that enter its thumbprint.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Key:
    """One key: `signing` is what `jwt.encode` takes, `verifying` what `jwt.decode` takes; `public_jwk` is None
    for an HMAC secret, which is never published."""

    kid: str
    algorithm: str
    signing: object
    verifying: object
    public_jwk: dict | None = field(default=None, compare=False)


def public_jwk(public_key, algorithm: str) -> dict:
    """Return the public JWK of a key, with `kid` (its RFC 7638 thumbprint), `alg` and `use`."""
    codec = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[algorithm]
    jwk = codec.to_jwk(public_key, as_dict=True)
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = _b64(hashlib.sha256(canonical).digest())[:22]
    return {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}


def _hmac_key(secret: str) -> Key:
    raw = secret.encode()
    # A kid for an HMAC key must not let anyone test guesses of the secret offline: derive it through HMAC.
    kid = "hs-" + _b64(hmac.new(raw, b"token-lab kid", hashlib.sha256).digest())[:16]
    return Key(kid=kid, algorithm="HS256", signing=raw, verifying=raw)


def _pem_key(location: str, algorithm: str, *, need_private: bool) -> Key:
    path = Path(location)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read the {algorithm} key file {location}: {exc.strerror}.") from None
    private = None
    try:
        private = load_pem_private_key(data, password=None)
        public = private.public_key()
    except (ValueError, TypeError):
        if need_private:
            raise ImproperlyConfigured(f"{location} is not an unencrypted PEM private key.") from None
        try:
            public = load_pem_public_key(data)
        except ValueError:
            raise ImproperlyConfigured(f"{location} is not a PEM key.") from None
    if not isinstance(public, _KEY_TYPES[algorithm]):
        raise ImproperlyConfigured(f"{location} does not hold a key for {algorithm}.")
    if algorithm == "ES256" and public.curve.name != "secp256r1":
        raise ImproperlyConfigured(f"{location}: ES256 needs a P-256 key.")
    jwk = public_jwk(public, algorithm)
    return Key(kid=jwk["kid"], algorithm=algorithm, signing=private, verifying=public, public_jwk=jwk)


class KeyRing:
    """The current signing key plus every key that still verifies, by `kid`."""

    def __init__(self, algorithm: str, signing_key: str, verifying_keys: list[str]):
        self.algorithm = algorithm
        load = (lambda spec, need_private: _pem_key(spec, algorithm, need_private=need_private)) \
            if algorithm in ASYMMETRIC else (lambda spec, need_private: _hmac_key(spec))
        self.current = load(signing_key, True)
        self.by_kid = {self.current.kid: self.current}
        for spec in verifying_keys:
            key = load(spec, False)
            self.by_kid.setdefault(key.kid, key)

    def verifying_key(self, kid: str) -> Key | None:
        """Return the key with this `kid`, or None: an unknown kid is never looked up anywhere else."""
        return self.by_kid.get(kid)

    def jwks(self) -> dict:
        """Return the public JWK Set (RFC 7517 §5); empty for HMAC, whose key is secret."""
        return {"keys": [k.public_jwk for k in self.by_kid.values() if k.public_jwk is not None]}


_ring: KeyRing | None = None


def keyring() -> KeyRing:
    global _ring
    if _ring is None:
        _ring = KeyRing(settings.JWT_ALGORITHM, settings.JWT_SIGNING_KEY, settings.JWT_VERIFYING_KEYS)
    return _ring


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    global _ring
    if setting in {"JWT_ALGORITHM", "JWT_SIGNING_KEY", "JWT_VERIFYING_KEYS"}:
        _ring = None
