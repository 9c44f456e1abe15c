"""The hybrid page as HTML: reachable from the landing page, sets the CSRF cookie, never stores a token."""

import re
from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


def script_of(response) -> str:
    return "\n".join(re.findall(r"<script>(.*?)</script>", response.content.decode(), flags=re.DOTALL))


def test_page_sets_a_script_readable_csrf_cookie(client):
    response = client.get("/workshop/hybrid/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.cookies["csrftoken"]["httponly"] == ""
    assert 'href="/static/tokenlab/site.css"' in response.content.decode()


def test_page_script_never_writes_a_token_to_storage_or_cookies(client):
    script = script_of(client.get("/workshop/hybrid/"))
    assert "/jwt/hybrid/refresh/" in script and "X-CSRFToken" in script
    for forbidden in ("localStorage", "sessionStorage", "indexedDB", "document.cookie =", "document.cookie="):
        assert forbidden not in script


def test_landing_page_links_to_the_hybrid_page(client):
    assert 'href="/workshop/hybrid/"' in client.get("/").content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_page_is_get_only(client, method):
    assert getattr(client, method)("/workshop/hybrid/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
