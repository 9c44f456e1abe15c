"""In a real browser: a script on the page steals a localStorage token but cannot read HttpOnly cookies."""

import pytest

from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_injected_script_steals_local_storage_but_not_httponly_cookies(live_server, page, user):
    # Log in through the session door first, so an HttpOnly sessionid cookie exists in this browser.
    page.goto(f"{live_server.url}/session/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/session/")
    cookie_names = {c["name"] for c in page.context.cookies()}
    assert {"sessionid", "csrftoken"} <= cookie_names

    page.goto(f"{live_server.url}/workshop/mistakes/")
    assert "lab_refresh" in {c["name"] for c in page.context.cookies()}
    page.click("#xss-store")
    page.wait_for_function("localStorage.getItem('access_token') !== null")
    page.click("#xss-run")
    report = page.inner_text("#xss-out")
    assert "STOLEN: eyJ" in report
    assert "lab_refresh visible to the script? no" in report
    assert "sessionid visible to the script? no" in report
    assert "sessionid" not in page.evaluate("document.cookie")


def test_alg_none_forgery_fools_only_the_naive_verifier(live_server, page):
    page.goto(f"{live_server.url}/workshop/mistakes/")
    card = page.locator('.scenario[data-scenario="alg-none"]')
    card.locator(".run").click()
    rows = card.locator(".verdicts tr")
    rows.first.wait_for()
    verdicts = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert verdicts == ["ACCEPTED", "refused", "refused"]


def test_inspector_decodes_without_a_key(live_server, page):
    page.goto(f"{live_server.url}/workshop/inspector/")
    page.click("#sample")
    page.wait_for_selector("#report:not([hidden])")
    assert "078-05-1120" in page.inner_text("#payload")
    assert "Sensitive data in the payload" in page.inner_text("#findings")
    # The size chart is the project's vendored Chart.js, drawn from the inspector's numbers.
    page.wait_for_function("Chart.getChart(document.getElementById('sizes')) !== undefined")
    bytes_shown = page.evaluate("Chart.getChart(document.getElementById('sizes')).data.datasets[0].data")
    assert bytes_shown[0] < bytes_shown[1]
    assert page.inner_text("#sizes-text").startswith(f"a session id: {bytes_shown[0]} bytes")
