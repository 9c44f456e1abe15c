"""In a real Chromium: the guided lab counts the revocation delay as authbench does — requests still accepted after
the revocation, 0 when the very next request is refused (it used to say "1 request" for the same thing)."""

import pytest

from accounts.models import User
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BOTH_LIVE = ("document.querySelector('#cred-session').dataset.state === 'live' && "
             "document.querySelector('#cred-access').dataset.state === 'live'")


def log_in(page, username: str) -> None:
    page.fill("#lab-username", username)
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function(BOTH_LIVE)


def run(page, step: str, door: str) -> str:
    """Press the step's button on one door, wait for its result; return the result's text."""
    page.locator(f"#step-{step} .actions[data-door={door}] button").first.click()
    page.wait_for_function(f"""() => {{
        const box = document.querySelector('#step-{step} .result[data-door={door}]');
        const button = document.querySelector('#step-{step} .actions[data-door={door}] button');
        return box.children.length > 0 && !button.disabled; }}""")
    return page.inner_text(f"#step-{step} .result[data-door={door}]")


def test_the_lab_says_revocation_delay_0_requests_when_the_next_request_is_refused(site, page, db):
    User.objects.create_user("p01", password=PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.url}/")
    log_in(page, "p01")
    texts = [run(page, "session-revocation", "session"), run(page, "session-revocation", "jwt")]
    log_in(page, "p01")  # the step ended both credentials on purpose
    texts.append(run(page, "denylist", "jwt"))
    assert "Revocation delay: 0 requests — the very next request was refused, " in texts[0], texts[0]
    assert "Refused: log out everywhere ended your JWTs too, at the next request (revocation delay: 0 requests)." \
        in texts[1], texts[1]
    assert "Token Lab (denylist): refused at the next request (revocation delay: 0 requests), " in texts[2], texts[2]
    assert not any("1 request" in text for text in texts)
    assert errors == []


def test_the_steps_explanation_uses_the_same_count(site, page, db):
    page.goto(f"{site.url}/")
    step = page.inner_text("#step-session-revocation")
    assert "the revocation delay is 0 requests" in step
    assert "delay is one request" not in step
