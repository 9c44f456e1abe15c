"""Calls to the JWT door's token endpoints as the endpoint tests make them, and the shape of their refusals."""

import json
from http import HTTPStatus

from tests.support.suite import PASSWORD


def post(client, path: str, data=None, **extra):
    return client.post(path, json.dumps(data) if data is not None else "", content_type="application/json", **extra)


def obtain(client, username: str = "alice", password: str = PASSWORD) -> dict:
    response = post(client, "/jwt/token/", {"username": username, "password": password})
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def bearer(access: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def profile_status(client, access: str) -> int:
    return client.get("/jwt/api/profile/", **bearer(access)).status_code


def assert_401(response, detail: str, code: str):
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail, "code": code}
    assert response["WWW-Authenticate"].startswith("Bearer")


def assert_field_errors(response, errors: dict):
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Invalid input.", "code": "invalid", "errors": errors}
