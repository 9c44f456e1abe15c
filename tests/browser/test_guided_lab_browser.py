"""In a real Chromium: participants walk the guided lab, every step's measured number appears and is plausible."""

import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest

from accounts.models import User
from tests.support.processes import wait_until
from tests.support.suite import PASSWORD
from workshop.lab import STEPS
from workshop.models import StepDone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BOTH_LIVE = ("document.querySelector('#cred-session').dataset.state === 'live' && "
             "document.querySelector('#cred-access').dataset.state === 'live'")


@pytest.fixture
def participants(db):
    return [User.objects.create_user(f"p{n:02d}", password=PASSWORD) for n in (1, 2)]


def open_lab(page, site):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.url}/")
    return errors


def log_in(page, username: str):
    page.fill("#lab-username", username)
    page.fill("#lab-password", PASSWORD)
    page.click("#lab-login-button")
    page.wait_for_function(BOTH_LIVE)


def run(page, step: str, door: str) -> list[dict]:
    """Press the step's button on one door, wait for its result; return the measured calls shown."""
    button = page.locator(f"#step-{step} .actions[data-door={door}] button").first
    button.click()
    page.wait_for_function(f"""() => {{
        const box = document.querySelector('#step-{step} .result[data-door={door}]');
        const button = document.querySelector('#step-{step} .actions[data-door={door}] button');
        return box.children.length > 0 && !button.disabled; }}""")
    return page.eval_on_selector_all(f"#step-{step} .result[data-door={door}] .call", """nodes => nodes.map(n => ({
        path: n.dataset.path, status: n.dataset.status, db: n.dataset.db === undefined ? null : +n.dataset.db,
        redis: n.dataset.redis === undefined ? null : +n.dataset.redis, tables: n.dataset.tables || "",
        credential: +n.dataset.credentialBytes || 0, request: +n.dataset.requestBytes || 0,
        response: +n.dataset.responseBytes || 0, ms: n.dataset.ms === undefined ? null : +n.dataset.ms}))""")


def done(page, step: str) -> bool:
    return page.evaluate(f"!document.querySelector('#step-{step} .done-mark').hidden")


def assert_measured(call: dict) -> None:
    assert call["request"] > 0 and call["response"] > 0 and call["ms"] > 0, call
    assert call["db"] >= 0 and call["redis"] >= 0, call


def test_one_participant_walks_every_step_with_plausible_numbers(site, page, participants, settings):
    settings.LAB_MEASURE = True  # the suite runs with DEBUG off: serve the numbers as a room on `make serve` does
    redis = bool(settings.REDIS_URL)
    errors = open_lab(page, site)
    username = participants[0].username
    log_in(page, username)
    results: dict[tuple[str, str], list[dict]] = {}
    for step in STEPS:
        if step.slug == "hybrid":
            page.fill("#hybrid-password", PASSWORD)
        for door in ("session", "jwt"):
            results[step.slug, door] = run(page, step.slug, door)
            if door == "jwt" and step.slug in {"session-revocation", "denylist", "refresh"}:
                log_in(page, username)  # these steps end the participant's credentials on purpose
        assert done(page, step.slug), (step.slug, results.get((step.slug, "session")), results.get((step.slug, "jwt")))
    assert page.inner_text("#lab-done-count") == "13"
    # The page marks a step done at once and records it on the server in the background: wait for the last one.
    recorded: set[str] = set()
    deadline = time.monotonic() + 10
    while recorded != {step.slug for step in STEPS} and time.monotonic() < deadline:
        time.sleep(0.1)
        recorded = set(StepDone.objects.filter(user=participants[0]).values_list("step", flat=True))
    assert recorded == {step.slug for step in STEPS}

    # Step 1: the session cookie is a short opaque id, looked up; the JWT is hundreds of bytes, checked in memory
    # and then against the denylist (one Redis round trip, or one query without Redis).
    (session_call,) = results["credentials", "session"]
    (jwt_call,) = results["credentials", "jwt"]
    for call in (session_call, jwt_call):
        assert_measured(call)
        assert call["status"] == "200"
    assert len("sessionid=") + 32 <= session_call["credential"] <= len("sessionid=") + 64
    assert jwt_call["credential"] > 300
    if redis:
        assert session_call["redis"] >= 1 and jwt_call["redis"] >= 1
    else:
        assert "sessions_demo_devicesession" in session_call["tables"].split()
        assert "denylist_revocation" in jwt_call["tables"].split()
        assert "sessions_demo_devicesession" not in jwt_call["tables"].split()

    # Step 2: log out everywhere ends both credentials at the next request.
    statuses = [call["status"] for call in results["session-revocation", "session"]]
    assert statuses[1:3] == ["403", "401"]
    assert results["session-revocation", "jwt"][0]["status"] == "401"

    # Step 3: after logout, Token Lab refuses the token, service B (no denylist) accepts it.
    calls = results["denylist", "jwt"]
    before_b, after_lab, after_b = calls[-4], calls[-2], calls[-1]
    assert (after_lab["status"], after_b["status"]) == ("401", "200")
    assert "service-b" in before_b["path"] and (before_b["db"], before_b["redis"]) == (0, 0)
    # By now the participant is logged out of both doors, and the numbers are for logged-in users only.
    assert "service-b" in after_b["path"] and (after_b["db"], after_b["ms"]) == (None, None)

    # Step 5: service B's verification costs nothing on Token Lab's side.
    (service_b,) = results["microservices", "jwt"]
    assert (service_b["status"], service_b["db"], service_b["redis"]) == ("200", 0, 0)
    assert results["microservices", "session"][0]["status"] == "401"

    # Step 6: refresh rotates (stateful: rows read and written), replay is reuse.
    refresh, replay, after = results["refresh", "jwt"]
    assert (refresh["status"], replay["status"], after["status"]) == ("200", "401", "401")
    assert refresh["db"] >= 2 and "jwt_demo_refreshtoken" in refresh["tables"]

    # Step 7: the page on the other origin: the Bearer call allowed, the cookie call refused by the browser.
    assert "→ 200" in page.inner_text("#step-cross-origin .result[data-door=jwt]")
    assert "blocked" in page.inner_text("#step-cross-origin .result[data-door=session]")

    # Step 4: the same claims signed four ways; RS256 is the biggest.
    sizes = page.eval_on_selector_all("#step-payload-size table.sizes tbody tr",
                                      "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    by_alg = {row[0].split(" ")[0]: int(row[1].split()[0]) for row in sizes}
    assert set(by_alg) == {"HS256", "RS256", "ES256", "EdDSA"}
    assert max(by_alg, key=by_alg.get) == "RS256"
    assert errors == []


def test_two_participants_at_once_do_not_affect_each_other(site, browser, participants, settings):
    settings.LAB_MEASURE = True  # each call's numbers are what the page lists (the suite runs with DEBUG off)
    pages = []
    for participant in participants:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(10_000)
        open_lab(page, site)
        log_in(page, participant.username)
        pages.append(page)
    first, second = pages
    first.click("[data-panel=session-everywhere]")
    first.wait_for_function("document.querySelector('#cred-session').dataset.state === 'dead' && "
                            "document.querySelector('#cred-access').dataset.state === 'dead'")
    run(first, "credentials", "session")
    for door in ("session", "jwt"):
        (call,) = run(second, "credentials", door)
        assert call["status"] == "200"
    assert second.evaluate(BOTH_LIVE)
    # The page records the step after both doors' results, in a request of its own that nothing on the page waits
    # for: wait (bounded) until the server has it, then check that it is the only one.
    wait_until(lambda: StepDone.objects.filter(user=participants[1]).exists(), timeout=10,
               what="the second participant's step reaching the server")
    assert list(StepDone.objects.filter(user=participants[1]).values_list("step", flat=True)) == ["credentials"]
    assert not StepDone.objects.filter(user=participants[0]).exists()
    for page in pages:
        page.context.close()


def test_a_forced_logout_is_explained_on_the_login_page(site, browser, participants):
    lab = browser.new_context().new_page()
    open_lab(lab, site)
    log_in(lab, participants[0].username)
    # The same participant, from another device, logs out everywhere through the JWT door.
    elsewhere = browser.new_context().new_page()
    open_lab(elsewhere, site)
    log_in(elsewhere, participants[0].username)
    elsewhere.click("[data-panel=jwt-everywhere]")
    elsewhere.wait_for_function("document.querySelector('#cred-access').dataset.state === 'dead'")
    # The lab page sees its session die, and the login page says why.
    lab.click("[data-panel=session-call]")
    lab.wait_for_function("document.querySelector('#cred-session').dataset.state === 'dead'")
    lab.goto(f"{site.url}/session/login/")
    reason = lab.locator("#logout-reason")
    assert reason.get_attribute("data-reason") == "logout_everywhere"
    assert "You were logged out" in reason.inner_text()
    for page in (lab, elsewhere):
        page.context.close()


@pytest.mark.parametrize("who", ["visitor", "participant", "staff"])
def test_every_page_linked_from_the_start_page_answers(site, page, participants, who):
    if who == "staff":
        User.objects.create_user("coach", password=PASSWORD, is_staff=True)
    open_lab(page, site)
    if who != "visitor":
        log_in(page, "coach" if who == "staff" else participants[0].username)
        page.goto(f"{site.url}/")
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    local = sorted({href.split("#")[0] for href in hrefs if urlsplit(href).netloc == urlsplit(site.url).netloc})
    assert f"{site.url}/workshop/inspector/" in local and f"{site.url}/workshop/bench/" in local
    assert (f"{site.url}/workshop/instructor/" in local) is (who == "staff")
    for href in local:
        response = page.goto(href)
        assert response.status < HTTPStatus.BAD_REQUEST, (who, href, response.status)
