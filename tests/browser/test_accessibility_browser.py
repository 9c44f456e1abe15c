"""In a real Chromium: axe-core finds no serious or critical violation on any of Token Lab's pages.

Each page is loaded as the user it is for (a visitor, a participant, staff), and the pages that come alive after
an action (the lab after a login and a step, the inspector after a token, the logins list) are checked in that
state too. Swagger UI (`/api/docs/`) and Django's stock admin forms are not Token Lab's pages; the API docs page is
checked for what Token Lab adds to it: a language and a way back home.
"""

import json
import shutil
from pathlib import Path

import pytest

from accounts.models import User
from tests.browser.axe import axe_violations
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# A real `manage.py authbench` report (a short run on a laptop), so that the benchmark page shows every section.
BENCH_REPORT = Path(__file__).with_name("bench_report.json")


@pytest.fixture
def people(db):
    return {
        "participant": User.objects.create_user("p01", password=PASSWORD),
        "staff": User.objects.create_superuser("coach", "coach@example.test", PASSWORD),
    }


def session_login(page, site, username: str) -> None:
    page.goto(f"{site.url}/session/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(f"{site.url}/session/")


def lab_after_a_step(page) -> None:
    page.fill("#lab-username", "p01")
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function("document.querySelector('#cred-session').dataset.state === 'live' && "
                           "document.querySelector('#cred-access').dataset.state === 'live'")
    for step in ("credentials", "long-expiry"):
        for door in ("session", "jwt"):
            page.click(f"#step-{step} .actions[data-door={door}] button")
            page.wait_for_selector(f"#step-{step} .result[data-door={door}] .call")
    page.click("details.password-change summary")
    page.click("#lab-article summary")


def inspector_with_a_token(page) -> None:
    page.click("#sample")
    page.click("#inspect")
    page.wait_for_selector("#report:not([hidden])")


def mistakes_run(page) -> None:
    page.locator("button.run").first.click()
    page.wait_for_function("document.querySelector('#xss-out') !== null")
    page.click("#xss-store")
    page.click("#xss-run")


def logins_listed(page) -> None:
    page.fill("#lg-username", "p01")
    page.fill("#lg-password", PASSWORD)
    page.click("#lg-login-button")
    page.wait_for_selector("#lg-rows tr[data-login]")


def hybrid_signed_in(page) -> None:
    page.wait_for_function("document.getElementById('hy-state').textContent === 'Signed out.'")
    page.fill("#hy-username", "p01")
    page.fill("#hy-password", PASSWORD)
    page.click("#hy-login-button")
    page.wait_for_function("document.getElementById('hy-state').textContent.startsWith('Signed in')")


# (path, who is signed in through the session door, what to do on the page before the check)
PAGES = [
    ("/", None, None),
    ("/", None, lab_after_a_step),
    ("/", "staff", None),
    ("/workshop/instructor/", "staff", None),
    ("/workshop/instructor/", "participant", None),
    ("/workshop/bench/", None, None),
    ("/workshop/inspector/", None, inspector_with_a_token),
    ("/workshop/mistakes/", None, mistakes_run),
    ("/workshop/hybrid/", None, hybrid_signed_in),
    ("/workshop/logins/", None, logins_listed),
    ("/session/login/", None, None),
    ("/session/", "participant", None),
    ("/session/devices/", "participant", None),
    ("/session/password/", "participant", None),
    ("/admin/console/", "staff", None),
    ("/admin/console/sessions/", "staff", None),
    ("/admin/console/tokens/", "staff", None),
    ("/admin/console/users/{participant}/", "staff", None),
]


def page_id(entry) -> str:
    path, who, action = entry
    return f"{path} as {who or 'visitor'}" + (f", {action.__name__}" if action else "")


@pytest.mark.parametrize("entry", PAGES, ids=[page_id(entry) for entry in PAGES])
def test_no_serious_or_critical_violation(site, page, people, settings, tmp_path, entry):
    path, who, action = entry
    settings.LAB_MEASURE = True  # the lab as a room sees it on `make serve` (the suite runs with DEBUG off)
    settings.AUTHBENCH_REPORT = str(tmp_path / "latest.json")
    shutil.copy(BENCH_REPORT, settings.AUTHBENCH_REPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if who:
        session_login(page, site, people[who].username)
    page.goto(site.url + path.format(participant=people["participant"].pk))
    page.wait_for_load_state("networkidle")
    if action:
        action(page)
    violations = axe_violations(page)
    assert not violations, f"{len(violations)} serious or critical on {path}:\n" + "\n".join(violations)
    assert errors == []


def test_the_api_docs_page_has_a_language_and_a_way_home(site, page):
    page.goto(f"{site.url}/api/docs/")
    assert page.get_attribute("html", "lang") == "en"
    home = page.locator("a[href='/']")
    assert home.count() >= 1 and "Token Lab" in home.first.inner_text()


def test_the_bench_report_fixture_is_an_authbench_report():
    report = json.loads(BENCH_REPORT.read_text())
    assert report["schema"].startswith("tokenlab.authbench") and len(report["variants"]) >= 5
