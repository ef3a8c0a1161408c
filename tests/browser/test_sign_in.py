"""Signing in and out, as a person would, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .helpers import body_has_js_class, check_page

pytestmark = pytest.mark.browser


def test_sign_in_and_out(new_page, world, js):
    manager = world["partner_manager_a"]
    page = new_page(js=js)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page)
    # The page's own scripts run exactly when the context allows them.
    assert body_has_js_class(page) is js

    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text("Enter a correct email address and password")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#password")
    expect(page.locator("#password-error")).to_have_text(
        re.compile(r"Error:\s*Enter a correct email address and password")
    )
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.get_by_label("Email address")).to_have_value(manager.email)
    check_page(page)
    if js:  # GOV.UK Frontend moves focus to the summary, and its links to the field
        expect(summary).to_be_focused()
        summary.get_by_role("link").click()
        expect(page.get_by_label("Password", exact=True)).to_be_focused()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/northbrook/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Northbrook Council dashboard")
    expect(page.get_by_role("navigation", name="Your account")).to_contain_text(manager.name)
    check_page(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    check_page(page)

    page.goto("/northbrook/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fnorthbrook%2F$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page)


def test_sign_in_form_asks_for_both_fields(new_page, world, js):
    page = new_page(js=js)
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter your email address", "Enter your password"]
    )
    expect(page.locator("#email-error")).to_contain_text("Enter your email address")
    expect(page.locator("#password-error")).to_contain_text("Enter your password")
    check_page(page)


def test_sign_in_returns_to_the_page_asked_for(new_page, world, js):
    participant = world["participant_a"]
    page = new_page(js=js)
    page.goto("/northbrook/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    check_page(page)  # with the "Sign in to see that page" message
    page.get_by_label("Email address").fill(participant.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/northbrook/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your programme")
    check_page(page)


def test_the_sites_own_scripts_run_under_its_csp(chromium, live_server):
    """The journeys bypass the CSP so axe can run; this page keeps it, and GOV.UK
    Frontend still starts (the password "Show" button appears) with nothing refused."""
    context = chromium.new_context(base_url=live_server)
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/sign-in")
        expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        expect(page.get_by_role("button", name="Show password")).to_be_visible()
        assert page.evaluate("typeof window.htmx") == "object"
        assert errors == []
    finally:
        context.close()
