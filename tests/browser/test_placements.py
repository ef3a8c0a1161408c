"""A placement from request to evaluation, by the three people who take it there."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.placements.service import today
from tests.factories import PASSWORD

from .helpers import check_page, choose_person, sign_in

pytestmark = pytest.mark.browser


def fill_date(page, name: str, day) -> None:
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("load")


def test_request_propose_accept_clear_start_and_evaluate(new_page, world, js):
    manager, lead, participant = (
        world["partner_manager_a"], world["service_lead"], world["participant_a"],
    )  # fmt: skip
    start = today()

    # The partner manager browses services and requests a placement.
    page = new_page(js=js)
    sign_in(page, manager.email, PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tri-borough services")
    check_page(page)
    page.get_by_role("link", name=f"Request a placement in {world.service.name}").click()
    check_page(page)
    press(page, "Send request")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a participant")
    check_page(page)
    choose_person(page, "Participant", participant.name)
    fill_date(page, "starts_on", start)
    fill_date(page, "ends_on", start + timedelta(days=10))
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday"):  # not Fridays
        page.get_by_label(day).check()
    page.get_by_label("Learning goals").fill("Chairing strategy discussions at the front door")
    press(page, "Send request")
    expect(page).to_have_url(re.compile(r"/northbrook/placements/\d+$"))
    expect(page.locator(".govuk-tag").first).to_have_text("Requested")
    check_page(page)
    placement_url = page.url

    # The service lead sees it waiting and proposes other dates.
    host = new_page(js=js)
    sign_in(host, lead.email, PASSWORD)
    host.get_by_role("link", name="Placement requests").click()
    expect(
        host.get_by_role("row", name=re.compile(f"{participant.name} {world.service.name}"))
    ).to_be_visible()
    check_page(host)
    host.get_by_role("link", name=re.compile(f"Other options for {participant.name}")).click()
    host.get_by_role("link", name="Propose other dates").click()
    check_page(host)
    fill_date(host, "starts_on", start)
    fill_date(host, "ends_on", start)  # one day: it can be completed today
    host.get_by_label("Message to the partner manager (optional)").fill("One day suits us")
    press(host, "Propose these dates")
    expect(host.locator(".govuk-tag").first).to_have_text("Other dates proposed")
    check_page(host)

    # The manager accepts the new dates; the placement is approved.
    page.goto(placement_url)
    press(page, "Accept proposed dates")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("New dates accepted")
    expect(page.locator("h1 .govuk-tag")).to_have_text("Approved")
    check_page(page)

    # Clearance: the manager confirms DBS and the agreement, the lead the induction.
    for label in ("DBS check confirmed", "Information sharing agreement signed"):
        page.get_by_role("button", name=re.compile(rf"Confirm\s*: {label}")).click()
        expect(page.get_by_role("listitem").filter(has_text=label)).to_contain_text("Done")
    check_page(page)
    # A tick made by mistake is taken back (issue 13, point 4), then given again.
    dbs = re.compile(r"DBS check confirmed")
    page.get_by_role("button", name=re.compile(r"Undo\s*: DBS check confirmed")).click()
    expect(page.get_by_role("button", name=re.compile(r"Confirm\s*: DBS"))).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=dbs)).not_to_contain_text("Done")
    check_page(page)
    page.get_by_role("button", name=re.compile(r"Confirm\s*: DBS check confirmed")).click()
    expect(page.get_by_role("listitem").filter(has_text=dbs)).to_contain_text("Done")
    host.goto(placement_url)
    host.get_by_role("button", name=re.compile(r"Confirm\s*: Induction arranged")).click()
    expect(host.locator("#clearance-checklist")).to_contain_text("Cleared")
    host.goto(placement_url)
    expect(host.locator("h1 .govuk-tag")).to_have_text("Cleared")
    press(host, "Start placement")
    expect(host.locator("h1 .govuk-tag")).to_have_text("Active")
    host.get_by_role("link", name="Mark as completed").click()  # it asks first
    expect(host.get_by_role("heading", level=1)).to_contain_text("Mark")
    check_page(host)
    press(host, "Yes, it is completed")
    expect(host.locator("h1 .govuk-tag")).to_have_text("Completed")
    check_page(host)

    # Both sides evaluate; then it is evaluated.
    learner = new_page(js=js)
    sign_in(learner, participant.email, PASSWORD)
    learner.get_by_role("link", name=world.service.name).click()
    learner.get_by_role("link", name="Evaluate the placement").click()
    check_page(learner)
    learner.get_by_label("Your evaluation").fill("I learned how the front door triages contacts.")
    press(learner, "Send evaluation")
    expect(learner.locator(".govuk-notification-banner")).to_contain_text("evaluation is saved")
    host.get_by_role("link", name="Evaluate the placement").click()
    host.get_by_label("Your evaluation").fill("Leah met both of her learning goals.")
    press(host, "Send evaluation")
    expect(host.locator("h1 .govuk-tag")).to_have_text("Evaluated")
    check_page(host)


def test_the_capacity_calendar_is_a_picture_with_a_table_behind_it(new_page, world, js):
    page = new_page(js=js)
    sign_in(page, world["service_lead"].email, PASSWORD)
    page.goto(f"/host/services/{world.service.id}/capacity")
    expect(page.get_by_role("img", name=re.compile("Capacity calendar"))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("2 of 2")
    check_page(page)
