"""A partner manager imports participants from a CSV file and watches it finish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.support import run_jobs

from .helpers import check_page, sign_in

pytestmark = pytest.mark.browser

GOOD = b"name,email\nAda Lovelace,ada@northbrook.example\nMary Seacole,mary@northbrook.example\n"
BAD = b"name,email\nAda Lovelace,ada@northbrook.example\n,nameless@northbrook.example\n"


def _upload(page, content: bytes) -> None:
    page.goto("/northbrook/people")
    page.get_by_role("link", name="Import participants").click()
    expect(page).to_have_url(re.compile(r"/northbrook/people/import$"))
    check_page(page)
    page.get_by_label("Upload a CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload and check file").click()
    expect(page).to_have_url(re.compile(r"/northbrook/people/import/[0-9a-f]{32}$"))


def _see_result(page, js: bool) -> None:
    """With JavaScript the page updates itself; without, the person checks again."""
    if not js:
        page.get_by_role("link", name="Check progress").click()


def test_a_manager_imports_participants_and_sees_progress_then_the_result(new_page, world, js):
    page = new_page(js=js)
    sign_in(page, world["partner_manager_a"].email, PASSWORD)
    _upload(page, GOOD)
    expect(page.get_by_label("Progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Waiting to start")
    check_page(page)

    run_jobs()
    _see_result(page, js)
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()
    expect(page.locator(".govuk-panel")).to_contain_text("Invited 2 participants")
    check_page(page)

    page.get_by_role("link", name=re.compile("See everyone")).click()
    expect(page.get_by_role("row", name=re.compile("Ada Lovelace"))).to_contain_text("Invited")
    check_page(page)


def test_a_file_with_a_problem_is_listed_by_row_and_imports_nobody(new_page, world, js):
    page = new_page(js=js)
    sign_in(page, world["partner_manager_a"].email, PASSWORD)
    _upload(page, BAD)
    run_jobs()
    _see_result(page, js)
    expect(page.get_by_role("heading", name="There is a problem with the file")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(r"^3 name"))
    expect(row).to_contain_text("Enter the person's full name")
    check_page(page)
    page.goto("/northbrook/people")
    expect(page.get_by_text("Ada Lovelace")).to_have_count(0)
