"""Every page each kind of person reaches from the menu and the header, checked the same
way as the journeys: valid, labelled markup and no WCAG 2.2 A/AA violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accounts import service
from portal.extensions import db
from tests.factories import PASSWORD
from tests.support import run_jobs

from .helpers import check_page, sign_in

pytestmark = pytest.mark.browser


def test_pages_anyone_can_reach(new_page, js):
    page = new_page(js=js)
    page.goto("/sign-in")
    for name in ("Accessibility statement", "Privacy"):
        page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        check_page(page)
    response = page.goto("/no/such/page")
    assert response.status == 404
    check_page(page)


def _links(page, container) -> list[str]:
    links = container.get_by_role("link")
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


@pytest.mark.parametrize(
    "who", ["partner_manager_a", "participant_a", "host_practitioner", "centre_admin"]
)
def test_pages_in_the_menu(new_page, world, js, who):
    user = world[who]
    if who == "centre_admin":  # something in the mailbox to open
        service.request_password_reset(world["participant_a"].email)
        db.session.commit()
        run_jobs()
    page = new_page(js=js)
    sign_in(page, user.email, PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_page(page)

    account = page.get_by_role("navigation", name="Your account")
    hrefs = _links(page, page.get_by_role("navigation", name="Menu")) + _links(page, account)
    assert len(hrefs) >= 2, hrefs
    for href in hrefs:
        response = page.goto(href)
        assert response.ok, href
        check_page(page)

    if who == "centre_admin":
        page.goto("/admin/mailbox")
        page.get_by_role("link", name="Reset your partnership portal password").click()
        expect(page.locator("main")).to_contain_text("[password reset link, sent")
        expect(page.locator("main")).not_to_contain_text("/password/reset/")
        check_page(page)

    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Change password"
    ).click()
    expect(page).to_have_url(re.compile(r"/account/password$"))
    page.get_by_role("button", name="Change password").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter your current password", "Enter a password", "Confirm your password"]
    )
    check_page(page)
