"""Malformed input on both doors is a 4xx with a clear `{"detail", "code"}` body, never a 5xx, and changes nothing.

Each test runs once per door (the `door` fixture) and checks the state after the fact: no note, session, token
family, refresh token, revocation or account appears or disappears because of a bad request.
"""

import base64
import json
from http import HTTPStatus

import pytest
from django.conf import settings

from accounts.models import AuthEvent, User
from denylist.models import Revocation
from jwt_demo.models import RefreshToken, TokenFamily
from jwt_demo.tokens import ACCESS, codec
from resources.models import Note
from sessions_demo.models import DeviceSession
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def state() -> dict:
    return {
        "notes": Note.objects.count(), "sessions": DeviceSession.objects.count(),
        "families": TokenFamily.objects.count(), "refresh_tokens": RefreshToken.objects.count(),
        "rotated": RefreshToken.objects.filter(rotated_at__isnull=False).count(),
        "revocations": Revocation.objects.count(), "users": User.objects.count(),
        "passwords": list(User.objects.order_by("pk").values_list("password", flat=True)),
        "auth_events": AuthEvent.objects.count(),
    }


@pytest.fixture
def unchanged(door, other_user):
    """Yield after the door has logged in; fail the test if any durable state changed afterwards."""
    Note.objects.create(owner=door_user(door), title="mine")
    Note.objects.create(owner=other_user, title="theirs")
    before = state()
    yield before
    assert state() == before


def door_user(door) -> User:
    return User.objects.get(username=door.username)


def assert_error(response, status: int, code: str, detail: str | None = None):
    """The response is `status` with a JSON `{"detail", "code"}` body (plus `errors` for field errors)."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"detail", "code", "errors"}
    if detail is not None:
        assert body["detail"] == detail


def assert_still_signed_in(door):
    assert door.get("profile/").status_code == HTTPStatus.OK


TOO_DEEP = "JSON body is nested too deeply."
NOT_UTF8 = "JSON bodies must be UTF-8 encoded."
TOO_LARGE = "Request body is too large."

# (body, content type, status, code, detail): refused before any field is looked at, whatever the endpoint.
ENVELOPE_CASES = [
    pytest.param('{"title": "x"}', "text/plain", 415, "unsupported_media_type", None, id="text-plain"),
    pytest.param("<note><title>x</title></note>", "application/xml", 415, "unsupported_media_type", None,
                 id="xml"),
    pytest.param("title=x&body=y", "application/x-www-form-urlencoded", 415, "unsupported_media_type", None,
                 id="form-urlencoded"),
    pytest.param('--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--\r\n',
                 "multipart/form-data; boundary=b", 415, "unsupported_media_type", None, id="multipart"),
    pytest.param('{"title": "x"}', "application/json; charset=utf-7", 415, "unsupported_media_type", None,
                 id="utf-7"),
    pytest.param('{"title": "x"}', "application/json; charset=latin-1", 415, "unsupported_media_type", NOT_UTF8,
                 id="latin-1"),
    pytest.param('{"title": "x"}', "application/json; charset=klingon", 415, "unsupported_media_type", None,
                 id="unknown-charset"),
    pytest.param('{"title": "x"}', "application/json; charset=", 415, "unsupported_media_type", None,
                 id="empty-charset"),
    pytest.param('{"title": "x"}', "application/json; charset=rot13", 415, "unsupported_media_type", None,
                 id="rot13"),
    pytest.param("[" * 50_000, "application/json", 400, "parse_error", TOO_DEEP, id="deep-arrays"),
    pytest.param('{"a":' * 12_000, "application/json", 400, "parse_error", TOO_DEEP, id="deep-objects"),
    pytest.param('{"title": "' + "[" * 50_000, "application/json", 400, "parse_error", None, id="unterminated"),
    pytest.param(b'{"title": "\xff\xfe"}', "application/json", 400, "parse_error",
                 "JSON parse error - body is not valid UTF-8", id="invalid-utf8"),
    pytest.param(b'{"title": "\xed\xa0\x80"}', "application/json", 400, "parse_error",
                 "JSON parse error - body is not valid UTF-8", id="utf8-surrogate"),
    pytest.param('{"title": NaN}', "application/json", 400, "parse_error", None, id="nan"),
    pytest.param('{"title": Infinity}', "application/json", 400, "parse_error", None, id="infinity"),
    pytest.param('{"title": 1' + "1" * 5000 + "}", "application/json", 400, "parse_error", None, id="huge-int"),
    pytest.param("{'title': 'x'}", "application/json", 400, "parse_error", None, id="single-quotes"),
    pytest.param('{"title": "x"', "application/json", 400, "parse_error", None, id="truncated"),
    pytest.param("\ufeff{}", "application/json", 400, "parse_error", None, id="bom"),
    pytest.param(None, "application/json", 413, "payload_too_large", TOO_LARGE, id="too-large"),
]

# Well-formed JSON of the wrong shape: a validation error on every endpoint that requires a field.
SHAPE_CASES = [
    pytest.param("", id="empty-body"),
    pytest.param("null", id="null"),
    pytest.param("[]", id="empty-array"),
    pytest.param('[{"title": "x", "username": "alice", "password": "x"}]', id="array-of-objects"),
    pytest.param('"a string"', id="string"),
    pytest.param("42", id="number"),
    pytest.param("true", id="boolean"),
    pytest.param("[" * 500 + "]" * 500, id="nested-but-parseable"),
]


def oversized_body() -> str:
    return '{"title": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'


def raw(body: str | bytes | None) -> bytes:
    """Return the bytes to send: UTF-8 whatever the declared charset."""
    if body is None:
        body = oversized_body()
    return body.encode() if isinstance(body, str) else body


def send(door, path: str, body, content_type: str, **headers):
    """POST these exact bytes (`Client.post` would re-encode them into the declared charset, or crash on it)."""
    return door.client.generic("POST", path, raw(body), content_type=content_type, **headers)


# --- Resource endpoints -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "status", "code", "detail"), ENVELOPE_CASES)
def test_resource_refuses_malformed_bodies(door, unchanged, body, content_type, status, code, detail):
    response = send(door, door.url("notes/"), body, content_type, **door.auth_headers(unsafe=True))
    assert_error(response, status, code, detail)
    assert_still_signed_in(door)


@pytest.mark.parametrize("body", SHAPE_CASES)
def test_resource_refuses_wrong_shapes(door, unchanged, body):
    response = send(door, door.url("notes/"), body, "application/json", **door.auth_headers(unsafe=True))
    assert_error(response, HTTPStatus.BAD_REQUEST, "invalid", "Invalid input.")


@pytest.mark.parametrize("fields", [
    {"title": 1}, {"title": 1.5}, {"title": None}, {"title": ["x"]}, {"title": {"x": 1}}, {"title": True},
    {"title": "ok", "body": 7}, {"title": "ok", "body": None}, {"title": "ok", "body": ["x"]}, {"body": "only"},
])
def test_resource_refuses_ill_typed_fields(door, unchanged, fields):
    response = door.post("notes/", fields)
    assert_error(response, HTTPStatus.BAD_REQUEST, "invalid", "Invalid input.")
    assert set(response.json()["errors"]) == ({"title"} if set(fields) != {"title", "body"} else {"body"})


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
    "application/json; charset=utf8",
])
def test_resource_accepts_utf8_json(door, unchanged, content_type):
    """The positive control: the cases above are refused for their defect, not for being JSON."""
    response = door.post_raw("notes/", '{"title": "caf\u00e9"}'.encode(), content_type)
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["title"] == "caf\u00e9"
    Note.objects.filter(pk=response.json()["id"]).delete()  # keep the `unchanged` check about the bad inputs


def test_other_users_note_is_404(door, unchanged, other_user):
    theirs = Note.objects.get(owner=other_user)
    for response in (door.get(f"notes/{theirs.pk}/"), door.delete(f"notes/{theirs.pk}/")):
        assert_error(response, HTTPStatus.NOT_FOUND, "not_found", "No such note.")


@pytest.mark.parametrize("method", ["put", "patch"])
def test_unsupported_methods_are_405(door, unchanged, method):
    mine = Note.objects.get(owner=door_user(door))
    response = getattr(door.client, method)(door.url(f"notes/{mine.pk}/"), '{"title": "x"}',
                                            content_type="application/json", **door.auth_headers(unsafe=True))
    assert_error(response, HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed")


# --- Token endpoints ------------------------------------------------------------------------------------------------

JWT_ANONYMOUS = ["/jwt/token/", "/jwt/token/refresh/", "/jwt/token/verify/"]
JWT_BEARER = ["/jwt/logout/", "/jwt/password/"]


def post_token_endpoint(door, path: str, body, content_type: str):
    headers = door.auth_headers(unsafe=True) if path in JWT_BEARER or door.door == "session" else {}
    return send(door, path, body, content_type, **headers)


def token_endpoints(door) -> list[str]:
    return JWT_ANONYMOUS + JWT_BEARER if door.door == "jwt" else ["/session/login/", "/session/password/"]


def assert_form_refused(response):
    """The session door's endpoints are HTML forms: a body they cannot read is a form with errors, not a 5xx."""
    assert response.status_code == HTTPStatus.OK, response.content[:300]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert 'class="errors"' in response.content.decode()


@pytest.mark.parametrize(("body", "content_type", "status", "code", "detail"), ENVELOPE_CASES)
def test_token_endpoints_refuse_malformed_bodies(door, unchanged, body, content_type, status, code, detail):
    for path in token_endpoints(door):
        response = post_token_endpoint(door, path, raw(body), content_type)
        if door.door == "jwt":
            assert_error(response, status, code, detail)
            if "charset=" not in content_type:  # a bad charset is refused by middleware, before the view
                assert response["Cache-Control"] == "no-store"
        elif status == HTTPStatus.UNSUPPORTED_MEDIA_TYPE and "charset" in content_type and detail is None:
            # A charset nothing here can decode is refused before any form reads the body.
            assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
            assert response["Content-Type"] == "text/plain; charset=utf-8"
        else:
            assert_form_refused(response)
    assert_still_signed_in(door)


@pytest.mark.parametrize("body", SHAPE_CASES)
def test_token_endpoints_refuse_wrong_shapes(door, unchanged, body):
    for path in token_endpoints(door):
        if door.door == "session":
            assert_form_refused(post_token_endpoint(door, path, body, "application/json"))
        elif path == "/jwt/logout/" and body == "":
            continue  # an empty body is a valid logout (the refresh token is optional)
        else:
            response = post_token_endpoint(door, path, body, "application/json")
            assert_error(response, HTTPStatus.BAD_REQUEST, "invalid", "Invalid input.")
    assert_still_signed_in(door)


def test_token_endpoints_refuse_too_large_forms(door, unchanged):
    """A form body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 on the HTML endpoints too."""
    body = "username=alice&password=" + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for path in token_endpoints(door):
        response = post_token_endpoint(door, path, body, "application/x-www-form-urlencoded")
        expected = HTTPStatus.UNSUPPORTED_MEDIA_TYPE if door.door == "jwt" else HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        assert response.status_code == expected
    assert_still_signed_in(door)


@pytest.mark.parametrize(("path", "fields"), [
    ("/jwt/token/", {"username": 1, "password": 2}),
    ("/jwt/token/", {"username": None, "password": None}),
    ("/jwt/token/", {"username": ["alice"], "password": [PASSWORD]}),
    ("/jwt/token/", {"username": {"alice": 1}, "password": {}}),
    ("/jwt/token/refresh/", {"refresh": 1}),
    ("/jwt/token/refresh/", {"refresh": {"jti": "x"}}),
    ("/jwt/token/verify/", {"token": ["a", "b"]}),
    ("/jwt/token/verify/", {"token": None}),
    ("/jwt/logout/", {"refresh": 12}),
    ("/jwt/logout/", {"refresh": None}),
    ("/jwt/password/", {"old_password": 1, "new_password": ["x"]}),
    ("/jwt/password/", {"old_password": None, "new_password": None}),
])
def test_jwt_token_endpoints_refuse_ill_typed_fields(jwt_door, other_user, path, fields):
    before = state()
    response = post_token_endpoint(jwt_door, path, json.dumps(fields), "application/json")
    assert_error(response, HTTPStatus.BAD_REQUEST, "invalid", "Invalid input.")
    assert set(response.json()["errors"]) == set(fields)
    assert state() == before
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK


# --- Authorization headers -------------------------------------------------------------------------------------------

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def nested_header_token(depth: int) -> str:
    return f"{b64(b'[' * depth)}.{b64(b'{}')}.{b64(b'sig')}"


def malformed_authorizations(access: str) -> list[tuple[str, str]]:
    """(Authorization header, expected error code) pairs that must all be 401 on the JWT door."""
    head, payload, signature = access.split(".")
    expired, _ = codec.encode(token_type=ACCESS, user_id=1, family="0" * 32, expires_at=1_000_000_000)
    return [
        ("Bearer", "bad_authorization_header"),
        ("Bearer ", "bad_authorization_header"),
        ("Bearer a b", "bad_authorization_header"),
        (f"Bearer {access} {access}", "bad_authorization_header"),
        (f"Bearer\t{access}", "bad_authorization_header"),
        (f"Bearer \t{access}", "bad_authorization_header"),
        ("Basic xyz", "not_authenticated"),
        (f"Token {access}", "not_authenticated"),
        (f"Bearer,{access}", "not_authenticated"),
        ("", "not_authenticated"),
        ("Bearer a.b.c", "token_not_valid"),
        ("Bearer ...", "token_not_valid"),
        ("Bearer a.b", "token_not_valid"),
        (f"Bearer {head}.{payload}", "token_not_valid"),
        (f"Bearer {head}.{payload}.", "token_not_valid"),
        (f"Bearer {head}.{payload}.{signature[:-2]}", "token_not_valid"),
        (f"Bearer {head}.{payload}.{signature}=", "token_not_valid"),
        (f"Bearer {head}.{b64(b'{}')}.{signature}", "token_not_valid"),
        ("Bearer " + "a" * 100_000, "token_not_valid"),
        ("Bearer " + ".".join(["a" * 30_000] * 3), "token_not_valid"),
        ("Bearer " + nested_header_token(20_000), "token_not_valid"),
        ("Bearer " + nested_header_token(380), "token_not_valid"),
        (f"Bearer {expired}", "token_expired"),
        ("Bearer caf\u00e9.e30.sig", "bad_authorization_header"),
        (f"Bearer {access}\x00", "bad_authorization_header"),
        ("Bearer \x7f", "bad_authorization_header"),
    ]


def test_malformed_authorization_headers_are_401(jwt_door, other_user, django_assert_num_queries):
    before = state()
    for header, code in malformed_authorizations(jwt_door.access):
        with django_assert_num_queries(0):  # refused before any database or revocation lookup
            response = jwt_door.client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=header)
        assert response.status_code == HTTPStatus.UNAUTHORIZED, (header[:40], response.content[:200])
        assert response.json()["code"] == code, header[:40]
        assert response["WWW-Authenticate"].startswith("Bearer"), header[:40]
        assert jwt_door.access not in response.content.decode()
        assert jwt_door.access not in response["WWW-Authenticate"]
    assert state() == before


def test_malformed_authorization_headers_on_writes_change_nothing(jwt_door, other_user):
    before = state()
    for header, _code in malformed_authorizations(jwt_door.access):
        for path in ("/jwt/api/notes/", "/jwt/logout/", "/jwt/logout-all/", "/jwt/password/"):
            response = jwt_door.client.post(path, json.dumps({"title": "x", "old_password": PASSWORD,
                                                              "new_password": "another passphrase 99"}),
                                            content_type="application/json", HTTP_AUTHORIZATION=header)
            assert response.status_code == HTTPStatus.UNAUTHORIZED, (path, header[:40])
    assert state() == before
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("template", ["bearer {}", "BEARER {}", "Bearer  {}", "Bearer {} ", "  Bearer {}"])
def test_bearer_scheme_is_case_insensitive(jwt_door, template):
    """RFC 9110 §11.1: the auth scheme is case-insensitive; RFC 9110 §11.4 allows several spaces before it."""
    response = jwt_door.client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=template.format(jwt_door.access))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["username"] == "alice"


def test_session_door_refuses_an_invalid_bearer_beside_a_valid_cookie(session_door, jwt_door, other_user):
    before = state()
    for header, code in malformed_authorizations(jwt_door.access):
        if code == "not_authenticated":
            continue  # not a Bearer credential: the session cookie alone decides
        for response in (
            session_door.get("profile/", HTTP_AUTHORIZATION=header),
            session_door.post("notes/", {"title": "x"}, HTTP_AUTHORIZATION=header),
        ):
            assert response.status_code == HTTPStatus.UNAUTHORIZED, (header[:40], response.content[:200])
            assert response.json()["code"] == code
            assert response["WWW-Authenticate"].startswith("Bearer")
    assert state() == before
    assert session_door.get("profile/").status_code == HTTPStatus.OK


def test_session_door_ignores_other_schemes_beside_a_valid_cookie(session_door):
    response = session_door.get("profile/", HTTP_AUTHORIZATION="Basic YWxpY2U6cGFzcw==")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["username"] == "alice"


def test_session_door_refuses_a_revoked_bearer_beside_a_valid_cookie(session_door, jwt_door):
    access = jwt_door.access
    response = jwt_door.client.post("/jwt/logout/", content_type="application/json", **jwt_door.auth_headers())
    assert response.status_code == HTTPStatus.NO_CONTENT
    response = session_door.get("profile/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert_error(response, HTTPStatus.UNAUTHORIZED, "token_revoked", "Token has been revoked.")
