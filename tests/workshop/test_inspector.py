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


def _raw_segment(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def _inspect_raw(client, header: str, payload: str):
    token = f"{_raw_segment(header)}.{_raw_segment(payload)}.c2ln"
    response = client.post("/workshop/api/inspect/", {"token": token}, content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["accepted_here"] is False
    assert body["verdict"].startswith("Token Lab refuses this token: ")
    assert body["bytes"] == len(token) and body["signature_bytes"] == 3
    return body


@pytest.mark.parametrize(("literal", "reason"), [
    ("NaN", "uses NaN, which is not a JSON number (RFC 8259 §6)"),
    ("Infinity", "uses Infinity, which is not a JSON number (RFC 8259 §6)"),
    ("-Infinity", "uses -Infinity, which is not a JSON number (RFC 8259 §6)"),
    ("1e400", "holds the number 1e400, too large for any JSON parser to read (RFC 8259 §6)"),
])
@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_inspect_api_non_json_numbers_in_time_claims_are_findings(client, claim, literal, reason):
    # Python's json reads these (1e400 as inf); answering with them could not be rendered as JSON: a 500 before.
    body = _inspect_raw(client, '{"alg":"HS256"}', f'{{"{claim}": {literal}, "sub": "1"}}')
    assert body["header"] == {"alg": "HS256"} and body["payload"] is None
    assert body["findings"] == [{"severity": "danger", "title": "Unreadable payload",
                                 "explanation": f"The payload {reason}."}]


def test_inspect_api_nan_in_header_is_a_finding(client):
    body = _inspect_raw(client, '{"alg":"HS256","typ":NaN}', '{"sub": "1"}')
    assert body["header"] is None and body["payload"] == {"sub": "1"}
    assert body["findings"] == [
        {"severity": "danger", "title": "Unreadable header",
         "explanation": "The header uses NaN, which is not a JSON number (RFC 8259 §6)."},
        {"severity": "danger", "title": "No expiry", "explanation": "Without exp a stolen token works forever."},
    ]


HUGE = "9" * 400


@pytest.mark.parametrize("exp", [HUGE, f"-{HUGE}", "1000000000000", "1e300"])
def test_inspect_api_huge_exp_is_a_finding(client, exp):
    body = _inspect_raw(client, '{"alg":"HS256"}', f'{{"exp": {exp}}}')
    assert body["payload"] == {"exp": json.loads(exp)}
    digits = len(str(int(json.loads(exp))))
    assert body["findings"] == [
        {"severity": "danger", "title": "exp is not a finite NumericDate",
         "explanation": f"exp should be seconds since 1970 (RFC 7519 §2); this one is {digits} digits long. A verifier "
                        "that does arithmetic on it can overflow or crash, and one that compares it may treat the "
                        "token as never expiring. Token Lab refuses it."},
        {"severity": "danger", "title": "No expiry", "explanation": "Without exp a stolen token works forever."},
    ]


def test_inspect_api_huge_iat_is_a_finding_and_exp_still_read(client):
    exp = int(time.time()) + 30 * 86400 + 600
    body = _inspect_raw(client, '{"alg":"HS256"}', f'{{"iat": {HUGE}.5, "exp": {exp}}}')
    assert [(f["severity"], f["title"]) for f in body["findings"]] == [
        ("danger", "Unreadable payload"),
    ]
    body = _inspect_raw(client, '{"alg":"HS256"}', f'{{"iat": {HUGE}, "exp": {exp}}}')
    assert body["payload"] == {"iat": int(HUGE), "exp": exp}
    assert [(f["severity"], f["title"]) for f in body["findings"]] == [
        ("danger", "iat is not a finite NumericDate"),
        ("warning", "Long-lived access token (30 days)"),
        ("info", "Time left"),
    ]
    assert body["findings"][2]["explanation"] == "It expires in 30 days."
