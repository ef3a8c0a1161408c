"""Learning boards, as the participants who write and read them and the facilitator who
moderates them see them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import tenancy
from portal.boards import service
from portal.boards.models import Visibility
from portal.extensions import db
from portal.tenants.models import Cohort
from tests.factories import PASSWORD

from .helpers import assert_accessible_once, check_page, html_problems, js_enabled, sign_in

pytestmark = pytest.mark.browser

BOARD = "Joint visits"
RISKY = "The mother, Kerry Smith, lives at 14 Elm Road, W8 7NX."
CLEAN = (
    "We talked through how the team weighs up a referral. "
    "I learned to ask about strengths before risks."
)
NAMES = {
    "participant_a": "Leah Morgan", "partner_manager_a": "Priya Shah",
    "participant_b": "Jack Whitfield", "partner_manager_b": "Tom Okafor",
    "facilitator": "Martin Kowalski", "host_practitioner": "Daniel Osei",
    "service_lead": "Sarah Bennett", "centre_admin": "Grace Adeyemi",
}  # fmt: skip


@pytest.fixture
def boards(world):
    """People with their own names, and a cohort board for both authorities."""
    with tenancy.system_scope():
        for key, name in NAMES.items():
            world[key].name = name
        cohort = db.session.get(Cohort, world.a.cohort_id)
        board = service.create_board(
            actor=world["facilitator"], cohort=cohort, tenant=None, title=BOARD
        )
        world.board_id = board.id
        db.session.commit()
    return world


def shared(world, *, title: str, body: str = CLEAN) -> int:
    """participant_a's reflection, shared with the whole cohort: its id."""
    author = world["participant_a"]
    with tenancy.scoped({world.a.id}):
        reflection = service.start_reflection(actor=author, tenant=world.a, board_id=world.board_id)
        service.save_draft(reflection.id, actor=author, title=title, body=body, themes="",
                           visibility=Visibility.COHORT)  # fmt: skip
        service.share(reflection.id, actor=author)
        found = reflection.id
        db.session.commit()
    return found


# --- Steps ------------------------------------------------------------------------------------


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("load")


def menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()
    page.wait_for_load_state("load")


def banner(page):
    return page.locator(".govuk-notification-banner")


def heading(page):
    return page.get_by_role("heading", level=1)


def results(page):
    return page.locator("#results")


def check_shown(page) -> None:
    """check_page; or, where htmx has swapped part of the page in and pushed a new
    address (so no document was served for it), the same checks on the page as shown."""
    page.wait_for_load_state("load")
    document = page.evaluate("performance.getEntriesByType('navigation')[0].name")
    if not js_enabled(page.context) or document.split("#")[0] == page.url.split("#")[0]:
        check_page(page)
        return
    problems = html_problems(page.content())
    assert not problems, f"markup problems on {page.url} as shown:\n  " + "\n  ".join(problems)
    assert_accessible_once(page)


def mark_document(page) -> None:
    """Leave a mark on the document: it is gone once another page loads."""
    if js_enabled(page.context):
        page.evaluate("window.portalSamePage = true")


def same_document(page) -> bool:
    return page.evaluate("window.portalSamePage === true")


def signed_in(new_page, world, key: str, js: bool):
    page = new_page(js=js)
    sign_in(page, world[key].email, PASSWORD)
    return page


def open_board(page) -> None:
    """From anywhere on an authority's pages: Learning boards, then the board."""
    menu(page, "Learning boards")
    expect(heading(page)).to_have_text("Learning boards")
    check_page(page)
    page.get_by_role("link", name=BOARD, exact=True).click()
    page.wait_for_load_state("load")
    expect(heading(page)).to_have_text(BOARD)
    check_page(page)


def goto_board(page, world) -> None:
    """The board, by its address on Eastmere's pages (the way there is tested above)."""
    page.goto(f"/eastmere/boards/{world.board_id}")
    expect(heading(page)).to_have_text(BOARD)
    check_page(page)


def open_reflection(page, title: str) -> None:
    """From the board: the reflection's own page."""
    results(page).get_by_role("link", name=title, exact=True).click()
    page.wait_for_load_state("load")
    expect(heading(page)).to_contain_text(title)
    check_page(page)


def start_writing(page) -> None:
    """From the board: a new reflection, from Kolb's cycle."""
    page.get_by_label("Start from").select_option("kolb")
    press(page, "Write a reflection")
    expect(page).to_have_url(re.compile(r"/northbrook/reflections/\d+/edit$"))
    expect(heading(page)).to_have_text("Write a reflection")
    check_page(page)


def fill_reflection(page, *, title: str, body: str) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Your reflection").fill(body)
    page.get_by_label("The whole cohort").check()


def check_and_share(page) -> None:
    press(page, "Check and share")
    expect(page).to_have_url(re.compile(r"/northbrook/reflections/\d+/share$"))
    expect(heading(page)).to_have_text("Check before you share")
    check_page(page)


def kolb(what_happened: str) -> str:
    return (
        f"## What happened\n\n{what_happened}\n\n"
        f"## What I learned\n\n{CLEAN}\n\n"
        "## What I will do\n\nAsk about **strengths** first in my own visits."
    )


# --- Journeys ---------------------------------------------------------------------------------


def test_a_participant_removes_a_finding_and_shares_with_the_cohort(new_page, boards, js):
    title = "A joint visit about neglect"
    page = signed_in(new_page, boards, "participant_a", js)
    open_board(page)
    start_writing(page)
    expect(page.get_by_label("Your reflection")).to_have_value(re.compile("## What happened"))
    fill_reflection(page, title=title, body=kolb(f"We visited a family. {RISKY}"))
    if js:  # htmx saves the draft a moment after the author stops typing
        title += " again"
        page.get_by_label("Title", exact=True).press("End")
        with page.expect_request(
            lambda r: r.url.endswith("/autosave") and "again" in (r.post_data or "")
        ):
            page.keyboard.type(" again")
        expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=3000)
        check_page(page)
    check_and_share(page)
    expect(page.locator("mark.portal-finding").first).to_be_visible()
    expect(page.locator(".portal-checked-text mark.portal-finding")).not_to_have_count(0)
    expect(page.locator(".portal-checked-text")).to_contain_text("14 Elm Road")
    expect(page.locator(".govuk-warning-text")).to_contain_text("that could identify a child")
    expect(page.get_by_role("button", name="Send to a facilitator to check")).to_be_visible()

    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_load_state("load")
    expect(heading(page)).to_have_text("Write a reflection")
    expect(page.get_by_label("Your reflection")).to_have_value(re.compile("14 Elm Road"))
    check_page(page)
    page.get_by_label("Your reflection").fill(kolb("We visited a family with a new baby."))
    check_and_share(page)
    expect(page.locator("mark.portal-finding")).to_have_count(0)
    expect(page.get_by_text("We found nothing that looks like it could identify")).to_be_visible()
    press(page, "Share with the whole cohort")
    expect(page).to_have_url(re.compile(r"/northbrook/reflections/\d+$"))
    expect(banner(page)).to_contain_text("Shared with the whole cohort")
    expect(heading(page)).to_have_text(title)
    expect(page.locator(".portal-markdown").first).to_contain_text("a new baby")
    check_page(page)

    # Eastmere's participant reads it on the same cohort board.
    reader = signed_in(new_page, boards, "participant_b", js)
    open_board(reader)
    open_reflection(reader, title)
    expect(reader.get_by_text(f"{NAMES['participant_a']}, Northbrook Council")).to_be_visible()
    expect(reader.locator(".portal-markdown").first).to_contain_text("strengths")


def test_a_post_shared_anyway_waits_for_a_facilitator_to_approve_it(new_page, boards, js):
    title = "Thresholds at the front door"
    page = signed_in(new_page, boards, "participant_a", js)
    open_board(page)
    start_writing(page)
    fill_reflection(page, title=title, body=kolb(RISKY))
    check_and_share(page)
    expect(page.locator(".portal-checked-text mark.portal-finding")).not_to_have_count(0)
    # A facilitator checks it before the cohort reads it: the author need not vouch first.
    expect(page.get_by_label("I have checked these details")).to_have_count(0)
    press(page, "Send to a facilitator to check")
    expect(page).to_have_url(re.compile(r"/northbrook/reflections/\d+$"))
    expect(banner(page)).to_contain_text("Sent to a facilitator")
    expect(heading(page).locator(".govuk-tag")).to_have_text("Waiting for a facilitator")
    check_page(page)

    reader = signed_in(new_page, boards, "participant_b", js)
    goto_board(reader, boards)
    expect(results(reader).get_by_role("link", name=title)).to_have_count(0)

    host = signed_in(new_page, boards, "facilitator", js)
    menu(host, "Moderation")
    expect(heading(host)).to_have_text("Moderation")
    check_page(host)
    host.get_by_role("link", name=title, exact=True).click()
    host.wait_for_load_state("load")
    expect(host).to_have_url(re.compile(r"/host/reflections/\d+$"))
    expect(heading(host)).to_contain_text(title)
    check_page(host)
    expect(host.locator(".govuk-summary-card")).to_contain_text("14 Elm Road")
    press(host, "Approve: share with the whole cohort")
    expect(banner(host)).to_contain_text("Approved: shared with the cohort")
    expect(heading(host).locator(".govuk-tag")).to_have_count(0)
    check_page(host)

    reader.reload()
    expect(results(reader).get_by_role("link", name=title)).to_be_visible()
    check_page(reader)


def test_a_participant_comments_mentions_the_author_and_says_it_helped(new_page, boards, js):
    title = "Working with fathers"
    shared(boards, title=title)
    author = NAMES["participant_a"]

    page = signed_in(new_page, boards, "participant_b", js)
    goto_board(page, boards)
    open_reflection(page, title)
    page.get_by_label("Add a comment").fill(f"Thank you @{author}, we see this in Eastmere too.")
    press(page, "Post comment")
    expect(banner(page)).to_contain_text("Comment posted")
    comment = page.locator(".portal-comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(NAMES["participant_b"])
    expect(comment).to_contain_text("we see this in Eastmere too")
    check_page(page)

    count = page.locator("#helped .govuk-body-s")
    expect(count).to_have_text("0 people found this helpful")
    mark_document(page)
    helped = page.get_by_role("button", name="This helped me")
    expect(helped).to_have_attribute("aria-pressed", "false")
    helped.click()
    page.wait_for_load_state("load")
    expect(count).to_have_text("1 person found this helpful")
    if js:  # htmx swaps the count in; without JavaScript the page is loaded again
        assert same_document(page), "the count should change in place, without a new page"
    expect(page.get_by_role("button", name="This helped me")).to_have_attribute(
        "aria-pressed", "true"
    )
    check_shown(page)

    told = signed_in(new_page, boards, "participant_a", js)
    told.get_by_role("link", name=re.compile("^Notifications")).click()
    told.wait_for_load_state("load")
    expect(heading(told)).to_have_text("Notifications")
    notice = f"{NAMES['participant_b']} commented on “{title}”."
    expect(told.get_by_role("link", name=notice)).to_be_visible()
    check_page(told)


def test_a_flagged_reflection_is_hidden_by_a_facilitator(new_page, boards, js):
    title = "Chairing a strategy meeting"
    shared(boards, title=title)

    page = signed_in(new_page, boards, "participant_b", js)
    goto_board(page, boards)
    open_reflection(page, title)
    page.get_by_role("link", name="Flag for a facilitator").click()
    page.wait_for_load_state("load")
    expect(heading(page)).to_have_text("Flag this reflection for a facilitator")
    check_page(page)
    page.get_by_label("What worries you").fill("The school is named: it could identify them")
    press(page, "Flag it")
    expect(banner(page)).to_contain_text("a facilitator will look at it")
    check_page(page)

    host = signed_in(new_page, boards, "facilitator", js)
    menu(host, "Moderation")
    row = host.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("The school is named")
    check_page(host)
    row.get_by_role("link", name=f"Hide {title}").click()
    host.wait_for_load_state("load")
    expect(heading(host)).to_have_text("Hide this reflection")
    check_page(host)
    host.get_by_label("Reason").fill("It names the school: please write 'a primary school'")
    press(host, "Hide it")
    expect(banner(host)).to_contain_text("Hidden. The author has been told why.")
    expect(host.get_by_text("No open flags.")).to_be_visible()
    check_page(host)

    page.get_by_role("link", name=f"Back to {BOARD}").click()
    page.wait_for_load_state("load")
    expect(results(page)).to_contain_text("0 reflections")
    expect(results(page).get_by_role("link", name=title)).to_have_count(0)
    check_page(page)


def test_searching_a_board_finds_the_one_reflection_and_back_undoes_it(new_page, boards, js):
    shared(boards, title="Chairing strategy meetings", body="Chairing well takes practice.")
    shared(boards, title="Home visits", body="Visiting with purpose and curiosity.")

    page = signed_in(new_page, boards, "participant_b", js)
    goto_board(page, boards)
    expect(results(page).get_by_role("heading", level=2)).to_have_text("2 reflections")
    mark_document(page)
    page.get_by_label("Search words").fill("curiosity")
    with page.expect_response(re.compile(r"/eastmere/boards/\d+\?")):
        press(page, "Search")
    expect(results(page).get_by_role("heading", level=2)).to_have_text("1 reflection")
    links = results(page).get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_text("Home visits")
    expect(page).to_have_url(re.compile(r"[?&]q=curiosity"))
    if js:
        assert same_document(page), "htmx should swap the results in, not load a new page"
    expect(heading(page)).to_have_text(BOARD)
    check_shown(page)

    # Back shows the whole board again, with both reflections.
    page.go_back()
    expect(results(page).get_by_role("heading", level=2)).to_have_text("2 reflections")
    expect(heading(page)).to_have_text(BOARD)
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    expect(page.get_by_label("Search words")).to_be_visible()
    check_shown(page)


def test_this_helped_me_keeps_keyboard_focus_on_its_button(new_page, boards):
    reflection_id = shared(boards, title="Working with fathers")
    page = signed_in(new_page, boards, "participant_b", True)
    page.goto(f"/eastmere/reflections/{reflection_id}")
    check_page(page)
    button = page.get_by_role("button", name="This helped me")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#helped .govuk-body-s")).to_have_text("1 person found this helpful")
    expect(button).to_be_focused(timeout=1000)
