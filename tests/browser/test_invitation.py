"""A partner manager invites a participant, who sets a password from the emailed link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .helpers import check_page, emailed_link, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "violet-harbour-lantern-92"


def test_invited_participant_sets_a_password_and_is_signed_in(new_page, world, js):
    manager = world["partner_manager_a"]
    name, email = "Robin Ashdown", "robin.ashdown@northbrook.example"

    page = new_page(js=js)
    sign_in(page, manager.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/northbrook/$"))
    check_page(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    expect(page).to_have_url(re.compile(r"/northbrook/people$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    check_page(page)

    page.get_by_role("link", name="Invite a participant").click()
    expect(page).to_have_url(re.compile(r"/northbrook/people/invite$"))
    check_page(page)

    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter the person's full name", "Enter their work email address"]
    )
    expect(page.locator("#name-error")).to_contain_text("Enter the person's full name")
    check_page(page)

    page.get_by_label("Full name").fill(name)
    page.get_by_label("Work email address").fill(email)
    page.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_url(re.compile(r"/northbrook/people$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Invitation sent to {email}"
    )
    expect(page.get_by_role("row", name=re.compile(name))).to_contain_text("Invited")
    check_page(page)

    link = emailed_link(email, "invitation")
    assert link.startswith("/invitations/")

    invited = new_page(js=js)  # the participant's own browser
    invited.goto(link)
    expect(invited.get_by_role("heading", level=1)).to_have_text("Set your password")
    expect(invited.locator("main")).to_contain_text(f"Welcome, {name}")
    expect(invited.locator("main")).to_contain_text(email)
    check_page(invited)

    # A guessable password is refused, in the error summary and on the field.
    invited.get_by_label("Create a password").fill("aaaaaaaaaaaaaaaa")
    invited.get_by_label("Confirm password").fill("aaaaaaaaaaaaaaaa")
    invited.get_by_role("button", name="Save password and sign in").click()
    summary = invited.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#password")
    expect(invited.locator("#password-error")).to_contain_text("Try three or four random words")
    check_page(invited)

    invited.get_by_label("Create a password").fill(NEW_PASSWORD)
    invited.get_by_label("Confirm password").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Save password and sign in").click()
    expect(invited).to_have_url(re.compile(r"/northbrook/$"))
    expect(invited.locator(".govuk-notification-banner")).to_contain_text(
        "Your password is set and you are signed in"
    )
    expect(invited.get_by_role("heading", level=1)).to_have_text("Your programme")
    expect(invited.get_by_role("navigation", name="Your account")).to_contain_text(name)
    check_page(invited)

    # The manager now sees the participant as active.
    page.reload()
    expect(page.get_by_role("row", name=re.compile(name))).to_contain_text("Active")

    # The link worked once.
    again = new_page(js=js)
    response = again.goto(link)
    assert response.status == 400
    expect(again.get_by_role("heading", level=1)).to_have_text("Invitation cannot be used")
    expect(again.locator("main")).to_contain_text("This invitation has already been used")
    check_page(again)


def test_a_lost_invitation_is_sent_again_and_only_the_new_link_works(new_page, world, js):
    """The manager sends a lost invitation again from the person's page; the first link
    then says a newer one was sent, and the new one sets the password."""
    manager = world["partner_manager_a"]
    name, email = "Sam Okonjo", "sam.okonjo@northbrook.example"
    page = new_page(js=js)
    sign_in(page, manager.email, PASSWORD)
    page.goto("/northbrook/people/invite")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Work email address").fill(email)
    page.get_by_role("button", name="Send invitation").click()
    first = emailed_link(email, "invitation")

    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=2, name="Invitation")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Send the invitation again").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"A new invitation was sent to {email}"
    )
    check_page(page)
    second = emailed_link(email, "invitation")
    assert second != first

    invited = new_page(js=js)
    invited.goto(first)
    expect(invited.locator("main")).to_contain_text("a newer one was sent")
    check_page(invited)
    invited.goto(second)
    invited.get_by_label("Create a password").fill(NEW_PASSWORD)
    invited.get_by_label("Confirm password").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Save password and sign in").click()
    expect(invited).to_have_url(re.compile(r"/northbrook/$"))
