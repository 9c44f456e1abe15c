"""In a real Chromium: the instructor's page lists the whole room and keeps itself current without reloading."""

from http import HTTPStatus

import pytest

from accounts.models import User
from tests.support.suite import PASSWORD
from workshop.models import StepDone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, site, username: str, next_path: str) -> None:
    page.goto(f"{site.url}/session/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def room(page) -> dict[str, list[str]]:
    """Each participant's row: the visible mark of each cell (its first text, not the screen reader's words)."""
    return page.eval_on_selector_all("#instructor-rows tr", """rows => Object.fromEntries(rows.map(r => [
        r.dataset.username,
        [...r.querySelectorAll('td')].map(td => td.firstChild ? td.firstChild.textContent : '')]))""")


def test_the_room_appears_from_the_start_and_updates_in_place(site, page):
    User.objects.create_user("coach", password=PASSWORD, is_staff=True)
    early = User.objects.create_user("p01", password=PASSWORD)
    User.objects.create_user("p02", password=PASSWORD)  # still at the login form: no step done
    StepDone.objects.create(user=early, step="credentials")
    page.clock.install()
    log_in(page, site, "coach", "/workshop/instructor/")
    page.wait_for_url(f"{site.url}/workshop/instructor/")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    headers = page.eval_on_selector_all("#instructor-table thead th", "ths => ths.map(th => th.textContent.trim())")
    assert headers[1].startswith("1 What you hold") and headers[1].endswith("Step 1: What you hold")
    assert headers[13].endswith("Step 13: Which is simpler?") and len(headers) == 16
    before = room(page)
    assert set(before) == {"p01", "p02"}
    assert (before["p01"][0], before["p01"][-2], before["p02"][0], before["p02"][-2]) == ("✓", "1/13", "·", "0/13")
    assert page.inner_text("#instructor-totals td[data-step=credentials]") == "1"

    # p02 gets going; the page picks it up on its next refresh, in place (the marker set on this document survives).
    page.evaluate("window.stillTheSameDocument = true")
    StepDone.objects.create(user=User.objects.get(username="p02"), step="credentials")
    StepDone.objects.create(user=User.objects.get(username="p02"), step="session-revocation")
    page.clock.fast_forward(10_000)
    page.wait_for_function("document.querySelector('#instructor-totals td[data-step=credentials]').textContent === '2'")
    after = room(page)
    assert (after["p02"][0], after["p02"][1], after["p02"][-2]) == ("✓", "✓", "2/13")
    assert page.inner_text("#instructor-totals td[data-step=session-revocation]") == "1"
    assert page.evaluate("window.stillTheSameDocument") is True
    assert page.inner_text("#instructor-updated").startswith("Updated at")


def test_a_participant_is_told_the_page_is_for_staff(site, page):
    User.objects.create_user("p01", password=PASSWORD)
    log_in(page, site, "p01", "/session/")
    response = page.goto(f"{site.url}/workshop/instructor/")
    assert response.status == HTTPStatus.FORBIDDEN
    assert page.inner_text("h1") == "Staff only"
    assert "signed in as p01" in page.inner_text("main")
    assert page.locator("input[name=password]").count() == 0  # not a login form they cannot get past
