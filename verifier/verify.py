"""Verify a Token Lab access token with public keys only: pinned algorithm, known `kid`, `iss`, `aud`, `exp`, `typ`.

Threats met here (RFC 8725):
- `alg: none` and algorithm confusion (§2.1, §3.1): the algorithm is configured, never read from the token; an
  HS256 token "signed" with the public key is refused because HS256 is not the pinned algorithm.
- Keys chosen by the token (§3.10 of RFC 7515's considerations): `jku`, `x5u`, `jwk`, `x5c` and `crit` headers are
  refused, and a `kid` outside the loaded set is unknown — nothing is ever fetched.
- Token substitution (§2.8, §3.11): the header `typ` must be `at+jwt` (RFC 9068) and the `token_type` claim
  `access`: a refresh token is not an access token.
- Cross-service confusion (§3.9): `iss` and `aud` are required and must match.

What this verifier cannot do, by design: see revocation. It has no denylist, so a token revoked at the auth
server passes here until `exp`.
"""

import jwt

from verifier.jwks import keys_select, legacy_kids

ACCESS_TYP = "at+jwt"
MAX_TOKEN_LENGTH = 4096
MAX_HEADER_LENGTH = 1024
_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")


class VerificationError(Exception):
    """A token this service refuses. `code` is machine-readable; `detail` never echoes the token."""

    def __init__(self, detail: str, code: str = "token_not_valid"):
        super().__init__(detail)
        self.detail = detail
        self.code = code


class Verifier:
    """Check access tokens against a fixed set of public keys.

    `keys` maps `kid` to a public key (see `verifier.jwks.keys_select`); the set never changes after start.
    `aliases` maps another name of a key to its `kid` in `keys` (see `verifier.jwks.legacy_kids`).
    `exp` is checked against the system clock, with `leeway` seconds of tolerance.
    """

    def __init__(self, *, keys: dict[str, object], algorithm: str, issuer: str, audience: str, leeway: int = 0,
                 aliases: dict[str, str] | None = None):
        self.keys = dict(keys)
        self.aliases = {alias: kid for alias, kid in (aliases or {}).items() if kid in self.keys}
        self.algorithm = algorithm
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    def verify(self, token: object) -> dict:
        """Return the claims of a valid access token, or raise VerificationError."""
        if not isinstance(token, str) or not token:
            raise VerificationError("Token must be a non-empty string.")
        if len(token) > MAX_TOKEN_LENGTH:
            raise VerificationError("Token is too long.")
        if token.count(".") != 2:
            raise VerificationError("Token is malformed.")
        if len(token.split(".", 1)[0]) > MAX_HEADER_LENGTH:
            raise VerificationError("Token header is too large.")
        header = self._header(token)
        if header.get("alg") != self.algorithm:
            raise VerificationError(f"Token algorithm is not allowed; this service accepts {self.algorithm} only.")
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise VerificationError("Token header names a key source this service refuses (jku, x5u, jwk, x5c, crit).")
        if header.get("typ") != ACCESS_TYP:
            raise VerificationError("Token is not an access token.")
        kid = header.get("kid")
        key = self.keys.get(self.aliases.get(kid, kid)) if isinstance(kid, str) else None
        if key is None:
            raise VerificationError("Token was signed with an unknown key.")
        try:
            claims = jwt.decode(
                token, key, algorithms=[self.algorithm], audience=self.audience, issuer=self.issuer,
                leeway=self.leeway, options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise VerificationError("Token is expired.", "token_expired") from None
        except (jwt.PyJWTError, RecursionError, ValueError, TypeError, OverflowError):
            raise VerificationError("Token is invalid.") from None
        if claims.get("token_type") != "access":
            raise VerificationError("Token is not an access token.")
        return claims

    def _header(self, token: str) -> dict:
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, RecursionError, ValueError, TypeError):
            raise VerificationError("Token header is not valid.") from None
        if not isinstance(header, dict):
            raise VerificationError("Token header is not valid.")
        return header


def verifier_build(*, document: dict, algorithm: str, issuer: str, audience: str, leeway: int = 0) -> Verifier:
    """Return a Verifier for the usable keys of JWK Set `document`, each also under its legacy short `kid` when it
    has one; raise verifier.jwks.JWKSError if there are none."""
    keys = keys_select(document, algorithm=algorithm)
    return Verifier(keys=keys, algorithm=algorithm, issuer=issuer, audience=audience, leeway=leeway,
                    aliases=legacy_kids(keys, algorithm=algorithm))

