"""The OpenAPI document lists each operation's errors, derived from what its view is, each with the `Error` body."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from httpkit.schema import ERROR_SCHEMA


@pytest.fixture(scope="module")
def document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def statuses(document, method, path) -> list[str]:
    return sorted(document["paths"][path][method]["responses"])


@pytest.mark.parametrize(("method", "path", "expected"), [
    # no body, no caller needed
    ("get", "/.well-known/jwks.json", ["200", "503"]),
    # the JWT door: 401 for a missing or refused Bearer token, 404 for an id, 403 for a permission beyond login
    ("get", "/jwt/api/profile/", ["200", "401", "503"]),
    ("post", "/jwt/api/notes/", ["201", "400", "401", "413", "415", "503"]),
    ("delete", "/jwt/api/notes/{note_id}/", ["204", "401", "404", "503"]),
    ("get", "/jwt/api/staff/report/", ["200", "401", "403", "503"]),
    # the session door: 403 for an anonymous caller or CSRF, 401 for a refused Bearer token beside the cookie
    ("get", "/session/api/profile/", ["200", "401", "403", "503"]),
    ("post", "/session/api/notes/", ["201", "400", "401", "403", "413", "415", "503"]),
    # declared by the view: a credential in the body (401), a throttle raised by a service (429)
    ("post", "/jwt/token/", ["200", "400", "401", "413", "415", "429", "503"]),
    ("post", "/jwt/token/verify/", ["200", "400", "401", "413", "415", "503"]),
    ("post", "/jwt/password/", ["200", "400", "401", "413", "415", "429", "503"]),
    ("post", "/jwt/hybrid/refresh/", ["200", "401", "403", "429", "503"]),
    ("post", "/jwt/hybrid/logout/", ["204", "403", "503"]),
])
def test_each_operation_lists_the_errors_it_can_answer(document, method, path, expected):
    assert statuses(document, method, path) == expected


def test_every_error_has_the_error_body_and_its_headers(document):
    assert document["components"]["schemas"]["Error"] == ERROR_SCHEMA
    seen = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                seen += 1
                assert response["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                assert response["description"]
                if status in {"429", "503"}:
                    assert "Retry-After" in response["headers"]
    assert seen > 50


def test_a_declared_description_wins_over_the_generic_one(document):
    responses = document["paths"]["/jwt/token/"]["post"]["responses"]
    assert responses["401"]["description"].startswith("Bad credentials")
    assert responses["503"]["description"].startswith("A backing service")
