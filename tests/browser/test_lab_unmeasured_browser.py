"""In a real Chromium: the guided lab on a server that does not share its live numbers (DEBUG off, LAB_MEASURE
unset) says so, and every step that shows bytes still runs instead of failing in the page."""

import pytest

from accounts.models import User
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_steps_run_without_live_numbers(site, page, settings):
    settings.LAB_MEASURE = False  # and DEBUG is off in the suite: `make serve` without LAB_MEASURE=1
    User.objects.create_user("p01", password=PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.url}/")
    assert "LAB_MEASURE=1" in page.inner_text("#lab-not-measuring")
    page.fill("#lab-username", "p01")
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function("document.querySelector('#cred-session').dataset.state === 'live' && "
                           "document.querySelector('#cred-access').dataset.state === 'live'")
    for step in ("credentials", "payload-size", "microservices", "sensitive-data"):
        for door in ("session", "jwt"):
            page.click(f"#step-{step} .actions[data-door={door}] button")
            page.wait_for_function(f"""() => document.querySelector('#step-{step} .result[data-door={door}]')
                .children.length > 0 && !document.querySelector('#step-{step} .actions[data-door={door}] button')
                .disabled""")
            text = page.inner_text(f"#step-{step} .result[data-door={door}]")
            assert "Something went wrong" not in text, (step, door, text)
        assert page.is_visible(f"#step-{step} .done-mark"), step
    bearer = page.inner_text("#step-payload-size .result[data-door=jwt]")
    assert "Authorization header: " in bearer and " bytes on every request." in bearer
    assert errors == []
