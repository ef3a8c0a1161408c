"""The idle timeout, as a person meets it: warned first, with JavaScript, and nothing
typed is lost, with JavaScript or without (issue 13, point 3; WCAG 2.2.1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import tenancy
from portal.boards import service
from portal.common.clock import move_clock
from portal.extensions import db
from tests.factories import PASSWORD

from .helpers import check_page, sign_in
from .test_boards import boards  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

TYPED = "Seeing how the chair kept a strategy meeting on the child's plan."


def draft(world) -> int:
    author = world["participant_a"]
    with tenancy.scoped({world.a.id}):
        reflection = service.start_reflection(actor=author, tenant=world.a, board_id=world.board_id)
        db.session.commit()
        return reflection.id


def sign_in_again(page, email: str) -> None:
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "What you typed has been kept"
    )
    check_page(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_without_javascript_a_late_save_loses_nothing(new_page, boards):  # noqa: F811
    participant = boards["participant_a"]
    page = new_page(js=False)
    sign_in(page, participant.email, PASSWORD)
    page.goto(f"/northbrook/reflections/{draft(boards)}/edit")
    expect(page.locator(".portal-idle-notice")).to_contain_text(
        re.compile(r"signed out after 30 minutes without activity: .* at \d\d:\d\d")
    )
    page.get_by_label("Title").fill("Strategy meeting")
    page.get_by_label("Your reflection").fill(TYPED)
    move_clock(timedelta(minutes=31))

    page.get_by_role("button", name="Save draft").click()

    sign_in_again(page, participant.email)
    expect(page).to_have_url(re.compile(r"/reflections/\d+/edit$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is back in the form")
    expect(page.get_by_label("Your reflection")).to_have_value(TYPED)
    expect(page.get_by_label("Title")).to_have_value("Strategy meeting")
    check_page(page)


def test_with_javascript_a_warning_comes_first_and_nothing_is_lost(
    new_page, world, app, monkeypatch
):
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT", timedelta(seconds=18))
    monkeypatch.setitem(app.config, "IDLE_WARNING", timedelta(seconds=12))
    manager = world["partner_manager_a"]
    page = new_page(js=True)
    sign_in(page, manager.email, PASSWORD)
    page.goto(f"/northbrook/placements/new?service={world.service.id}")
    goals = page.get_by_label("Learning goals")
    goals.fill("Chairing strategy discussions")
    goals.focus()

    warning = page.get_by_role("alertdialog", name="You are about to be signed out")
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning.get_by_role("button", name="Stay signed in")).to_be_focused()
    expect(warning).to_contain_text(re.compile(r"signed out in \d+ seconds"))
    check_page(page)
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    expect(goals).to_be_focused()  # back where they were

    goals.fill(TYPED)  # then nobody answers the second warning
    expect(warning).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="), timeout=20_000)
    sign_in_again(page, manager.email)
    expect(page).to_have_url(re.compile(r"/northbrook/placements/new\?service=\d+$"))
    expect(page.get_by_label("Learning goals")).to_have_value(TYPED)
