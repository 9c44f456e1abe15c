"""Service B over HTTP: `GET /whoami` with `Authorization: Bearer <access token>` → 200 the claims, or 401.

Run it with `gunicorn verifier.wsgi` or `python -m verifier`. Configuration comes from the environment and is
read once, when the server loads `application` (PEP 562 module `__getattr__`): importing this module for tests
or for `create_app` reads nothing and fetches nothing.

- `VERIFIER_JWKS_FILE`: path to the auth server's JWK Set, or
- `VERIFIER_JWKS_URL`: where to fetch it, once, at start (e.g. http://127.0.0.1:8000/.well-known/jwks.json);
- `VERIFIER_ALGORITHM` (RS256, ES256 or EdDSA; default RS256), `VERIFIER_ISSUER` (token-lab),
  `VERIFIER_AUDIENCE` (token-lab-api), `VERIFIER_LEEWAY` (seconds, 0).
"""

import json
import os
import re

from verifier.jwks import JWKSError, jwks_fetch, jwks_read
from verifier.verify import VerificationError, Verifier, verifier_build

REALM = 'Bearer realm="service-b"'
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+([A-Za-z0-9_.-]+)[ \t]*")


def _respond(start_response, status: str, body: dict | None, headers: list[tuple[str, str]] = ()) -> list[bytes]:
    payload = json.dumps(body).encode() if body is not None else b""
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                            ("Cache-Control", "no-store"), *headers])
    return [payload]


def create_app(verifier: Verifier):
    """Return a WSGI application answering `GET /whoami` with `verifier`'s verdict on the Bearer token."""

    def application(environ, start_response):
        if environ.get("PATH_INFO") != "/whoami":
            return _respond(start_response, "404 Not Found", {"detail": "Not found.", "code": "not_found"})
        if environ.get("REQUEST_METHOD") != "GET":
            return _respond(start_response, "405 Method Not Allowed",
                            {"detail": "Method not allowed.", "code": "method_not_allowed"}, [("Allow", "GET")])
        header = environ.get("HTTP_AUTHORIZATION")
        if header is None:
            # RFC 6750 §3.1: no error code when the request carried no credentials at all.
            return _respond(start_response, "401 Unauthorized",
                            {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"},
                            [("WWW-Authenticate", REALM)])
        match = _BEARER.fullmatch(header)
        try:
            if match is None:
                raise VerificationError("Invalid Authorization header: expected Bearer and a token.",
                                        "bad_authorization_header")
            claims = verifier.verify(match.group(1))
        except VerificationError as exc:
            return _respond(start_response, "401 Unauthorized", {"detail": exc.detail, "code": exc.code},
                            [("WWW-Authenticate", f'{REALM}, error="invalid_token"')])
        return _respond(start_response, "200 OK", claims)

    return application


def verifier_from_environment(environ=os.environ) -> Verifier:
    """Build the Verifier the environment describes; read or fetch the JWKS now. Raise JWKSError if unusable."""
    path, url = environ.get("VERIFIER_JWKS_FILE"), environ.get("VERIFIER_JWKS_URL")
    if bool(path) == bool(url):
        raise JWKSError("set exactly one of VERIFIER_JWKS_FILE and VERIFIER_JWKS_URL")
    document = jwks_read(path) if path else jwks_fetch(url)
    try:
        leeway = int(environ.get("VERIFIER_LEEWAY", "0"))
    except ValueError:
        raise JWKSError("VERIFIER_LEEWAY must be an integer number of seconds") from None
    return verifier_build(document=document, algorithm=environ.get("VERIFIER_ALGORITHM", "RS256"),
                          issuer=environ.get("VERIFIER_ISSUER", "token-lab"),
                          audience=environ.get("VERIFIER_AUDIENCE", "token-lab-api"), leeway=leeway)


def __getattr__(name: str):
    # The server asks for `application` once, as it starts: that is when the key set is read (or fetched).
    if name == "application":
        app = create_app(verifier_from_environment())
        globals()["application"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
