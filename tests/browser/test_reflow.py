"""Phones and zoom (WCAG 1.4.10 Reflow): at 320 CSS pixels no page scrolls sideways.
A wide table scrolls inside its own box, which a keyboard can reach (issue 13, point 9).
"""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.test_access import ids as ids  # noqa: F401 - the fixture: a record of each kind

from .helpers import sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "centre_admin": ["/admin/", "/admin/users", "/admin/audit", "/admin/services",
                     "/admin/mailbox", "/admin/operations/", "/host/placements"],
    "partner_manager_a": ["/northbrook/", "/northbrook/people", "/northbrook/placements/",
                          "/northbrook/sessions/", "/northbrook/placements/services",
                          "/northbrook/placements/new", "/northbrook/sessions/find",
                          "/northbrook/boards/"],
    "participant_a": ["/northbrook/", "/northbrook/sessions/", "/northbrook/sessions/groups",
                      "/northbrook/placements/"],
    "host_practitioner": ["/host/", "/host/week", "/host/availability"],
    "facilitator": ["/host/moderation", "/host/"],
}  # fmt: skip


# What sticks out past 320 px, outside the boxes that scroll (the boxes themselves count).
WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 321)
    .filter(e => !e.closest('.portal-scroll') || e.classList.contains('portal-scroll'))
    .slice(0, 3).map(e => e.tagName + '.' + e.className).join(', ')"""


@pytest.mark.parametrize("role_key", sorted(PAGES))
def test_no_page_scrolls_sideways_at_320_pixels(new_page, world, ids, role_key):
    page = new_page(js=True)
    page.set_viewport_size({"width": 320, "height": 900})
    sign_in(page, world[role_key].email, PASSWORD)
    wide = []
    for path in PAGES[role_key]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            culprit = page.evaluate(WIDEST)
            wide.append(f"{path}: {width}px wide ({culprit})")
    assert not wide, "\n".join(wide)


def test_a_wide_table_scrolls_in_a_box_a_keyboard_can_reach(new_page, world, ids):
    page = new_page(js=True)
    page.set_viewport_size({"width": 320, "height": 900})
    sign_in(page, world["centre_admin"].email, PASSWORD)
    page.goto("/admin/audit")
    box = page.locator(".portal-scroll").first
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label") == "Audit events"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
