"""Get a credential through each door, and revoke it the way that door's users do.

Everything goes through a `Transport`, so the same code logs in in-process and over HTTP. A login returns the
credential and how long its password-checking request took: that is the login cost, measured apart from the
steady state. Revocation is the door's own: session logout, JWT logout (family and jti), deleting a DRF token.
"""

import base64
import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from django.conf import settings

from bench.authentication import HEADER
from bench.transport import Transport, form_body, json_body


class BenchError(Exception):
    """The benchmark cannot go on: a login or request did not answer as a working server must."""


@dataclass
class Credential:
    """What a client presents on every request (`headers`), the credential itself (`value`, whose length is the
    credential's size) and, for a JWT, its `exp` (Unix seconds). `extra` holds what revocation needs."""

    headers: dict
    value: str
    expires_at: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Account:
    user_id: int
    username: str
    password: str


def _expect(response, status: int, what: str):
    if response.status != status:
        raise BenchError(f"{what}: expected HTTP {status}, got {response.status}: {response.body[:200]!r}")
    return response


def _timed(transport: Transport, *args, **kwargs):
    started = time.perf_counter()
    response = transport.request(*args, **kwargs)
    return response, time.perf_counter() - started


# --- logins: (transport, account) -> (credential, seconds of the password-checking request) ---------------------
def login_asserted(transport: Transport, account: Account) -> tuple[Credential, float]:
    """The baseline has no login and no credential: the user id travels in a header nobody checks."""
    return Credential({HEADER: str(account.user_id)}, ""), 0.0


def login_session(transport: Transport, account: Account) -> tuple[Credential, float]:
    """Log in through the session door's form (CSRF cookie first), as a browser does."""
    form = _expect(transport.request("GET", "/session/login/"), HTTPStatus.OK, "GET /session/login/")
    csrf = form.cookies.get(settings.CSRF_COOKIE_NAME)
    if not csrf:
        raise BenchError("GET /session/login/ set no CSRF cookie")
    headers, body = form_body({"username": account.username, "password": account.password,
                               "csrfmiddlewaretoken": csrf})
    response, seconds = _timed(transport, "POST", "/session/login/",
                               {"Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf}", **headers}, body)
    _expect(response, HTTPStatus.FOUND, "POST /session/login/")
    session_key = response.cookies.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        raise BenchError("POST /session/login/ set no session cookie")
    csrf = response.cookies.get(settings.CSRF_COOKIE_NAME, csrf)  # login rotates the CSRF token
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return Credential({"Cookie": cookie}, session_key, extra={"csrf": csrf}), seconds


def login_jwt(transport: Transport, account: Account) -> tuple[Credential, float]:
    """Obtain a token pair from `/jwt/token/`; the access token is the credential."""
    headers, body = json_body({"username": account.username, "password": account.password})
    response, seconds = _timed(transport, "POST", "/jwt/token/", headers, body)
    access = _expect(response, HTTPStatus.OK, "POST /jwt/token/").json()["access"]
    return Credential({"Authorization": f"Bearer {access}"}, access, expires_at=jwt_expiry(access)), seconds


def login_drf_token(transport: Transport, account: Account) -> tuple[Credential, float]:
    """Obtain a key from DRF's own `obtain_auth_token` view (mounted by config.bench_urls)."""
    headers, body = json_body({"username": account.username, "password": account.password})
    response, seconds = _timed(transport, "POST", "/bench/drf-token/token/", headers, body)
    key = _expect(response, HTTPStatus.OK, "POST /bench/drf-token/token/").json()["token"]
    return Credential({"Authorization": f"Token {key}"}, key), seconds


def jwt_expiry(token: str) -> float:
    """Read `exp` from a JWT payload without verifying it (only to say how long a revoked token lives on)."""
    payload = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])


# --- revocations: (transport, credential) -> None ---------------------------------------------------------------
def revoke_session(transport: Transport, credential: Credential) -> None:
    """Log out through the session door: the session row (and its cached copy) is deleted server-side."""
    csrf = credential.extra["csrf"]
    cookie = f"{credential.headers['Cookie']}; {settings.CSRF_COOKIE_NAME}={csrf}"
    _expect(transport.request("POST", "/session/logout/", {"Cookie": cookie, "X-CSRFToken": csrf}),
            HTTPStatus.FOUND, "POST /session/logout/")


def revoke_jwt(transport: Transport, credential: Credential) -> None:
    """Log out through the JWT door: the token's family and jti go into Token Lab's revocation store."""
    headers, body = json_body({})
    _expect(transport.request("POST", "/jwt/logout/", {**credential.headers, **headers}, body),
            HTTPStatus.NO_CONTENT, "POST /jwt/logout/")


def revoke_drf_token(transport: Transport, credential: Credential) -> None:
    """DRF has no logout endpoint: revoking a key means deleting its row (the shared database)."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(key=credential.value).delete()


LOGINS = {
    "asserted": (login_asserted, None),
    "session": (login_session, revoke_session),
    "jwt": (login_jwt, revoke_jwt),
    "drf-token": (login_drf_token, revoke_drf_token),
}
