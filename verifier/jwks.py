"""Load the auth server's public keys — a JWK Set (RFC 7517 §5) — once, from a file or one HTTP request.

The set is vetted when it is loaded, so that a bad set stops the service at start rather than at the first
request: only signature keys of the one pinned algorithm are kept, private key material is refused outright, and
RSA keys under 2048 bits are dropped (RFC 7518 §3.3). Nothing here is ever called because of a token: a `kid`
that is not in the set is simply unknown (RFC 8725 §3.10: never fetch keys a token points at).

Token Lab names each key by its RFC 7638 thumbprint (SHA-256, all 43 base64url characters); its releases before
that cut the thumbprint to 22 characters, and tokens signed then may still be live. `legacy_kids` gives those short
names as aliases of the same keys — computed here from the keys themselves, only for keys whose published `kid` is
their full thumbprint — so such tokens verify until they expire while the set publishes each key once.
"""

import base64
import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.exceptions import InvalidKeyError

MAX_JWKS_BYTES = 256 * 1024
MIN_RSA_BITS = 2048
_SPECS = {  # algorithm → (kty, crv, JWK codec, public key type)
    "RS256": ("RSA", None, RSAAlgorithm, rsa.RSAPublicKey),
    "ES256": ("EC", "P-256", ECAlgorithm, ec.EllipticCurvePublicKey),
    "EdDSA": ("OKP", "Ed25519", OKPAlgorithm, ed25519.Ed25519PublicKey),
}
ALGORITHMS = tuple(_SPECS)
# RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2, and "k" of a symmetric key: none of these may ever be published.
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
# RFC 7638 §3.2 (RFC 8037 §2 for OKP): the required members of each key type, which alone enter a thumbprint.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
LEGACY_KID_LENGTH = 22


class JWKSError(Exception):
    """The key set cannot be read or holds nothing usable; the service must not start with it."""


def jwks_read(path: str | Path) -> dict:
    """Return the JWK Set stored in the JSON file at `path`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise JWKSError(f"cannot read the JWKS file {path}: {exc.strerror}") from None
    return _parse(raw, source=str(path))


def jwks_fetch(url: str, *, timeout: float = 5.0) -> dict:
    """Return the JWK Set at `url` (http or https), fetched with one GET. Call it once, at start."""
    if not url.lower().startswith(("http://", "https://")):
        raise JWKSError("the JWKS URL must be http:// or https://")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # scheme checked above: no file:// reads
            raw = response.read(MAX_JWKS_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise JWKSError(f"fetching the JWKS from {url} failed: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise JWKSError(f"fetching the JWKS from {url} failed: {getattr(exc, 'reason', exc)}") from None
    return _parse(raw, source=url)


def _parse(raw: bytes, *, source: str) -> dict:
    if len(raw) > MAX_JWKS_BYTES:
        raise JWKSError(f"the JWKS from {source} is larger than {MAX_JWKS_BYTES} bytes")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise JWKSError(f"the JWKS from {source} is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSError(f'the JWKS from {source} is not a JWK Set ({{"keys": [...]}})')
    return document


def keys_select(document: dict, *, algorithm: str) -> dict[str, object]:
    """Return `{kid: public key}` for the keys of `document` that verify `algorithm` signatures.

    Raise JWKSError when the set publishes private key material, or holds no usable key (with HS256 the auth
    server publishes none: only it can verify its tokens).
    """
    if algorithm not in _SPECS:
        raise JWKSError(f"{algorithm} is not one of {', '.join(ALGORITHMS)}: a shared-secret algorithm cannot be "
                        "verified from public keys")
    kty, crv, codec, key_type = _SPECS[algorithm]
    keys: dict[str, object] = {}
    for jwk in document.get("keys", []):
        if not isinstance(jwk, dict):
            continue
        if _PRIVATE_MEMBERS & set(jwk):
            raise JWKSError("the JWKS publishes private key material; refusing to use it")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid or kid in keys:
            continue
        if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv):
            continue
        if jwk.get("alg", algorithm) != algorithm or jwk.get("use", "sig") != "sig":
            continue
        try:
            key = codec.from_jwk(jwk)
        except (InvalidKeyError, ValueError, TypeError, KeyError):
            continue
        if not isinstance(key, key_type):
            continue
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            continue
        keys[kid] = key
    if not keys:
        raise JWKSError(f"the JWKS holds no usable {algorithm} signature key")
    return keys


def jwk_thumbprint(jwk: dict) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of public JWK `jwk`: base64url, no padding, 43 characters."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def legacy_kids(keys: dict[str, object], *, algorithm: str) -> dict[str, str]:
    """Return `{legacy short kid: kid}` for the keys of `keys` (as `keys_select` returns them) named by their full
    RFC 7638 thumbprint.

    The thumbprint is computed from the key itself, re-encoded canonically (RFC 7638 §3.3), never taken from the
    set; an alias never shadows a real `kid`. The alias names a key the set already holds, so it widens nothing:
    a token under it must still carry that key's signature.
    """
    codec = _SPECS[algorithm][2]
    aliases: dict[str, str] = {}
    for kid, key in keys.items():
        if kid == jwk_thumbprint(codec.to_jwk(key, as_dict=True)):
            alias = kid[:LEGACY_KID_LENGTH]
            if alias not in keys:
                aliases.setdefault(alias, kid)
    return aliases
