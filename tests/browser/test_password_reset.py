"""Resetting a forgotten password from the emailed link, and links that cannot be used."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from playwright.sync_api import expect

from portal.accounts import service
from tests.factories import PASSWORD

from .helpers import check_page, emailed_link, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "violet-harbour-lantern-92"


def test_reset_a_forgotten_password(new_page, world, js):
    participant = world["participant_a"]
    page = new_page(js=js)

    page.goto("/sign-in")
    page.get_by_role("link", name="I have forgotten my password").click()
    expect(page).to_have_url(re.compile(r"/password/forgot$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_page(page)

    page.get_by_role("button", name="Send reset link").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text("Enter your email address")
    expect(page.locator("#email-error")).to_contain_text("Enter your email address")
    check_page(page)

    page.get_by_label("Email address").fill(participant.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text(participant.email)
    check_page(page)

    link = emailed_link(participant.email, "password_reset")
    assert link.startswith("/password/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_page(page)

    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD + "-typo")
    page.get_by_role("button", name="Save new password and sign in").click()
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        "Passwords do not match"
    )
    expect(page.locator("#confirm-error")).to_contain_text("Passwords do not match")
    check_page(page)

    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password and sign in").click()
    expect(page).to_have_url(re.compile(r"/northbrook/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your password has been changed and you are signed in"
    )
    check_page(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))

    sign_in(page, participant.email, PASSWORD)  # the old password
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        "Enter a correct email address and password"
    )
    check_page(page)

    sign_in(page, participant.email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/northbrook/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your programme")

    again = new_page(js=js)
    response = again.goto(link)
    assert response.status == 400
    expect(again.get_by_role("heading", level=1)).to_have_text("Reset link cannot be used")
    expect(again.locator("main")).to_contain_text("This password reset link has already been used")
    check_page(again)


def _token_made_ago(user, purpose: str, age: timedelta) -> str:
    """A genuine link token for ``user``, signed as if ``age`` ago."""
    signed_at = int(time.time() - age.total_seconds())
    with mock.patch("itsdangerous.timed.TimestampSigner.get_timestamp", return_value=signed_at):
        return service.make_link_token(user, purpose)


def test_broken_and_expired_links_say_what_to_do(new_page, world, js):
    participant = world["participant_a"]
    fresh_reset = service.make_link_token(participant, service.RESET)
    cases = [
        (
            "/invitations/not-a-real-token",
            "Invitation cannot be used",
            "This invitation is not valid. Check you copied the whole link.",
        ),
        (
            f"/password/reset/{fresh_reset[:-4]}",  # cut short, as a mail client might
            "Reset link cannot be used",
            "This password reset link is not valid. Check you copied the whole link.",
        ),
        (
            f"/invitations/{_token_made_ago(participant, service.INVITE, timedelta(days=8))}",
            "Invitation cannot be used",
            "This invitation has expired. Ask for a new one.",
        ),
        (
            f"/password/reset/{_token_made_ago(participant, service.RESET, timedelta(hours=2))}",
            "Reset link cannot be used",
            "This password reset link has expired. Ask for a new one.",
        ),
    ]
    page = new_page(js=js)
    for path, title, message in cases:
        response = page.goto(path)
        assert response.status == 400, path
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page).to_have_title(re.compile(f"^{title} – "))
        expect(page.locator("main")).to_contain_text(message)
        # The way to a new link: an invited person gets a fresh invitation from there.
        expect(page.get_by_role("link", name="forgotten password page")).to_be_visible()
        check_page(page)
