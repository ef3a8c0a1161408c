"""Focus after an update in the page (issue 13, point 10; WCAG 2.4.3): with JavaScript,
htmx swaps part of the page in, and focus goes to its message or to what changed,
never back to <body> (portal/static/js/init.js)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.test_placements import act, request, service

from .helpers import sign_in
from .test_sessions import find_times, open_find_page
from .test_sessions import visits as visits  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

FOCUSED = "() => { const e = document.activeElement; return [e.tagName, e.id, e.getAttribute('role'), e.textContent.trim().slice(0, 60)]; }"  # noqa: E501


def test_later_times_move_focus_to_the_new_weeks_heading(new_page, visits):
    page = new_page(js=True)
    open_find_page(page, visits)
    host = visits["host_practitioner"]
    page.get_by_label("Host", exact=True).select_option(label=f"{host.name}, {visits.service.name}")
    find_times(page)
    with page.expect_response(re.compile(r"/sessions/find\?")):
        page.get_by_role("link", name=re.compile("^Later")).click()
    expect(page.locator("#times")).to_be_focused()


def test_a_checklist_tick_moves_focus_to_what_it_confirmed(new_page, world):
    pid = request(world)
    act(world, service.approve_placement, pid, lead=world["service_lead"])
    page = new_page(js=True)
    sign_in(page, world["partner_manager_a"].email, PASSWORD)
    page.goto(f"/northbrook/placements/{pid}")

    page.get_by_role("button", name=re.compile(r"Confirm\s*: DBS check confirmed")).click()

    status = page.locator("#clearance-checklist [role=status]")
    expect(status).to_have_text("Confirmed: DBS check confirmed.")
    expect(status).to_be_focused()


def test_approving_in_the_leads_list_moves_focus_to_the_rows_new_state(new_page, world):
    pid = request(world)
    page = new_page(js=True)
    sign_in(page, world["service_lead"].email, PASSWORD)
    page.goto("/host/placements")

    page.get_by_role("button", name=re.compile("^Approve")).click()

    status = page.locator(f"#request-{pid} [role=status]")
    expect(status).to_contain_text("Approved")
    expect(status).to_be_focused()
    assert page.evaluate(FOCUSED)[0] != "BODY"
