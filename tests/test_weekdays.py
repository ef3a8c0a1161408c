"""A placement uses its own days of the week, and capacity counts it on those only
(issue 13, points 6 and 13).

Before: capacity counted a 2-days-a-week placement on all five weekdays, so two
part-time placements closed a service to every other authority; the lead approved
without seeing the figures; the capacity calendar stopped at 13 weeks whatever was
booked after; and a placement could start on a Saturday.
"""

from __future__ import annotations

import re

import pytest

from portal import tenancy
from portal.errors import RuleError
from portal.extensions import db
from portal.placements import service, weekdays
from portal.placements.models import Placement, PlacementStatus
from tests.test_placements import act, days, participant, request

MONDAY_TUESDAY, WEDNESDAY_TO_FRIDAY = [0, 1], [2, 3, 4]
# days(n) counts from Monday 11 January 2027: days(7) is the next Monday.


def approved(world, pid: int, key: str = "a"):
    act(world, service.approve_placement, pid, lead=world["service_lead"], tenant_key=key)


def test_two_part_time_placements_leave_the_rest_of_the_week_free(world):
    # The service has 2 places: two people on Mondays and Tuesdays fill those days only.
    first = request(world, start=7, end=29, weekdays=MONDAY_TUESDAY)
    second = request(world, participant(world), start=7, end=29, weekdays=MONDAY_TUESDAY)
    approved(world, first)
    approved(world, second)

    later = request(world, participant(world), start=9, end=25, weekdays=WEDNESDAY_TO_FRIDAY)
    approved(world, later)  # Wednesdays to Fridays are free

    clash = request(world, participant(world), start=8, end=22, weekdays=[1, 3])
    with pytest.raises(RuleError, match=r"no place free on 3 of those days \(first: 19 January"):
        approved(world, clash)  # Tuesday 12 January is the first day, 19 the first full
    with tenancy.scoped({world.a.id}):
        taken = service.daily_places_taken(world.service.id, days(7), days(13))
    assert [taken[days(n)] for n in range(7, 14)] == [2, 2, 1, 1, 1, 0, 0]


def test_the_catalogue_counts_free_weekdays_with_part_time_placements(world):
    for _ in range(2):
        approved(world, request(world, participant(world), start=0, end=28, weekdays=[0]))
    with tenancy.scoped({world.a.id}):
        catalogue = service.service_catalogue(borough=None, kind=None, weeks=4)
    # Monday 11 January to Monday 8 February: 21 weekdays, the 5 Mondays full.
    assert catalogue.room[world.service.id] == 16


@pytest.mark.parametrize(
    ("start", "end", "chosen", "message"),
    [
        (5, 11, range(5), "The first day, Saturday 16 January, is not one of the days"),
        (1, 13, range(5), "The last day, Sunday 24 January, is not one of the days"),
        (2, 7, MONDAY_TUESDAY, r"Wednesday 13 January, is not .* \(Mondays and Tuesdays\)"),
    ],
)
def test_a_placement_starts_and_ends_on_one_of_its_days(world, start, end, chosen, message):
    with pytest.raises(RuleError, match=message):
        request(world, start=start, end=end, weekdays=chosen)


def test_the_request_form_asks_which_days(world, login_as):
    manager = login_as(world["partner_manager_a"])
    start, end = days(7), days(15)
    form = {
        "participant": str(world["participant_a"].id),
        "service": str(world.service.id),
        "starts_on": [start.day, start.month, start.year],
        "ends_on": [end.day, end.month, end.year],
        "learning_goals": "Assessment practice",
    }
    refused = manager.post("/northbrook/placements/new", data=form)
    assert "Select the days of the week they will be there" in refused.text

    sent = manager.post(
        "/northbrook/placements/new", data={**form, "weekdays": ["0", "1"]}, follow_redirects=True
    )

    assert "Mondays and Tuesdays (2 days a week)" in sent.text
    with tenancy.system_scope():
        placement = db.session.query(Placement).one()
        assert placement.weekdays == 0b00011


def test_the_lead_sees_the_room_on_the_placements_days_before_approving(world, login_as):
    approved(world, request(world, participant(world), start=7, end=28, weekdays=[0]))
    pid = request(world, start=7, end=29, weekdays=MONDAY_TUESDAY)
    lead = login_as(world["service_lead"])

    page = lead.get(f"/northbrook/placements/{pid}").text

    assert f"Room in {world.service.name} on their days" in page
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">(\w+)</th>\s*'
        r"<td[^>]*>(\d+ of \d+)</td>\s*<td[^>]*>([^<]+(?:<[^>]+>[^<]*</strong>)?)",
        page,
    )
    assert [(day, free) for day, free, _ in rows] == [("Mondays", "1 of 2"), ("Tuesdays", "2 of 2")]


def test_the_capacity_calendar_reaches_the_end_of_the_longest_placement(world, login_as):
    pid = request(world, start=7, end=7 + 7 * 20 + 4, weekdays=range(5))  # ends in week 22
    approved(world, pid)
    lead = login_as(world["service_lead"])

    page = lead.get(f"/host/services/{world.service.id}/capacity").text

    assert "for the next 22 weeks" in page
    with tenancy.system_scope():
        assert db.session.get(Placement, pid).status == PlacementStatus.APPROVED


def test_weekdays_in_words():
    assert weekdays.in_words(0b11111) == "Monday to Friday"
    assert weekdays.in_words(0b10101) == "Mondays, Wednesdays and Fridays"
    assert weekdays.mask(["4", 0]) == 0b10001
    with pytest.raises(RuleError, match="Monday to Friday"):
        weekdays.mask(["6"])
