"""The token inspector decodes without a key, names the mistakes, and asks Token Lab for its verdict."""

import base64
import json
import time
from http import HTTPStatus

import pytest

from workshop.inspection import token_inspect

pytestmark = pytest.mark.django_db


def _segment(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _titles(report) -> list[str]:
    return [f["title"] for f in report["findings"]]


def test_inspect_real_token_is_accepted_and_clean(jwt_door):
    report = token_inspect(token=jwt_door.access)
    assert report["accepted_here"] is True
    assert report["header"]["typ"] == "at+jwt"
    assert report["payload"]["token_type"] == "access"
    assert report["bytes"] == len(jwt_door.access)
    assert [f["severity"] for f in report["findings"]] == ["info"]  # only "Time left"


def test_inspect_after_logout_reports_revoked(jwt_door):
    response = jwt_door.client.post("/jwt/logout/", {}, content_type="application/json", **jwt_door.auth_headers())
    assert response.status_code == HTTPStatus.NO_CONTENT
    report = token_inspect(token=jwt_door.access)
    assert report["accepted_here"] is False
    assert report["verdict"] == "Token Lab refuses this token: Token has been revoked."


def test_inspect_flags_alg_none_no_expiry_and_sensitive_claims():
    token = f"{_segment({'alg': 'none'})}.{_segment({'sub': '1', 'password': 'hunter2', 'email': 'a@b'})}."
    report = token_inspect(token=token)
    assert report["accepted_here"] is False
    assert "Unsigned token (alg: none)" in _titles(report)
    assert "No expiry" in _titles(report)
    sensitive = next(f for f in report["findings"] if f["title"] == "Sensitive data in the payload")
    assert "email, password" in sensitive["explanation"]


def test_inspect_flags_long_lived_access_token():
    now = int(time.time())
    token = f"{_segment({'alg': 'HS256'})}.{_segment({'iat': now, 'exp': now + 30 * 86400})}.c2ln"
    assert "Long-lived access token (30 days)" in _titles(token_inspect(token=token))


def test_inspect_flags_key_injection_headers():
    token = f"{_segment({'alg': 'HS256', 'jku': 'https://evil.example/k', 'kid': '../../etc/passwd'})}.{_segment({})}.x"
    titles = _titles(token_inspect(token=token))
    assert "Header names its own key (jku)" in titles and "Suspicious kid" in titles


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.@@@.###", "e30.e30.e30",
                                   _segment("[" * 5000) + ".e30.", base64.urlsafe_b64encode(b"[" * 30000).decode()
                                   + ".e30.x", "\x00.\x01.\x02"])
def test_inspect_garbage_never_raises(token):
    report = token_inspect(token=token)
    assert report["accepted_here"] is False
    assert report["findings"]


def test_inspect_api(client, jwt_door):
    response = client.post("/workshop/api/inspect/", {"token": jwt_door.access}, content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["accepted_here"] is True


@pytest.mark.parametrize("body", [{}, {"token": 5}, {"token": None}, {"token": "x" * 20000}, []])
def test_inspect_api_bad_input(client, body):
    response = client.post("/workshop/api/inspect/", body, content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid"


def test_inspector_page_renders(client):
    response = client.get("/workshop/inspector/")
    assert response.status_code == HTTPStatus.OK
    assert b"without a key" in response.content
