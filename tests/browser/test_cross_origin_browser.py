"""In a real Chromium: a page on a second origin calls the JWT API with a Bearer token, as CORS allows."""

import pytest

from tests.support.browser_servers import cross_origin_demo
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(site):
    with cross_origin_demo(site.url) as server:
        yield server


def result_after(page, button: str, label: str) -> str:
    page.click(button)
    page.wait_for_function(f"document.getElementById('co-out').textContent.startsWith({label!r})")
    return page.inner_text("#co-out")


def log_in(page, demo, user) -> str:
    page.goto(f"{demo.origin}/")
    page.fill("#co-username", user.username)
    page.fill("#co-password", PASSWORD)
    return result_after(page, "#co-login-button", "POST /jwt/token/")


def test_listed_origin_logs_in_and_reads_the_api_with_a_bearer_token(settings, site, demo, page, user):
    settings.CORS_ALLOWED_ORIGINS = [demo.origin]
    assert demo.origin != site.url
    assert page.goto(f"{demo.origin}/").ok
    assert page.inner_text("#co-self") == demo.origin
    assert log_in(page, demo, user).startswith("POST /jwt/token/ → 200")
    profile = result_after(page, "#co-profile", "GET /jwt/api/profile/")
    assert profile.startswith("GET /jwt/api/profile/ → 200")
    assert f'"username": "{user.username}"' in profile
    assert result_after(page, "#co-notes", "GET /jwt/api/notes/").startswith("GET /jwt/api/notes/ → 200")
    # The cookie flow stays same-site: the hybrid refresh is not offered to this origin.
    assert "blocked by the browser (CORS)" in result_after(page, "#co-hybrid", "POST /jwt/hybrid/refresh/")
    # No cookie of the API's origin was set by any of this: the Bearer header was the only credential.
    assert [c for c in page.context.cookies() if c["domain"] == "127.0.0.1" and c["name"] != "csrftoken"] == []


def test_unlisted_origin_is_blocked_by_the_browser(settings, demo, page, user):
    settings.CORS_ALLOWED_ORIGINS = ["http://127.0.0.1:1"]
    result = log_in(page, demo, user)
    assert "blocked by the browser (CORS)" in result
    assert page.is_disabled("#co-profile")
