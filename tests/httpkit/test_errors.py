"""Errors under the API prefixes are `{"detail", "code"}` JSON; pages stay HTML. Never a traceback."""

import json
from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404
from django.test import RequestFactory
from rest_framework import exceptions

from httpkit import errors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", [
    "/jwt/nope/", "/jwt/api/nope/", "/session/api/nope/", "/session/api/notes/x/", "/.well-known/nope",
    "/api/nope/", "/jwt/api/notes/99999999999999999999/",
])
def test_unknown_api_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/nope/", "/session/nope/", "/session/login/nope/"])
def test_unknown_pages_are_html_404(client, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"].startswith("text/html")


def test_disallowed_host_is_json_400_on_the_api(client, settings):
    settings.ALLOWED_HOSTS = ["tokenlab.example"]
    response = client.post("/jwt/token/", {"username": "a", "password": "b"}, content_type="application/json",
                           HTTP_HOST="evil.example")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": "Bad request.", "code": "bad_request"}
    assert b"evil.example" not in response.content


def test_method_not_allowed_is_json(client):
    response = client.put("/jwt/token/", "{}", content_type="application/json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json() == {"detail": 'Method "PUT" not allowed.', "code": "method_not_allowed"}


def test_handler500_is_json_on_the_api_and_html_elsewhere():
    factory = RequestFactory()
    response = errors.handler500(factory.get("/jwt/api/profile/"))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response["Content-Type"] == "application/json"
    assert response.content == b'{"detail": "Internal server error.", "code": "server_error"}'
    page = errors.handler500(factory.get("/session/"))
    assert page.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("exc", "status", "body"), [
    (Http404("secret path /etc/passwd"), 404, {"detail": "Not found.", "code": "not_found"}),
    (PermissionDenied("internal reason"), 403,
     {"detail": "You do not have permission to perform this action.", "code": "permission_denied"}),
    (SuspiciousOperation("Invalid HTTP_HOST header: 'x'"), 400,
     {"detail": "Malformed request.", "code": "parse_error"}),
    (RequestDataTooBig("too big"), 413, {"detail": "Request body is too large.", "code": "payload_too_large"}),
    (exceptions.ValidationError({"title": ["Bad."]}), 400,
     {"detail": "Invalid input.", "code": "invalid", "errors": {"title": [{"message": "Bad.", "code": "invalid"}]}}),
    (exceptions.NotFound("No such note."), 404, {"detail": "No such note.", "code": "not_found"}),
    (OperationalError("could not connect to server: password=hunter2"), 503,
     {"detail": "A backing service is unavailable; try again shortly.", "code": "service_unavailable"}),
])
def test_api_exception_handler(exc, status, body):
    response = errors.api_exception_handler(exc, {})
    assert response.status_code == status
    payload = response.data if hasattr(response, "data") else json.loads(response.content)
    assert payload == body
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        assert response["Retry-After"] == "5"


def test_api_exception_handler_leaves_unknown_errors_to_django():
    """A bug is not dressed up as a 4xx: Django's handler500 answers it (JSON on API paths, no traceback)."""
    assert errors.api_exception_handler(ZeroDivisionError(), {}) is None
