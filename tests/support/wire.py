"""A raw HTTP client for server processes: cookies, CSRF and bodies handled the way a browser or script would."""

import http.client
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class WireClient:
    """A bare HTTP client of one server process, with its own cookie jar (no redirects followed)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, *, body: bytes = b"", headers: dict | None = None) -> Reply:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            conn.close()
        for raw in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return reply

    def post_json(self, path: str, data: dict, token: str | None = None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.call("POST", path, body=json.dumps(data).encode(), headers=headers)

    def get(self, path: str, token: str | None = None) -> Reply:
        return self.call("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})

    def session_login(self, username: str, password: str) -> None:
        assert self.call("GET", "/session/login/").status == HTTPStatus.OK
        form = urlencode({"username": username, "password": password,
                          "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode()
        reply = self.call("POST", "/session/login/", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert reply.status == HTTPStatus.FOUND, reply.body[:300]
        assert "sessionid" in self.cookies

    def token_pair(self, username: str, password: str) -> dict:
        reply = self.post_json("/jwt/token/", {"username": username, "password": password})
        assert reply.status == HTTPStatus.OK, reply.body[:300]
        return reply.json()
