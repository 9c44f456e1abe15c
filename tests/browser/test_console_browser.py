"""In a real Chromium: an administrator watches the dashboard, finds a user, ends one login, suspends the account
(confirming), and that user's session and JWT die; the user's own lists on both doors show the same logins."""

import json
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest

from jwt_demo.models import TokenFamily
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _call(site, method: str, path: str, *, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"{site.url}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the loopback test server
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _token_login(site, user) -> str:
    status, body = _call(site, "POST", "/jwt/token/", body={"username": user.username, "password": PASSWORD})
    assert status == HTTPStatus.OK, body
    return body["access"]


def _session_login(page, site, user) -> None:
    page.goto(f"{site.url}/session/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(f"{site.url}/session/")


def _jwt_page_login(page, site, user) -> None:
    page.goto(f"{site.url}/workshop/logins/")
    page.fill("#lg-username", user.username)
    page.fill("#lg-password", PASSWORD)
    page.click("#lg-login-button")
    page.wait_for_function("document.getElementById('lg-state').textContent.startsWith('Signed in')")
    page.wait_for_selector("#lg-rows tr[data-login]")


def _admin_login(page, site, admin_user) -> None:
    page.goto(f"{site.url}/admin/login/?next=/admin/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")


def test_administrator_watches_finds_ends_and_suspends(site, browser, user, admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    contexts = [browser.new_context() for _ in range(3)]
    admin, victim_session, victim_jwt = (c.new_page() for c in contexts)
    for page in (admin, victim_session, victim_jwt):
        page.set_default_timeout(10_000)
    try:
        _session_login(victim_session, site, user)
        _jwt_page_login(victim_jwt, site, user)
        other_access = _token_login(site, user)  # a second token login, the one the administrator ends first
        other_family = TokenFamily.objects.filter(user=user).order_by("-created").first().pk

        # The user's own lists: the devices page (session door) and the JWT page show the same three logins.
        victim_session.goto(f"{site.url}/session/devices/")
        assert victim_session.locator("tbody tr").count() == 3
        assert victim_session.locator("text=this device").count() == 1
        victim_jwt.click("#lg-reload")
        victim_jwt.wait_for_function("document.querySelectorAll('#lg-rows tr[data-login]').length === 3")
        assert victim_jwt.locator(f"#lg-rows tr[data-login='t-{other_family}']").count() == 1

        # The dashboard: three charts drawn by the vendored Chart.js, and the live counts.
        _admin_login(admin, site, admin_user)
        admin.click("a[href='/admin/console/']")
        admin.wait_for_function("document.body.dataset.chartsDrawn === '3'")
        drawn = admin.evaluate("""() => window.consoleCharts.map((chart) => {
            const canvas = chart.canvas;
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) painted++; }
            return [canvas.width > 0 && canvas.height > 0, painted > 100];
        })""")
        assert drawn == [[True, True]] * 3
        assert admin.inner_text("td[data-count='session']") == "2"  # the victim's session and the admin's own
        assert admin.inner_text("td[data-count='jwt']") == "2"

        # Find the user, open their page: devices on both doors, with human names.
        admin.goto(f"{site.url}/admin/accounts/user/?q={user.username}")
        admin.click("#result_list a:text-is('Sessions and tokens')")
        admin.wait_for_selector("#tokens")
        assert admin.locator("#sessions tr[data-login]").count() == 1
        assert admin.locator("#tokens tr[data-login]").count() == 2
        assert "HeadlessChrome" in admin.inner_text("#sessions")

        # End one token login, through the confirmation page: that JWT dies, the others live, and the login
        # leaves the live table for the ended list with its reason.
        admin.click(f"#tokens tr[data-login='t-{other_family}'] input[type=submit]")
        admin.wait_for_selector("#confirm-yes")
        assert _call(site, "GET", "/jwt/api/profile/", token=other_access)[0] == HTTPStatus.OK
        admin.click("#confirm-yes")
        admin.wait_for_selector("text=Every token of that login has been revoked.")
        assert _call(site, "GET", "/jwt/api/profile/", token=other_access)[0] == HTTPStatus.UNAUTHORIZED
        assert admin.locator(f"#tokens tr[data-login='t-{other_family}']").count() == 0
        row = admin.inner_text(f"#ended tr[data-login='t-{other_family}'] .state")
        assert row == f"ended by administrator {admin_user.username}"
        victim_jwt.click("#lg-reload")
        victim_jwt.wait_for_function("document.querySelectorAll('#lg-rows tr[data-login]').length === 2")

        # Suspend, through the confirmation page.
        admin.click("input[value='Suspend account']")
        admin.wait_for_selector("#confirm-yes")
        assert User_is_active(user)
        admin.click("#confirm-yes")
        admin.wait_for_selector("text=Account suspended; every session and token has ended.")
        assert admin.inner_text("#account-state") == "suspended"
        assert admin.locator("#tokens input[type=submit]").count() == 0
        assert admin.locator("#sessions tr[data-login]").count() == 0
        assert "account suspended by admin" in admin.inner_text("#ended")

        # The user's session and JWT die on their next request; the login page says an administrator acted,
        # without naming which one.
        victim_session.goto(f"{site.url}/session/devices/")
        assert victim_session.url.startswith(f"{site.url}/session/login/")
        reason = victim_session.inner_text("#logout-reason")
        assert reason.startswith("You were logged out because an administrator ended it: your account was suspended")
        assert f"({admin_user.username})" not in reason
        victim_jwt.click("#lg-reload")
        victim_jwt.wait_for_function(
            "document.getElementById('lg-state').textContent === 'Signed out: this login has ended.'")
    finally:
        for context in contexts:
            context.close()


def User_is_active(user) -> bool:  # noqa: N802 - reads as the sentence it asserts
    from accounts.models import User

    return User.objects.get(pk=user.pk).is_active


# --- accessibility -------------------------------------------------------------------------------------------
SERIOUS = {"serious", "critical"}


def _axe_violations(page) -> list[str]:
    """Run axe-core (the pinned axe-playwright-python bundle) on the page; return its serious and critical
    violations as "rule: target" lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'])}"
            for v in results.response["violations"] if v["impact"] in SERIOUS]


def test_console_pages_pass_axe_and_a_bulk_end_keeps_the_filter(site, browser, user, other_user, admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    contexts = [browser.new_context() for _ in range(3)]
    admin, alice, bob = (c.new_page() for c in contexts)
    for page in (admin, alice, bob):
        page.set_default_timeout(10_000)
    try:
        _session_login(alice, site, user)
        _session_login(bob, site, other_user)
        _token_login(site, user)
        _admin_login(admin, site, admin_user)
        found = {}
        for name, path in [("dashboard", "/admin/console/"), ("sessions", "/admin/console/sessions/"),
                           ("tokens", "/admin/console/tokens/"), ("user", f"/admin/console/users/{user.pk}/")]:
            admin.goto(f"{site.url}{path}")
            admin.wait_for_selector("#content-main")
            found[name] = _axe_violations(admin)
        admin.click("input[value='Suspend account']")
        admin.wait_for_selector("#confirm-yes")
        found["confirmation"] = _axe_violations(admin)
        assert found == dict.fromkeys(found, [])

        # A bulk end from a filtered list comes back to the same filtered list.
        admin.goto(f"{site.url}/admin/console/sessions/?user={user.username}")
        assert admin.locator("#logins tr[data-login]").count() == 1
        admin.check("#logins input[name=ids]")
        admin.click("#bulk-end")
        admin.wait_for_selector("#confirm-yes")
        admin.click("#confirm-yes")
        admin.wait_for_selector("text=1 login ended.")
        assert admin.url == f"{site.url}/admin/console/sessions/?user={user.username}"
        assert admin.input_value("input[name=user]") == user.username
        assert admin.inner_text("#logins tbody") == "None."
        alice.goto(f"{site.url}/session/devices/")
        assert alice.url.startswith(f"{site.url}/session/login/")
        assert alice.inner_text("#logout-reason").startswith(
            "You were logged out because an administrator ended this session")
        bob.goto(f"{site.url}/session/devices/")
        assert bob.url == f"{site.url}/session/devices/"
    finally:
        for context in contexts:
            context.close()
