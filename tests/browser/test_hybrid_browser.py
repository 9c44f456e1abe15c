"""In a real Chromium: the hybrid page keeps tokens out of storage, refreshes silently, and logs out for real."""

import json
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest

from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every string-valued global of the page that looks like a JWT: the token must not be reachable from `window`.
FIND_TOKENS_IN_GLOBALS = """() => Object.getOwnPropertyNames(window).filter((name) => {
  try { const v = window[name]; return typeof v === "string" && v.includes("eyJ"); } catch (e) { return false; }
})"""


@pytest.fixture
def short_tokens(settings):
    settings.ACCESS_TOKEN_LIFETIME = 2
    # A 2 s access token makes the page refresh about every second, far above a real client's few a minute.
    settings.REFRESH_RATE = "600/min"


def log_in(page, site, user):
    page.goto(f"{site.url}/workshop/hybrid/")
    page.wait_for_function("document.getElementById('hy-state').textContent === 'Signed out.'")
    page.fill("#hy-username", user.username)
    page.fill("#hy-password", PASSWORD)
    page.click("#hy-login-button")
    page.wait_for_function("document.getElementById('hy-state').textContent.startsWith('Signed in')")


def refresh_count(page) -> int:
    return int(page.inner_text("#hy-refreshes"))


def test_tokens_stay_out_of_storage_and_script_readable_cookies(site, page, user, short_tokens):
    log_in(page, site, user)
    storage = page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]")
    assert storage[:2] == [0, 0]
    assert [c.split("=")[0].strip() for c in storage[2].split(";")] == ["csrftoken"]
    assert "eyJ" not in storage[2]
    assert page.evaluate(FIND_TOKENS_IN_GLOBALS) == []
    (refresh,) = [c for c in page.context.cookies() if c["name"] == "tokenlab_refresh"]
    assert (refresh["httpOnly"], refresh["sameSite"], refresh["path"]) == (True, "Strict", "/jwt/hybrid/")
    assert refresh["value"].startswith("eyJ")


def test_silent_refresh_before_expiry_keeps_the_api_working(site, page, user, short_tokens):
    log_in(page, site, user)
    first_jti = page.inner_text("#hy-jti")
    assert page.inner_text("#hy-remaining").endswith("s left")
    page.wait_for_function("Number(document.getElementById('hy-refreshes').textContent) >= 2")
    assert page.inner_text("#hy-jti") != first_jti
    page.click("#hy-profile")
    page.wait_for_function("document.getElementById('hy-out').textContent.startsWith('GET /jwt/api/profile/')")
    out = page.inner_text("#hy-out")
    assert out.startswith("GET /jwt/api/profile/ → 200")
    assert json.loads(out.split("\n", 1)[1])["username"] == user.username
    page.click("#hy-notes")
    page.wait_for_function("document.getElementById('hy-out').textContent.startsWith('GET /jwt/api/notes/ → 200')")
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]


def test_expired_token_is_refreshed_on_401_and_the_call_retried(site, page, user, short_tokens):
    log_in(page, site, user)
    page.uncheck("#hy-auto")
    page.wait_for_function("document.getElementById('hy-remaining').textContent === 'expired'")
    # The page counts down on whole seconds (expires_in) and so sees expiry up to 1 s before the server does.
    page.wait_for_timeout(1100)
    assert refresh_count(page) == 0
    page.click("#hy-profile")
    page.wait_for_function("document.getElementById('hy-out').textContent.startsWith('GET /jwt/api/profile/')")
    assert page.inner_text("#hy-out").startswith("GET /jwt/api/profile/ → 200")
    assert refresh_count(page) == 1
    log = page.inner_text("#hy-log")
    assert "GET /jwt/api/profile/ → 401: refreshing, then retrying once" in log
    assert "silent refresh (after a 401) → 200" in log


def test_reload_resumes_the_login_from_the_cookie_alone(site, page, user):
    log_in(page, site, user)
    page.reload()
    page.wait_for_function("document.getElementById('hy-state').textContent.startsWith('Signed in')")
    assert refresh_count(page) == 1


def test_logout_ends_the_login_on_the_server(site, page, user):
    log_in(page, site, user)
    (cookie,) = [c["value"] for c in page.context.cookies() if c["name"] == "tokenlab_refresh"]
    page.click("#hy-logout")
    page.wait_for_function("document.getElementById('hy-state').textContent === 'Signed out: logged out.'")
    assert "tokenlab_refresh" not in {c["name"] for c in page.context.cookies()}
    page.click("#hy-refresh")
    page.wait_for_function("document.getElementById('hy-out').textContent.startsWith('POST /jwt/hybrid/refresh/')")
    assert page.inner_text("#hy-out").startswith("POST /jwt/hybrid/refresh/ → 401")
    assert page.is_disabled("#hy-profile")

    # A copy of the cookie taken before logout (what a thief would hold) is dead on the server too.
    request = urllib.request.Request(f"{site.url}/jwt/hybrid/refresh/", method="POST", headers={
        "Cookie": f"tokenlab_refresh={cookie}; csrftoken={'c' * 32}", "X-CSRFToken": "c" * 32})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == HTTPStatus.UNAUTHORIZED
    assert json.loads(refused.value.read())["code"] == "token_revoked"
