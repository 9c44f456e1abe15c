"""In a real Chromium: the guided lab's cross-origin step says what went wrong instead of hanging, and names the
right door when the browser blocks a call."""

import pytest

from accounts.models import User
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JWT_BOX = "#step-cross-origin .result[data-door=jwt]"
JWT_BUTTON = "#step-cross-origin .actions[data-door=jwt] button"


def open_lab_logged_in(page, site) -> None:
    User.objects.create_user("p01", password=PASSWORD)
    page.goto(f"{site.url}/")
    page.fill("#lab-username", "p01")
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function("document.querySelector('#cred-access').dataset.state === 'live'")


def test_a_second_origin_that_does_not_resolve_is_explained(site, page, settings):
    # This server's second name is one that never resolves (RFC 6761 reserves .invalid).
    settings.LAB_TWIN_HOSTS = ["127.0.0.1", "twin.invalid"]
    open_lab_logged_in(page, site)
    page.click(JWT_BUTTON)
    # The lab waits at most 10 s for the frame (a resolver may take that long to give up), then explains.
    page.wait_for_selector(f"{JWT_BOX} .twin-unreachable", timeout=20_000)
    message = page.inner_text(JWT_BOX)
    assert "could not load the page on http://twin.invalid:" in message
    assert "twin.invalid does not lead to this server" in message and "LAB_TWIN_HOSTS" in message
    assert page.is_enabled(JWT_BUTTON)  # usable again: pressing it retries
    assert page.locator("#step-cross-origin iframe").count() == 0  # no broken frame left on the page
    assert page.is_hidden("#step-cross-origin .done-mark")


def test_a_blocked_jwt_call_is_explained_as_the_jwt_door(site, page, settings):
    settings.CORS_URLS_REGEX = r"^/no-cross-origin-path/$"  # Token Lab allows no other origin anything
    open_lab_logged_in(page, site)
    page.click(JWT_BUTTON)
    page.wait_for_function(f"document.querySelector('{JWT_BOX} .call') !== null")
    text = page.inner_text(JWT_BOX)
    assert "→ blocked" in text
    assert "Bearer call" in text and "JWT door" in text
    assert "session door" not in text
