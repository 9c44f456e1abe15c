"""Service B in the room: the stand-alone verifier mounted in-process, holding nothing but published public keys.

The article's microservice claim needs a second service that verifies Token Lab's access tokens with public keys
only. `verifier/` is that service; this module runs it inside `make run`, so a participant needs no terminal:

- `GET /workshop/service-b/whoami` is verifier's own WSGI application, given a `Verifier` built from a JWK Set
  document and nothing else — no database, no Redis, no settings, no call back to Token Lab. The lab's measurement
  of that request shows it: 0 queries, 0 Redis commands.
- Which keys? With an asymmetric `JWT_ALGORITHM` (RS256, ES256, EdDSA), Token Lab's published key set
  (`/.well-known/jwks.json`) and the participant's own access token. With HS256 (the default) nothing can be
  published — an HMAC secret verifies only where it signs — so Token Lab also holds a *lab key* (Ed25519) for
  this lesson, published at `/workshop/service-b/jwks.json`. `service_b_token` signs, with it, a copy of the
  caller's live access token carrying the very same claims: the same `jti`, login (`fam`), user, `auth_time`
  and `exp`. It is a real Token Lab token: `LabTokenAuthentication` checks it against the same revocation store
  the JWT door uses, so after a logout Token Lab refuses it at the next request, while service B — no denylist —
  accepts it until `exp`. That is the "no denylist" lesson, shown side by side, honestly.

The lab key is derived from `SECRET_KEY` (so every worker and host of one deployment holds the same key) and
signs nothing but these copies; Token Lab's own doors never accept it.
"""

import io
import json
import sys
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.crypto import salted_hmac
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from denylist import clock, revocation
from denylist.entries import Query
from jwt_demo.keys import ASYMMETRIC, LEGACY_KID_LENGTH, keyring, public_jwk
from jwt_demo.tokens import TokenUser
from verifier.verify import Verifier, verifier_build
from verifier.wsgi import create_app

LAB_ALGORITHM = "EdDSA"
ACCESS_TYP = "at+jwt"
_REQUIRED = ["exp", "iat", "sub", "iss", "aud", "jti"]


def _lab_private_key() -> ed25519.Ed25519PrivateKey:
    # A 32-byte seed derived from SECRET_KEY: the same key on every worker, never stored, never published.
    seed = salted_hmac("tokenlab.workshop.service-b-lab-key", "ed25519", algorithm="sha256").digest()
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


@lru_cache(maxsize=1)
def _lab_key() -> tuple[ed25519.Ed25519PrivateKey, dict]:
    private = _lab_private_key()
    return private, public_jwk(private.public_key(), LAB_ALGORITHM)


def uses_lab_key() -> bool:
    """Tell whether service B needs the lab key: Token Lab signs with HS256, whose key cannot be published."""
    return settings.JWT_ALGORITHM not in ASYMMETRIC


def published_jwks() -> dict:
    """Return the key set service B is given: Token Lab's published keys, or the lab key's (HS256)."""
    if uses_lab_key():
        return {"keys": [_lab_key()[1]]}
    return keyring().jwks()


@lru_cache(maxsize=1)
def _service_b() -> tuple[Verifier, object]:
    # Service B is handed the key set as a JSON document, exactly as it would read it from a file or a URL, and
    # builds its own verifier from it with its own code: nothing else of Token Lab's crosses over.
    document = json.loads(json.dumps(published_jwks()))
    algorithm = LAB_ALGORITHM if uses_lab_key() else settings.JWT_ALGORITHM
    verifier = verifier_build(document=document, algorithm=algorithm, issuer=settings.JWT_ISSUER,
                              audience=settings.JWT_AUDIENCE)
    return verifier, create_app(verifier)


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    if setting in {"JWT_ALGORITHM", "JWT_SIGNING_KEY", "JWT_VERIFYING_KEYS", "SECRET_KEY", "JWT_ISSUER",
                   "JWT_AUDIENCE"}:
        _lab_key.cache_clear()
        _service_b.cache_clear()


def service_b_call(request) -> HttpResponse:
    """Hand `request` to service B's WSGI application as `GET /whoami` and return its answer unchanged.

    Only what an HTTP request carries is passed on (method and headers); the Django request's session, user
    and database connection stay on this side.
    """
    environ = {
        "REQUEST_METHOD": request.method, "PATH_INFO": "/whoami", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "service-b", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if "HTTP_AUTHORIZATION" in request.META:
        environ["HTTP_AUTHORIZATION"] = request.META["HTTP_AUTHORIZATION"]
    captured: dict = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    body = b"".join(_service_b()[1](environ, start_response))
    response = HttpResponse(body, status=int(captured["status"].split(" ", 1)[0]))
    for name, value in captured["headers"]:
        if name.lower() != "content-length":
            response[name] = value
    return response


def service_b_token(*, access_token: str) -> dict:
    """Return the token the participant hands service B, for their live access token `access_token`.

    With an asymmetric algorithm it is that very token. With HS256 it is a lab-key copy with the same claims
    (the caller has already authenticated `access_token` through the JWT door, so its claims are Token Lab's).
    """
    if not uses_lab_key():
        return {"token": access_token, "same_token": True, "algorithm": settings.JWT_ALGORITHM,
                "token_lab_url": "/jwt/api/profile/"}
    claims = jwt.decode(access_token, options={"verify_signature": False})
    private, jwk = _lab_key()
    token = jwt.encode(claims, private, algorithm=LAB_ALGORITHM, headers={"kid": jwk["kid"], "typ": ACCESS_TYP})
    return {"token": token, "same_token": False, "algorithm": LAB_ALGORITHM,
            "token_lab_url": "/workshop/lab/token-lab/profile/"}


def lab_token_claims(token: str) -> dict:
    """Return the claims of a valid lab-key access token; raise AuthenticationFailed. Revocation is not checked."""
    private, jwk = _lab_key()
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
        raise AuthenticationFailed("Token header is not valid.", "token_not_valid") from None
    # The algorithm is pinned by the key, never read from the token (RFC 8725 §3.1).
    # The lab key's kid is its full RFC 7638 thumbprint; copies made before that carry the 22-character legacy kid.
    kids = (jwk["kid"], jwk["kid"][:LEGACY_KID_LENGTH])
    if header.get("alg") != LAB_ALGORITHM or header.get("kid") not in kids or header.get("typ") != ACCESS_TYP:
        raise AuthenticationFailed("Token was not signed with the lab key.", "token_not_valid")
    try:
        claims = jwt.decode(token, private.public_key(), algorithms=[LAB_ALGORITHM], audience=settings.JWT_AUDIENCE,
                            issuer=settings.JWT_ISSUER, leeway=settings.JWT_LEEWAY, options={"require": _REQUIRED})
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("Token is expired.", "token_expired") from None
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError, RecursionError):
        raise AuthenticationFailed("Token is invalid.", "token_not_valid") from None
    sub, fam, auth_time = claims.get("sub"), claims.get("fam"), claims.get("auth_time")
    if claims.get("token_type") != "access" or not isinstance(sub, str) or not sub.isdigit() or len(sub) > 18 \
            or not isinstance(fam, str) or not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        raise AuthenticationFailed("Token claims are malformed.", "token_not_valid")
    return claims


class LabTokenAuthentication(BaseAuthentication):
    """Token Lab's check of a lab-key token: signature, claims, then the JWT door's revocation check.

    The revocation query is the door's (jti, login family, user cut-off against `auth_time`), on the same store,
    under the same teaching toggle (`REVOCATION_ENABLED`). Return None for a request without a Bearer token.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid Authorization header.", "bad_authorization_header")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid Authorization header.", "bad_authorization_header") from None
        claims = lab_token_claims(token)
        if settings.REVOCATION_ENABLED and revocation.is_revoked(Query(
                jti=claims["jti"], family=claims["fam"], user_id=int(claims["sub"]),
                issued_at_ms=clock.claim_ms(claims["auth_time"]))):
            raise AuthenticationFailed("Token has been revoked.", "token_revoked")
        return TokenUser(int(claims["sub"])), claims

    def authenticate_header(self, request):
        return 'Bearer realm="token-lab"'
