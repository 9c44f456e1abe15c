"""In a real Chromium: what a participant looks for is there — the JWT door's logins page, the article the lab
follows, and who the hybrid page is signed in as."""

import pytest

from accounts.models import User
from tests.support.suite import PASSWORD
from workshop.lab import STEPS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_logins_page_is_linked_from_the_lab_and_from_the_devices_page(site, page):
    User.objects.create_user("p01", password=PASSWORD)
    page.goto(f"{site.url}/")
    page.click("a[href='/workshop/logins/']")
    page.wait_for_url(f"{site.url}/workshop/logins/")
    assert page.inner_text("h1") == "Your logins, seen through the JWT door"
    page.goto(f"{site.url}/session/login/?next=/session/devices/")
    page.fill("input[name=username]", "p01")
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(f"{site.url}/session/devices/")
    page.click("main a[href='/workshop/logins/']")
    page.wait_for_url(f"{site.url}/workshop/logins/")


def test_the_lab_names_the_article_and_lists_its_claims_in_order(site, page):
    page.goto(f"{site.url}/")
    page.click("p.lead a[href='#lab-article']")
    page.wait_for_function("document.getElementById('lab-article').open")  # the link unfolds it
    assert "session tokens and JWTs" in page.inner_text("#lab-article")
    claims = page.eval_on_selector_all("#lab-article ol li a", "links => links.map(a => [a.textContent, a.hash])")
    assert claims == [[step.claim, f"#step-{step.slug}"] for step in STEPS]


def test_the_hybrid_page_says_who_is_signed_in_by_name(site, page):
    user = User.objects.create_user("p01", password=PASSWORD)
    page.goto(f"{site.url}/workshop/hybrid/")
    page.wait_for_function("document.getElementById('hy-state').textContent === 'Signed out.'")
    page.fill("#hy-username", "p01")
    page.fill("#hy-password", PASSWORD)
    page.click("#hy-login-button")
    page.wait_for_function("document.getElementById('hy-state').textContent === 'Signed in as p01 (hybrid login).'")
    # After a reload the page resumes the login with its cookie, and still names the account, not its id.
    page.reload()
    page.wait_for_function("document.getElementById('hy-state').textContent.startsWith('Signed in as')")
    assert page.inner_text("#hy-state") == "Signed in as p01 (hybrid login)."
    assert f"user {user.pk}" not in page.inner_text("main")
