"""Signing and verifying keys for the JWT door, and their public JWKS.

HS256 (the default) signs and verifies with one shared secret: only this server can verify. RS256, ES256 and
EdDSA sign with a private key read from a PEM file; anyone holding the public key (published at
`/.well-known/jwks.json`) can verify without calling Token Lab — the article's microservice claim.

Every token carries the `kid` of the key that signed it. An asymmetric key's `kid` is its RFC 7638 JWK thumbprint:
SHA-256 over the key's required public members, base64url, all 43 characters — so a client can compute it from
the published key and check that it matches. Releases before this one cut that thumbprint to 22 characters; the
ring still accepts that legacy short `kid` as an alias of the same key, so tokens signed before the upgrade keep
verifying until they expire, but the JWKS publishes the full `kid` only (one key, one entry: a client caching the
set never sees the same key twice). The alias adds no key and no way to verify: it names a key already in the ring,
and a signature must still come from that key. An HMAC key's `kid` is derived through HMAC instead, so it lets no
one test guesses of the secret offline.

During a rotation the previous keys stay in
`JWT_VERIFYING_KEYS`, so tokens they signed keep verifying until they expire (`manage.py rotate_signing_key`
prints the steps). The key ring is built from settings on first use and rebuilt whenever those settings change;
a PEM file changed on disk is read again only when the process restarts.

Weak keys stop the process instead of signing (RFC 7518): an HMAC secret shorter than the hash (§3.2), an RSA
modulus under 2048 bits (§3.3), an EC key off P-256 for ES256 (§3.4).
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ASYMMETRIC = {"RS256", "ES256", "EdDSA"}
_KEY_TYPES = {"RS256": rsa.RSAPublicKey, "ES256": ec.EllipticCurvePublicKey, "EdDSA": ed25519.Ed25519PublicKey}
# RFC 7638 §3.2 (and RFC 8037 §2 for OKP): the required members of each key type, which alone enter its thumbprint.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
# The length of the `kid` Token Lab published before it used the whole thumbprint (accepted, never published).
LEGACY_KID_LENGTH = 22
MIN_HMAC_BYTES = 32  # RFC 7518 §3.2: a key at least as long as the SHA-256 output
MIN_RSA_BITS = 2048  # RFC 7518 §3.3


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Key:
    """One key: `signing` is what `jwt.encode` takes, `verifying` what `jwt.decode` takes; `public_jwk` is None
    for an HMAC secret, which is never published. `legacy_kid` is the short `kid` older releases signed under
    (asymmetric keys only; None for HMAC, whose `kid` never changed)."""

    kid: str
    algorithm: str
    signing: object
    verifying: object
    public_jwk: dict | None = field(default=None, compare=False)
    legacy_kid: str | None = field(default=None, compare=False)


def jwk_thumbprint(jwk: dict) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding (43 characters).

    §3.1-3.3: the required members only, in lexicographic order, no whitespace, hashed with SHA-256. The members
    are base64url strings and fixed names, so JSON with sorted keys is exactly the canonical form.
    """
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=True).encode()
    return _b64(hashlib.sha256(canonical).digest())


def public_jwk(public_key, algorithm: str) -> dict:
    """Return the public JWK of a key: its members, `kid` (its full RFC 7638 thumbprint), `alg` and `use: sig`.

    PyJWT adds `key_ops` to an RSA key; it is dropped, because RFC 7517 §4.3 says `use` and `key_ops` should not
    be used together, and `use` is the one JWT libraries and service B read.
    """
    codec = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[algorithm]
    jwk = {name: value for name, value in codec.to_jwk(public_key, as_dict=True).items() if name != "key_ops"}
    return {**jwk, "kid": jwk_thumbprint(jwk), "alg": algorithm, "use": "sig"}


def _hmac_key(secret: str) -> Key:
    raw = secret.encode()
    if raw.lstrip().startswith(b"-----BEGIN"):
        # A PEM used as an HMAC secret is the seed of algorithm confusion (RFC 8725 §2.1): refuse it outright.
        raise ImproperlyConfigured("JWT_ALGORITHM is HS256 but a key is a PEM; set JWT_ALGORITHM to match the key.")
    if len(raw) < MIN_HMAC_BYTES:
        raise ImproperlyConfigured(f"An HS256 key must be at least {MIN_HMAC_BYTES} bytes (RFC 7518 §3.2).")
    # A kid for an HMAC key must not let anyone test guesses of the secret offline: derive it through HMAC.
    kid = "hs-" + _b64(hmac.new(raw, b"token-lab kid", hashlib.sha256).digest())[:16]
    return Key(kid=kid, algorithm="HS256", signing=raw, verifying=raw)


def _pem_key(location: str, algorithm: str, *, need_private: bool) -> Key:
    path = Path(location)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read the {algorithm} key file {location}: {exc.strerror}.") from None
    return _pem_data(data, algorithm, need_private=need_private, location=location)


def _pem_data(data: bytes, algorithm: str, *, need_private: bool, location: str = "The key") -> Key:
    private = None
    try:
        private = load_pem_private_key(data, password=None)
        public = private.public_key()
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if need_private:
            raise ImproperlyConfigured(f"{location} is not an unencrypted PEM private key.") from None
        try:
            public = load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise ImproperlyConfigured(f"{location} is not a PEM key.") from None
    if not isinstance(public, _KEY_TYPES[algorithm]):
        raise ImproperlyConfigured(f"{location} does not hold a key for {algorithm}.")
    if algorithm == "ES256" and public.curve.name != "secp256r1":
        raise ImproperlyConfigured(f"{location}: ES256 needs a P-256 key.")
    if algorithm == "RS256" and public.key_size < MIN_RSA_BITS:
        raise ImproperlyConfigured(f"{location}: RS256 needs a key of at least {MIN_RSA_BITS} bits (RFC 7518 §3.3).")
    jwk = public_jwk(public, algorithm)
    return Key(kid=jwk["kid"], algorithm=algorithm, signing=private, verifying=public, public_jwk=jwk,
               legacy_kid=jwk["kid"][:LEGACY_KID_LENGTH])


class KeyRing:
    """The current signing key plus every key that still verifies, by `kid`.

    `by_kid` holds each key once, under its published `kid`; `legacy_kids` maps the short `kid` an older release
    signed a key's tokens under to that same key. An alias never shadows a real `kid`.
    """

    def __init__(self, algorithm: str, signing_key: str, verifying_keys: list[str]):
        self.algorithm = algorithm
        load = (lambda spec, need_private: _pem_key(spec, algorithm, need_private=need_private)) \
            if algorithm in ASYMMETRIC else (lambda spec, need_private: _hmac_key(spec))
        self.current = load(signing_key, True)
        self.by_kid = {self.current.kid: self.current}
        for spec in verifying_keys:
            key = load(spec, False)
            self.by_kid.setdefault(key.kid, key)
        self.legacy_kids = {key.legacy_kid: key for key in reversed(self.by_kid.values())
                            if key.legacy_kid is not None and key.legacy_kid not in self.by_kid}

    @classmethod
    def from_material(cls, algorithm: str, signing_key: str | bytes, verifying_key: str | bytes = "") -> "KeyRing":
        """Build a ring from key material itself (simplejwt's `TokenBackend(algorithm, signing_key, verifying_key)`:
        an HMAC secret, or PEM text) rather than from settings; the same strength rules apply."""
        if algorithm not in ASYMMETRIC | {"HS256"}:
            raise ImproperlyConfigured(f"{algorithm} is not an algorithm Token Lab signs with (HS256, RS256, ES256, "
                                       "EdDSA).")
        ring = cls.__new__(cls)
        ring.algorithm = algorithm

        def as_bytes(value) -> bytes:
            return value if isinstance(value, bytes) else str(value).encode()

        if algorithm in ASYMMETRIC:
            ring.current = _pem_data(as_bytes(signing_key), algorithm, need_private=True)
            extra = [_pem_data(as_bytes(verifying_key), algorithm, need_private=False)] if verifying_key else []
        else:
            secret = signing_key.decode() if isinstance(signing_key, bytes) else str(signing_key or "")
            ring.current = _hmac_key(secret)
            extra = []
        ring.by_kid = {ring.current.kid: ring.current}
        for key in extra:
            ring.by_kid.setdefault(key.kid, key)
        return ring

    def verifying_key(self, kid: str) -> Key | None:
        """Return the key with this `kid` (or this legacy short `kid`), or None: an unknown kid is never looked up
        anywhere else."""
        return self.by_kid.get(kid) or self.legacy_kids.get(kid)

    def jwks(self) -> dict:
        """Return the public JWK Set (RFC 7517 §5); empty for HMAC, whose key is secret."""
        return {"keys": [k.public_jwk for k in self.by_kid.values() if k.public_jwk is not None]}


def private_pem_generate(algorithm: str) -> bytes:
    """Return a new unencrypted PKCS#8 PEM private key for `algorithm` (RS256, ES256 or EdDSA)."""
    if algorithm == "RS256":
        # 2048 bits: the RFC 7518 minimum and the size most deployments sign with, so the byte and time numbers the
        # workshop measures for RS256 are the ones people will meet.
        private = rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"{algorithm} is not an asymmetric algorithm")
    return private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def key_describe(spec: str, algorithm: str) -> Key:
    """Load one key as the ring would (a PEM path, or an HMAC secret) and return it; raise ImproperlyConfigured."""
    if algorithm in ASYMMETRIC:
        return _pem_key(spec, algorithm, need_private=False)
    return _hmac_key(spec)


_ring: KeyRing | None = None


def keyring() -> KeyRing:
    """Return the process's key ring, built from settings on first use."""
    global _ring
    if _ring is None:
        _ring = KeyRing(settings.JWT_ALGORITHM, settings.JWT_SIGNING_KEY, settings.JWT_VERIFYING_KEYS)
    return _ring


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    global _ring
    if setting in {"JWT_ALGORITHM", "JWT_SIGNING_KEY", "JWT_VERIFYING_KEYS"}:
        _ring = None
