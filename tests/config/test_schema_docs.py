"""`/api/schema/` describes both doors as valid OpenAPI 3; `/api/docs/` works offline (no CDN)."""

import json
import re
from http import HTTPStatus

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_yaml(client):
    response = client.get("/api/schema/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("openapi: 3.")
    for path in ("/jwt/token/:", "/jwt/token/refresh/:", "/session/api/notes/:", "/jwt/api/notes/:"):
        assert f"\n  {path}\n" in text


def test_schema_json_describes_both_doors(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == HTTPStatus.OK
    schema = json.loads(response.content)
    paths = schema["paths"]
    for door in ("/session/api", "/jwt/api"):
        assert {f"{door}/profile/", f"{door}/notes/", f"{door}/notes/{{note_id}}/", f"{door}/staff/report/"} <= set(
            paths)
    assert {"/jwt/token/", "/jwt/token/refresh/", "/jwt/token/verify/", "/jwt/logout/", "/jwt/logout-all/",
            "/jwt/password/"} <= set(paths)
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/jwt/api/profile/"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/session/api/profile/"]["get"]["security"] == [{"cookieAuth": []}]
    assert set(paths["/jwt/token/"]["post"]["requestBody"]["content"]) == {"application/json"}


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    """drf-spectacular validates the document against the OpenAPI 3 JSON schema and fails on any warning."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.")


def test_docs_page_loads_nothing_from_other_hosts(client):
    response = client.get("/api/docs/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE) == []
    assert 'url: "/api/schema/"' in html
    # What the page loads (scripts, stylesheets, icons): every one from this server's static files. Links a reader
    # follows (the bar back to the site) are not loaded, and stay on this site's own paths.
    assets = re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"', html)
    assert all(link.startswith("/") for link in re.findall(r'<a\b[^>]*?href="([^"]+)"', html))
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/static/")
        served = client.get(asset)
        assert served.status_code == HTTPStatus.OK, asset
        b"".join(served.streaming_content if served.streaming else [served.content])
