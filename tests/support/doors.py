"""Clients that talk to one door each, so a behaviour test is written once and run through both doors."""

import json
from http import HTTPStatus

from django.test import Client


class DoorClient:
    """An authenticated client of one door. `path` is relative to the door's API root (e.g. "notes/")."""

    door: str
    api_root: str

    def __init__(self, username: str, password: str):
        self.username = username
        self.password = password
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1")

    def url(self, path: str) -> str:
        return self.api_root + path

    def get(self, path: str, **extra):
        return self.client.get(self.url(path), **self.auth_headers(), **extra)

    def post(self, path: str, data=None, **extra):
        return self.client.post(self.url(path), data=json.dumps(data) if data is not None else "",
                                content_type="application/json", **self.auth_headers(unsafe=True), **extra)

    def post_raw(self, path: str, body: bytes | str, content_type: str, **extra):
        return self.client.post(self.url(path), data=body, content_type=content_type,
                                **self.auth_headers(unsafe=True), **extra)

    def delete(self, path: str, **extra):
        return self.client.delete(self.url(path), **self.auth_headers(unsafe=True), **extra)

    def auth_headers(self, unsafe: bool = False) -> dict:
        raise NotImplementedError

    def anonymous_status(self) -> int:
        """The status this door answers to a request without valid credentials."""
        raise NotImplementedError


class SessionDoor(DoorClient):
    door = "session"
    api_root = "/session/api/"

    def login(self):
        self.client.get("/session/login/")
        response = self.client.post("/session/login/", {
            "username": self.username, "password": self.password,
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"].value,
        })
        assert response.status_code == HTTPStatus.FOUND, response.content[:300]
        return self

    @property
    def session_key(self) -> str:
        return self.client.cookies["sessionid"].value

    def auth_headers(self, unsafe: bool = False) -> dict:
        if unsafe and "csrftoken" in self.client.cookies:
            return {"HTTP_X_CSRFTOKEN": self.client.cookies["csrftoken"].value}
        return {}

    def anonymous_status(self) -> int:
        return HTTPStatus.FORBIDDEN


class JWTDoor(DoorClient):
    door = "jwt"
    api_root = "/jwt/api/"

    def login(self):
        response = self.client.post("/jwt/token/", {"username": self.username, "password": self.password},
                                    content_type="application/json")
        assert response.status_code == HTTPStatus.OK, response.content[:300]
        self.access = response.json()["access"]
        self.refresh = response.json()["refresh"]
        return self

    def auth_headers(self, unsafe: bool = False) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.access}"}

    def anonymous_status(self) -> int:
        return HTTPStatus.UNAUTHORIZED


DOORS = {"session": SessionDoor, "jwt": JWTDoor}
