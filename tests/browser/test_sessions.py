"""Sessions, as the people who book, join, move and run them see them."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from portal import tenancy
from portal.accounts.models import Membership
from portal.extensions import db
from portal.placements.models import Placement, PlacementStatus
from portal.sessions import service
from portal.sessions.models import AvailabilityWindow, SessionKind
from portal.sessions.slots import bank_holiday, local
from tests.factories import PASSWORD

from .helpers import assert_accessible_once, check_page, html_problems, js_enabled, sign_in

pytestmark = pytest.mark.browser

TODAY = service.london_date(service.now())


def working_day(n: int = 0) -> date:
    """The n-th weekday (0 = first) that is not a bank holiday, at least 3 days ahead."""
    day = TODAY + timedelta(days=3)
    found = -1
    while True:
        if day.weekday() < 5 and not bank_holiday(day):
            found += 1
            if found == n:
                return day
        day += timedelta(days=1)


def at(day: date, clock: str):
    return local(day, time.fromisoformat(clock))


def series_start(weeks: int) -> date:
    """A working day whose next ``weeks - 1`` same weekdays are working days too."""
    n = 0
    while True:
        day = working_day(n)
        if all(not bank_holiday(day + timedelta(weeks=w)) for w in range(weeks)):
            return day
        n += 1


@pytest.fixture
def visits(world):
    """Host staff work with both authorities, 9 to 5 on weekdays; both participants are
    on cleared placements for the next 90 days."""
    with tenancy.system_scope():
        for key in ("host_practitioner", "service_lead", "facilitator"):
            for weekday in range(5):
                db.session.add(
                    AvailabilityWindow(
                        user_id=world[key].id, weekday=weekday, starts=time(9), ends=time(17)
                    )
                )
            db.session.add(Membership(user_id=world[key].id, tenant_id=world.b.id))
        for key, tenant in (("participant_a", world.a), ("participant_b", world.b)):
            db.session.add(
                Placement(
                    tenant_id=tenant.id, participant_id=world[key].id,
                    service_id=world.service.id, status=PlacementStatus.CLEARED,
                    starts_on=TODAY, ends_on=TODAY + timedelta(days=90), weekdays=0b00111,
                    learning_goals="Goals",
                )
            )  # fmt: skip
        db.session.commit()
    return world


def book_visit(world, *, day: date, clock: str = "10:00") -> tuple[int, str]:
    """participant_a books a one-hour joint visit with the host practitioner: (id, title)."""
    with tenancy.scoped({world.a.id}):
        session = service.book_visit(
            actor=world["participant_a"], tenant=world.a,
            participant_id=world["participant_a"].id, kind=SessionKind.JOINT_VISIT,
            starts_at=at(day, clock), length_minutes=60, location="Online",
            host_id=world["host_practitioner"].id,
        )  # fmt: skip
        found = session.id, session.title
        db.session.commit()
    return found


def create_group(world, *, seats: int, per_authority=None, count=1) -> tuple[int, str]:
    """The facilitator's supervision group on the first working day (weekly, ``count``
    times): (the first's id, title)."""
    start = at(working_day(), "10:00")
    with tenancy.scoped(set()):
        created = service.create_group(
            actor=world["facilitator"], kind=SessionKind.SUPERVISION_GROUP,
            title="Reflective supervision", starts_at=start,
            ends_at=start + timedelta(hours=2), location="Online", seats=seats,
            seats_per_authority=per_authority, repeat="weekly" if count > 1 else "none",
            count=count,
        )  # fmt: skip
        found = created[0].id, created[0].title
        db.session.commit()
    return found


# --- Steps ------------------------------------------------------------------------------------


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("load")


def menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()
    page.wait_for_load_state("load")


def find_times(page) -> None:
    """Send the find form. With JavaScript, htmx swaps the free times in and pushes the
    address; without, the whole page loads."""
    with page.expect_response(re.compile(r"/sessions/find\?")):
        page.get_by_role("button", name="Find times", exact=True).click()
    page.wait_for_load_state("load")


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


def first_slot(page, day: date):
    """The first start-time link under ``day``'s heading in a list of free times."""
    heading = day.strftime("%A %-d %B %Y")
    return page.locator(
        f"xpath=//h3[normalize-space()='{heading}']/following-sibling::ul[1]//a"
    ).first


def fill_date(page, name: str, day: date) -> None:
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def banner(page):
    return page.locator(".govuk-notification-banner")


def error_summary(page):
    return page.locator(".govuk-error-summary")


def status(page):
    return page.locator("h1 .govuk-tag")


def summary(page, key: str):
    return (
        page.locator(".govuk-summary-list__row")
        .filter(has=page.locator("dt", has_text=key))
        .locator("dd")
    )


# --- Journeys ---------------------------------------------------------------------------------


def test_a_participant_finds_a_free_time_and_books_it_and_the_host_sees_it(new_page, visits, js):
    host = visits["host_practitioner"]
    host_option = f"{host.name}, {visits.service.name}"
    day = working_day()

    page = new_page(js=js)
    sign_in(page, visits["participant_a"].email, PASSWORD)
    menu(page, "Your sessions")
    expect(page).to_have_url(re.compile(r"/northbrook/sessions/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sessions")
    check_page(page)
    page.get_by_role("link", name="Book a joint visit or consultation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find a time")
    check_page(page)
    find_times(page)
    expect(error_summary(page)).to_contain_text("Select a host or a service")
    check_shown(page)

    page.get_by_label("Host", exact=True).select_option(label=host_option)
    find_times(page)
    expect(error_summary(page)).to_have_count(0)
    expect(page.get_by_role("heading", level=3, name=day.strftime("%A %-d %B %Y"))).to_be_visible()
    check_shown(page)
    slot = first_slot(page, day)
    expect(slot).to_contain_text("09:00")
    slot.click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a joint visit")
    expect(summary(page, "When")).to_contain_text(f"{day:%A %-d %B %Y}, 09:00 to 10:30")
    check_page(page)
    page.get_by_label("Where").select_option(label="Online")
    press(page, "Book this time")
    expect(page).to_have_url(re.compile(r"/northbrook/sessions/\d+$"))
    expect(banner(page)).to_contain_text("Booked")
    expect(status(page)).to_have_text("Confirmed")
    expect(summary(page, "Where")).to_have_text("Online")
    check_page(page)
    session_path = re.search(r"/northbrook/sessions/(\d+)$", page.url)
    assert session_path

    # The host sees it in their week and opens it.
    hosting = new_page(js=js)
    sign_in(hosting, host.email, PASSWORD)
    menu(hosting, "My week")
    expect(hosting.get_by_role("heading", level=1)).to_contain_text("My week")
    check_page(hosting)
    hosting.goto(f"/host/week?week={day.isoformat()}")
    visit = hosting.get_by_role("link", name=re.compile(f"Joint visit: .* with {host.name}"))
    expect(visit).to_be_visible()
    check_page(hosting)
    visit.click()
    expect(hosting).to_have_url(re.compile(rf"/host/sessions/{session_path.group(1)}$"))
    expect(status(hosting)).to_have_text("Confirmed")
    check_page(hosting)


def open_find_page(page, world) -> None:
    sign_in(page, world["participant_a"].email, PASSWORD)
    page.goto("/northbrook/sessions/find")
    check_page(page)


def test_a_find_error_is_shown_on_the_field_and_in_the_title(new_page, visits, js):
    page = new_page(js=js)
    open_find_page(page, visits)
    find_times(page)
    expect(error_summary(page)).to_contain_text("Select a host or a service")
    check_shown(page)
    expect(page).to_have_title(re.compile(r"^Error: "), timeout=1000)
    expect(page.locator("#who-error")).to_contain_text("Select a host or a service")


def test_back_after_finding_times_shows_the_whole_page(new_page, visits, js):
    host = visits["host_practitioner"]
    page = new_page(js=js)
    open_find_page(page, visits)
    find_times(page)
    page.get_by_label("Host", exact=True).select_option(label=f"{host.name}, {visits.service.name}")
    find_times(page)
    slot = first_slot(page, working_day())
    expect(slot).to_be_visible()
    with page.expect_response(re.compile(r"/sessions/find\?.*who=&")):
        page.go_back()
    expect(slot).to_have_count(0)  # the page has been restored: no need to wait below
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find a time", timeout=1000)
    expect(page.get_by_role("button", name="Find times")).to_be_visible()
    expect(error_summary(page)).to_contain_text("Select a host or a service")
    check_shown(page)


def test_a_full_group_seat_passes_to_the_next_authoritys_waiting_participant(new_page, visits, js):
    _, title = create_group(visits, seats=1)

    first = new_page(js=js)
    sign_in(first, visits["participant_a"].email, PASSWORD)
    menu(first, "Your sessions")
    first.get_by_role("link", name="Groups and seminars").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Groups and seminars")
    check_page(first)
    first.get_by_role("link", name=title).click()
    expect(first.get_by_role("heading", level=1)).to_contain_text(title)
    check_page(first)
    press(first, "Book a seat")
    expect(banner(first)).to_contain_text("Seat booked")
    expect(first.get_by_text("You have a seat.")).to_be_visible()
    check_page(first)

    second = new_page(js=js)
    sign_in(second, visits["participant_b"].email, PASSWORD)
    second.goto("/eastmere/sessions/groups")
    check_page(second)
    second.get_by_role("link", name=title).click()
    check_page(second)
    press(second, "Join the waiting list")
    expect(banner(second)).to_contain_text("you are on the waiting list")
    expect(second.get_by_text("You are on the waiting list.")).to_be_visible()
    check_page(second)

    press(first, "Give up your seat")
    expect(banner(first)).to_contain_text("Place given up")
    expect(first.get_by_role("button", name="Join the waiting list")).to_be_visible()
    check_page(first)

    second.reload()
    expect(second.get_by_text("You have a seat.")).to_be_visible()
    check_page(second)


def test_seats_are_said_before_booking_and_a_series_is_one_action(new_page, visits, js):
    session_id, title = create_group(visits, seats=3, per_authority=1, count=3)
    with tenancy.scoped({visits.b.id}):
        service.book_seat(actor=visits["participant_b"], tenant=visits.b, session_id=session_id,
                          participant_id=visits["participant_b"].id)  # fmt: skip
        db.session.commit()

    page = new_page(js=js)
    sign_in(page, visits["participant_a"].email, PASSWORD)
    page.goto(f"/northbrook/sessions/{session_id}")
    expect(page.locator("#seat-room")).to_have_text("1 seat free for Northbrook Council.")
    check_page(page)
    press(page, "Book all 3 coming sessions in this series")
    expect(banner(page)).to_contain_text("3 seats booked for you")
    expect(page.get_by_text("You have a seat.")).to_be_visible()
    check_page(page)

    manager = new_page(js=js)
    sign_in(manager, visits["partner_manager_a"].email, PASSWORD)
    manager.goto(f"/northbrook/sessions/{session_id}")
    expect(manager.locator("#seat-room")).to_contain_text(
        "Northbrook Council's 1 seat is taken, though 1 seat is free for other authorities"
    )
    expect(manager.get_by_role("button", name="Add to the waiting list")).to_be_visible()
    check_page(manager)


def test_a_participant_moves_a_visit_to_a_later_day(new_page, visits, js):
    session_id, title = book_visit(visits, day=working_day())
    later = working_day(1)

    page = new_page(js=js)
    sign_in(page, visits["participant_a"].email, PASSWORD)
    # Opened by its address: the list's link to it is broken (see the test below).
    page.goto(f"/northbrook/sessions/{session_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    check_page(page)
    page.get_by_role("link", name="Move", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move this session")
    check_page(page)
    first_slot(page, later).click()
    page.wait_for_load_state("load")
    expect(page.get_by_text(f"New time: {later:%A %-d %B %Y}, 09:00")).to_be_visible()
    check_page(page)
    page.get_by_label("Reason (optional)").fill("The host asked for a morning visit")
    press(page, "Move the session")
    expect(page).to_have_url(re.compile(rf"/northbrook/sessions/{session_id}$"))
    expect(banner(page)).to_contain_text(f"Moved to {later:%A %-d %B %Y}, 09:00 to 10:00")
    expect(summary(page, "When")).to_contain_text(f"{later:%A %-d %B %Y}, 09:00 to 10:00")
    expect(summary(page, "Why it was moved")).to_have_text("The host asked for a morning visit")
    check_page(page)


def test_your_sessions_links_to_the_sessions_own_page(new_page, visits, js):
    session_id, title = book_visit(visits, day=working_day())

    page = new_page(js=js)
    sign_in(page, visits["participant_a"].email, PASSWORD)
    menu(page, "Your sessions")
    check_page(page)
    link = page.get_by_role("table").get_by_role("link", name=title)
    assert link.get_attribute("href") == f"/northbrook/sessions/{session_id}"
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    check_page(page)


def test_a_participant_cancels_a_visit_giving_a_reason(new_page, visits, js):
    session_id, _ = book_visit(visits, day=working_day())

    page = new_page(js=js)
    sign_in(page, visits["participant_a"].email, PASSWORD)
    page.goto(f"/northbrook/sessions/{session_id}")
    expect(status(page)).to_have_text("Confirmed")
    check_page(page)
    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this session")
    check_page(page)
    press(page, "Cancel the session")
    expect(error_summary(page)).to_contain_text("Enter a reason")
    check_page(page)
    page.get_by_label("Reason", exact=True).fill("My placement manager needs me that day")
    press(page, "Cancel the session")
    expect(page).to_have_url(re.compile(rf"/northbrook/sessions/{session_id}$"))
    expect(banner(page)).to_contain_text("Session cancelled")
    expect(status(page)).to_have_text("Cancelled")
    check_page(page)


def test_a_facilitator_creates_a_weekly_group(new_page, visits, js):
    first = series_start(3)

    page = new_page(js=js)
    sign_in(page, visits["facilitator"].email, PASSWORD)
    menu(page, "My week")
    check_page(page)
    page.get_by_role("link", name="Create a group session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a group session")
    check_page(page)
    page.get_by_label("Reflective supervision group").check()
    fill_date(page, "starts_on", first)
    page.get_by_label("Start time").select_option("10:00")
    page.get_by_label("End time").select_option("12:00")
    page.get_by_label("Where").select_option(label="Online")
    page.get_by_label("Seats", exact=True).fill("8")
    page.get_by_label("Repeats").select_option(label="Every week")
    page.get_by_label("How many sessions in all").fill("3")
    press(page, "Create")
    expect(error_summary(page)).to_contain_text("Enter a title")
    check_page(page)
    page.get_by_label("Title").fill("Reflective supervision: spring")
    press(page, "Create")
    expect(page).to_have_url(re.compile(r"/host/sessions/\d+$"))
    expect(banner(page)).to_contain_text("Created 3 sessions")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reflective supervision: spring")
    expect(summary(page, "When")).to_contain_text(f"{first:%A %-d %B %Y}, 10:00 to 12:00")
    check_page(page)


def test_a_host_changes_their_availability(new_page, visits, js):
    page = new_page(js=js)
    sign_in(page, visits["host_practitioner"].email, PASSWORD)
    menu(page, "My week")
    check_page(page)
    page.get_by_role("link", name="Your availability").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your availability")
    expect(page.get_by_label("Monday from")).to_have_value("09:00")
    check_page(page)
    page.get_by_label("Time after a visit").select_option(label="45 minutes")
    press(page, "Save")
    expect(banner(page)).to_contain_text("Availability saved")
    expect(page.get_by_label("Time after a visit")).to_have_value("45")
    expect(page.get_by_label("Monday from")).to_have_value("09:00")
    check_page(page)
