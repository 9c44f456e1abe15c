"""In a real Chromium: the guided lab's "Change your password" form changes the password through either door."""

from http import HTTPStatus

import pytest

from accounts.models import User
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "a brand new lab password 2026"
BOTH_LIVE = ("document.querySelector('#cred-session').dataset.state === 'live' && "
             "document.querySelector('#cred-access').dataset.state === 'live'")


@pytest.mark.parametrize("door", ["jwt", "session"])
def test_the_password_form_changes_the_password_without_leaving_the_page(site, page, door):
    participant = User.objects.create_user("p01", password=PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.url}/")
    page.fill("#lab-username", "p01")
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function(BOTH_LIVE)
    assert page.locator("[id=lab-password]").count() == 1  # one element per id: the login's password field

    page.click("details.password-change summary")
    page.fill("#lab-old-password", PASSWORD)
    page.fill("#lab-new-password", NEW_PASSWORD)
    page.select_option("#lab-password-door", door)
    page.click("#lab-password-button")
    page.wait_for_function("document.querySelector('#panel-password-result').textContent.includes('Password changed')")

    assert page.url == f"{site.url}/"  # no reload to "/?…" with the passwords in the query string
    participant.refresh_from_db()
    assert participant.check_password(NEW_PASSWORD)
    # The door that changed the password holds a fresh credential; the other door's credential ended with it.
    kept, ended = ("#cred-access", "#cred-session") if door == "jwt" else ("#cred-session", "#cred-access")
    assert (page.get_attribute(kept, "data-state"), page.get_attribute(ended, "data-state")) == ("live", "dead")
    assert f"Password changed through the {door} door" in page.inner_text("#panel-password-result")
    assert page.input_value("#lab-old-password") == "" and page.input_value("#lab-new-password") == ""
    session_status = page.evaluate("async () => (await fetch('/session/api/profile/')).status")
    assert session_status == (HTTPStatus.FORBIDDEN if door == "jwt" else HTTPStatus.OK)
    assert errors == []
