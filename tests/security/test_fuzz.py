"""Property-based fuzzing on top of the corpus: whatever arrives in the Authorization header, the refresh body or
the session cookie, the answer is a 4xx (or, for a foreign scheme or an unknown cookie, the anonymous answer) and
never a 5xx. Strategies mix pure noise with mutations of genuine tokens, which reach deeper into the parser.

Example counts stay modest (the whole suite must run well under 10 minutes in CI); the database is not reset
between examples, which is fine because no example may change it — and that is asserted too.
"""

import json
import string
from http import HTTPStatus

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jwt_demo.tokens import ACCESS, REFRESH
from tests.support.attacks import assert_refused, shared_client, state

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
B64URL = string.ascii_letters + string.digits + "-_"

segment = st.text(alphabet=B64URL, max_size=60)
noise = st.text(max_size=200)
latin1 = st.text(alphabet=st.characters(max_codepoint=255), max_size=200)
json_fragment = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


@st.composite
def mutated(draw, token: str) -> str:
    """A genuine token with one mutation: a character changed, a segment dropped/duplicated/replaced, junk added."""
    parts = token.split(".")
    kind = draw(st.sampled_from(["char", "drop", "dup", "replace", "append", "json"]))
    if kind == "char":
        i = draw(st.integers(0, len(token) - 1))
        new = draw(st.characters(max_codepoint=0x7F).filter(lambda c: c != token[i]))
        return token[:i] + new + token[i + 1:]
    if kind == "drop":
        i = draw(st.integers(0, 2))
        return ".".join(parts[:i] + parts[i + 1:])
    if kind == "dup":
        i = draw(st.integers(0, 2))
        return ".".join(parts[:i + 1] + [parts[i]] + parts[i + 1:])
    if kind == "replace":
        i = draw(st.integers(0, 2))
        parts[i] = draw(segment)
        return ".".join(parts)
    if kind == "json":
        import base64

        i = draw(st.integers(0, 1))
        raw = json.dumps(draw(json_fragment)).encode()
        parts[i] = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return ".".join(parts)
    return token + draw(st.text(min_size=1, max_size=50))


def _tokens(creds):
    return st.one_of(
        noise, latin1, st.builds(lambda a, b, c: f"{a}.{b}.{c}", segment, segment, segment),
        mutated(creds.victim_tokens[ACCESS]), mutated(creds.victim_tokens[REFRESH]),
    )


def _request(method, path, *, body=None, **meta):
    client = shared_client()
    client.cookies.clear()
    return client.generic(method, path, json.dumps(body) if body is not None else b"",
                          content_type="application/json", **meta)


def test_fuzz_authorization_header(creds):
    before = state()

    @FUZZ
    @given(data=st.data())
    def check(data):
        value = data.draw(st.one_of(
            st.builds(lambda t: f"Bearer {t}", _tokens(creds)), latin1, noise,
            st.builds(lambda s, t: f"{s} {t}", st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Token"]),
                      _tokens(creds)),
        ))
        for path in ("/jwt/api/profile/", "/session/api/notes/", "/jwt/logout/"):
            method = "POST" if path == "/jwt/logout/" else "GET"
            response = _request(method, path, HTTP_AUTHORIZATION=value)
            allowed = {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
            assert_refused(response, allowed=allowed, secrets=creds.secrets(), where=f"{path} {value!r}")

    check()
    assert state() == before


def test_fuzz_refresh_body(creds):
    before = state()

    @FUZZ
    @given(data=st.data())
    def check(data):
        value = data.draw(st.one_of(_tokens(creds), json_fragment))
        body = data.draw(st.sampled_from(["refresh", "token", "both"]))
        payload = {"refresh": value, "token": value} if body == "both" else {body: value}
        for path in ("/jwt/token/refresh/", "/jwt/token/verify/"):
            response = _request("POST", path, body=payload)
            assert_refused(response, allowed={HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED},
                           secrets=creds.secrets(), where=f"{path} {value!r}")

    check()
    assert state() == before


def test_fuzz_session_cookie(creds):
    before = state()

    @FUZZ
    # A WSGI server hands Django headers decoded as latin-1 (PEP 3333), so that is the alphabet of a real cookie.
    @given(value=st.one_of(latin1, st.text(alphabet=string.ascii_lowercase + string.digits, min_size=32,
                                                  max_size=32), st.builds(lambda s: creds.session_key[:-len(s)] + s
                                                                          if s else creds.session_key + "x",
                                                                          st.text(alphabet=st.characters(max_codepoint=255),
                                                                                  max_size=3))))
    def check(value):
        # Rewriting the key's last characters can rebuild the key itself (e.g. "ws" for "ws"): that is no forgery.
        assume(value != creds.session_key)
        response = _request("GET", "/session/api/profile/", HTTP_COOKIE=f"sessionid={value}")
        assert_refused(response, allowed={HTTPStatus.FORBIDDEN}, secrets=creds.secrets(), where=repr(value))
        response = _request("GET", "/session/", HTTP_COOKIE=f"sessionid={value}")
        assert response.status_code == HTTPStatus.FOUND

    check()
    assert state() == before
