"""In a real Chromium: the guided lab's long-expiry step shows this server's own token living 30 days, and a
session side that means something whether or not the participant has other devices."""

from http import HTTPStatus

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP = "#step-long-expiry"


@pytest.fixture
def lab(site, page, settings):
    settings.LAB_MEASURE = True  # the lab as a room sees it on `make serve` (the suite runs with DEBUG off)
    User.objects.create_user("p01", password=PASSWORD)
    page.goto(f"{site.url}/")
    page.fill("#lab-username", "p01")
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function("document.querySelector('#cred-session').dataset.state === 'live' && "
                           "document.querySelector('#cred-access').dataset.state === 'live'")
    return page


def run(page, door: str) -> str:
    page.click(f"{STEP} .actions[data-door={door}] button")
    page.wait_for_function(f"""() => document.querySelector('{STEP} .result[data-door={door}]').children.length > 0
        && !document.querySelector('{STEP} .actions[data-door={door}] button').disabled""")
    return page.inner_text(f"{STEP} .result[data-door={door}]")


def test_the_jwt_side_shows_this_servers_token_living_30_days(lab):
    text = run(lab, "jwt")
    assert f"Same issuer ({django_settings.JWT_ISSUER}) and algorithm ({django_settings.JWT_ALGORITHM})" in text
    assert "exp set 30 days after iat" in text
    assert "Long-lived access token (30 days)" in text
    assert "is not this server's" not in text  # no algorithm warning: it is this server's algorithm
    assert "pinned verifier" not in text and "lab-issuer.example" not in text
    assert "keeps no denylist (service B's kind), accepts this token until" in text
    assert f"exceeds the {django_settings.ACCESS_TOKEN_LIFETIME} s it issues" in text
    assert lab.is_hidden(f"{STEP} .done-mark")  # one side of two: the step is done when both have run


def test_the_session_side_explains_when_there_is_no_other_device(lab):
    text = run(lab, "session")
    assert "0 other sessions ended" in text and "You had no other session to end" in text
    assert "log in as p01 in a private window" in text
    days = django_settings.SESSION_COOKIE_AGE // 86400
    assert f"A session lives at most {days} days on this server" in text


def test_the_session_side_ends_another_device_at_its_next_request(lab, site, browser):
    elsewhere = browser.new_context().new_page()
    elsewhere.goto(f"{site.url}/session/login/")
    elsewhere.fill("input[name=username]", "p01")
    elsewhere.fill("input[name=password]", PASSWORD)
    elsewhere.click("form [type=submit]")
    elsewhere.wait_for_url(f"{site.url}/session/")
    text = run(lab, "session")
    assert "1 other session ended" in text and "You had no other session" not in text
    status = elsewhere.evaluate("async () => (await fetch('/session/api/profile/')).status")
    assert status == HTTPStatus.FORBIDDEN
    elsewhere.context.close()
