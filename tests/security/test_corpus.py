"""Replay the attack corpus (corpus.json) against every endpoint of both doors that accepts a credential.

Oracle for every case (see conftest.assert_refused): a 4xx, never a 5xx, no traceback, no echoed credential, and
no change of state — no note, family, refresh token, session, revocation or password written or altered.
"""

import json
from http import HTTPStatus

import pytest
from django.test import Client

from jwt_demo.tokens import ACCESS, REFRESH
from tests.support.attacks import NEW_PASSWORD, assert_refused, shared_client, state
from tests.support.forgery import CORPUS, expand, forge_all, reencodings
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

UNAUTHORIZED = {HTTPStatus.UNAUTHORIZED}
BODY_REFUSED = {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED}
BAD_INPUT = {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
             HTTPStatus.UNSUPPORTED_MEDIA_TYPE}
FORGED_NAMES = [case["name"] for case in CORPUS["forged_tokens"]] + [case["name"] for case in CORPUS["spliced_tokens"]]


def bearer_targets(creds) -> list[tuple[str, str, dict | None, bool]]:
    """(method, path, JSON body, with the victim's session cookie) of every request a Bearer token can open."""
    note = f"notes/{creds.note_id}/"
    targets = []
    for root, cookie in (("/jwt/api/", False), ("/session/api/", False), ("/session/api/", True)):
        targets += [("GET", root + "profile/", None, cookie), ("GET", root + "notes/", None, cookie),
                    ("POST", root + "notes/", {"title": "planted"}, cookie), ("GET", root + note, None, cookie),
                    ("DELETE", root + note, None, cookie), ("GET", root + "staff/report/", None, cookie)]
    return targets + [
        ("POST", "/jwt/logout/", {"refresh": creds.victim_tokens[REFRESH]}, False),
        ("POST", "/jwt/logout-all/", None, False),
        ("POST", "/jwt/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, False),
    ]


def send(creds, method: str, path: str, *, body=None, raw: bytes | None = None, content_type="application/json",
         cookie: bool = False, **meta):
    """Send one request from a fresh client; with `cookie`, as the victim's logged-in browser (with CSRF)."""
    client = shared_client()
    client.cookies.clear()
    if cookie:
        client.cookies["sessionid"] = creds.session_key
        client.cookies["csrftoken"] = creds.csrf_token
        meta.setdefault("HTTP_X_CSRFTOKEN", creds.csrf_token)
    data = raw if raw is not None else (json.dumps(body) if body is not None else b"")
    return client.generic(method, path, data, content_type=content_type, **meta)


def replay_bearer(creds, authorization: str, *, secrets: list[str], allowed=UNAUTHORIZED) -> None:
    before = state()
    for method, path, body, cookie in bearer_targets(creds):
        response = send(creds, method, path, body=body, cookie=cookie, HTTP_AUTHORIZATION=authorization)
        assert_refused(response, allowed=allowed, secrets=secrets, where=f"{method} {path} cookie={cookie}")
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            assert response["WWW-Authenticate"].startswith("Bearer"), f"{method} {path}"
    assert state() == before, "a hostile Bearer request changed state"


def replay_body_token(creds, token: str, *, secrets: list[str]) -> None:
    before = state()
    for path, name in (("/jwt/token/refresh/", "refresh"), ("/jwt/token/verify/", "token")):
        response = send(creds, "POST", path, body={name: token})
        assert_refused(response, allowed=BODY_REFUSED, secrets=secrets, where=path)
    # The hybrid door's refresh cookie, with a passing double-submit CSRF token so the cookie is really read.
    if token and token.isascii() and token.isprintable() and not any(c in token for c in ' ;,"\\'):
        client = shared_client()
        client.cookies.clear()
        client.cookies["tokenlab_refresh"] = token
        client.cookies["csrftoken"] = creds.csrf_token
        response = client.post("/jwt/hybrid/refresh/", HTTP_X_CSRFTOKEN=creds.csrf_token)
        assert_refused(response, allowed=UNAUTHORIZED, secrets=secrets, where="/jwt/hybrid/refresh/")
    assert state() == before, "a hostile body token changed state"


def _secrets(creds, token: str) -> list[str]:
    return creds.secrets() + ([token] if len(token) >= 12 else [])


@pytest.mark.parametrize("name", FORGED_NAMES)
def test_forged_token_is_refused_everywhere(creds, foreign, name):
    forged = {f.name: f.token for f in forge_all(
        now=int(__import__("time").time()), victim=creds.victim.pk, other=creds.other.pk, foreign=foreign,
        victim_tokens=creds.victim_tokens, other_tokens=creds.other_tokens, only=name)}
    token = forged[name]
    secrets = _secrets(creds, token)
    replay_bearer(creds, f"Bearer {token}", secrets=secrets)
    replay_body_token(creds, token, secrets=secrets)


@pytest.mark.parametrize("case", CORPUS["raw_tokens"], ids=lambda case: case["name"])
def test_raw_token_is_refused_everywhere(creds, case):
    token = expand(case["value"])
    secrets = _secrets(creds, token)
    replay_bearer(creds, f"Bearer {token}", secrets=secrets)
    replay_body_token(creds, token, secrets=secrets)


@pytest.mark.parametrize("token_type", [ACCESS, REFRESH])
def test_every_reencoding_of_a_genuine_token_is_refused(creds, token_type):
    """Non-canonical base64url (padding, `+/`, unused low bits) is refused outright: one token, one spelling."""
    for name, token in reencodings(creds.victim_tokens[token_type]):
        replay_body_token(creds, token, secrets=_secrets(creds, token))
        if token_type == ACCESS:
            replay_bearer(creds, f"Bearer {token}", secrets=_secrets(creds, token))
        assert name


@pytest.mark.parametrize("case", CORPUS["authorization_headers"], ids=lambda case: case["name"])
def test_hostile_authorization_header(creds, case):
    """A hostile Bearer credential is 401 on both doors; another scheme is "not mine": anonymous, or the cookie."""
    value = expand(case["value"], creds.context())
    secrets = creds.secrets()
    if case["bearer"]:
        replay_bearer(creds, value, secrets=secrets)
        return
    before = state()
    for method, path, body, cookie in bearer_targets(creds):
        if cookie and method != "GET":
            continue  # the cookie makes these genuine writes of the victim's; the GETs show the header is ignored
        response = send(creds, method, path, body=body, cookie=cookie, HTTP_AUTHORIZATION=value)
        if cookie:
            # The session door authenticates by cookie; another scheme is not its business: same answer as without.
            baseline = send(creds, method, path, body=body, cookie=cookie)
            assert response.status_code == baseline.status_code, f"{method} {path}"
            assert response.status_code in {HTTPStatus.OK, HTTPStatus.FORBIDDEN}
            continue
        expected = {HTTPStatus.FORBIDDEN} if path.startswith("/session/") else UNAUTHORIZED
        assert_refused(response, allowed=expected, secrets=secrets, where=f"{method} {path}")
    assert state() == before


def _body(case: dict, creds) -> bytes:
    if "body_hex" in case:
        return bytes.fromhex(case["body_hex"])
    if "body_utf16" in case:
        return case["body_utf16"].encode("utf-16")
    return expand(case["body"], creds.context()).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("case", CORPUS["json_bodies"], ids=lambda case: case["name"])
def test_hostile_body(creds, case):
    """Hostile bodies at the JSON endpoints that take credentials (and the note writer behind a valid token)."""
    raw = _body(case, creds)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {creds.victim_tokens[ACCESS]}"}
    targets = [("/jwt/token/", {}), ("/jwt/token/refresh/", {}), ("/jwt/token/verify/", {}),
               ("/jwt/api/notes/", bearer), ("/jwt/password/", bearer)]
    for path, meta in targets:
        before = state()
        response = send(creds, "POST", path, raw=raw, content_type=case["content_type"], **meta)
        assert_refused(response, allowed=BAD_INPUT, secrets=creds.secrets(), where=path)
        assert response["Content-Type"] == "application/json", path
        assert state() == before, f"{path} changed state"


@pytest.mark.parametrize("case", CORPUS["json_bodies"], ids=lambda case: case["name"])
def test_hostile_body_on_session_login(creds, case):
    """The same bodies against the session door's login form: never a 5xx, never a session."""
    raw = _body(case, creds)
    before = state()
    response = send(creds, "POST", "/session/login/", raw=raw, content_type=case["content_type"])
    assert_refused(response, allowed={HTTPStatus.OK, *BAD_INPUT, HTTPStatus.FORBIDDEN}, secrets=creds.secrets(),
                   where="/session/login/")
    assert "sessionid" not in response.cookies
    assert state() == before


@pytest.mark.parametrize("case", CORPUS["login_forms"], ids=lambda case: case["name"])
def test_hostile_login_form(creds, case):
    """Hostile credentials at both login doors: a generic refusal, no session, no tokens, nothing stored."""
    fields = {name: expand(value) for name, value in case["fields"].items()}
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1")
    client.get("/session/login/")
    before = state()
    form = {**fields, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    encoded = "&".join(f"{k}={_quote(v)}" for k, v in form.items())
    response = client.post("/session/login/", encoded, content_type="application/x-www-form-urlencoded")
    assert_refused(response, allowed={HTTPStatus.OK, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.BAD_REQUEST},
                   secrets=creds.secrets(), where="/session/login/")
    if response.status_code == HTTPStatus.OK:
        assert b"Please enter a correct username and password" in response.content
        assert b"attacker.example" not in response.content
    assert "sessionid" not in response.cookies or not response.cookies["sessionid"].value
    assert state() == before

    response = send(creds, "POST", "/jwt/token/", raw=json.dumps(fields).encode("utf-8", "surrogatepass"))
    allowed = {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.REQUEST_ENTITY_TOO_LARGE}
    assert_refused(response, allowed=allowed, secrets=creds.secrets(), where="/jwt/token/")
    assert state() == before


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("case", CORPUS["session_cookies"], ids=lambda case: case["name"])
def test_hostile_session_cookie(creds, case):
    """A hostile `sessionid` is an anonymous visitor on every page of the session door, never a 5xx."""
    value = expand(case["value"], creds.context())
    cookie = f"sessionid={value}; csrftoken={creds.csrf_token}"
    before = state()
    for method, path, anonymous in (("GET", "/session/api/profile/", {HTTPStatus.FORBIDDEN}),
                                    ("POST", "/session/api/notes/", {HTTPStatus.FORBIDDEN}),
                                    ("GET", "/session/", {HTTPStatus.FOUND}),
                                    ("GET", "/session/devices/", {HTTPStatus.FOUND}),
                                    ("GET", "/session/login/", {HTTPStatus.OK}),
                                    ("POST", "/session/logout/", {HTTPStatus.FOUND}),
                                    ("POST", "/session/devices/revoke-others/", {HTTPStatus.FOUND}),
                                    ("POST", "/session/password/", {HTTPStatus.FOUND})):
        client = shared_client()
        client.cookies.clear()
        response = client.generic(method, path, json.dumps({"title": "planted"}) if method == "POST" else b"",
                                  content_type="application/json", HTTP_COOKIE=cookie,
                                  HTTP_X_CSRFTOKEN=creds.csrf_token)
        assert_refused(response, allowed=anonymous | {HTTPStatus.BAD_REQUEST}, secrets=creds.secrets(),
                       where=f"{method} {path}")
        if response.status_code == HTTPStatus.FOUND:
            assert response["Location"].startswith("/session/login/"), path
        assert state() == before, f"{method} {path} changed state"
