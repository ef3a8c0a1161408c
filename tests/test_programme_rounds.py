"""Practice leader programme, first slice of issue 15: an admin opens a round (its
closing time exact to the second, London time), with eligibility questions and
criteria, and the public page shows the open round."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.common.clock import as_utc, frozen_at
from portal.errors import RuleError
from portal.extensions import db
from portal.programme import rounds
from portal.programme.models import Round, Stage

FORM = {
    "title": "Practice leaders 2027",
    "opens_on": ["1", "2", "2027"],
    "opens_time": "09:00:00",
    "closes_on": ["31", "3", "2027"],
    "closes_time": "23:59:59",
    "places": "20",
}


def opened(world, **changes) -> Round:
    values = dict(
        actor=world["centre_admin"], title="Practice leaders 2027", opens_on=date(2027, 1, 4),
        opens_time="09:00", closes_on=date(2027, 3, 31), closes_time="23:59:59", places=20,
    )  # fmt: skip
    values.update(changes)
    with tenancy.system_scope():
        made = rounds.open_round(**values)
        db.session.commit()
        return made


def test_an_admin_sets_up_a_round_with_questions_and_criteria(world, login_as):
    admin = login_as(world["centre_admin"])
    made = admin.post("/admin/programme/rounds/new", data=FORM)
    assert made.status_code == 302
    page_url = made.headers["Location"]

    admin.post(f"{page_url}/questions", data={
        "text": "Do you manage social workers in children's services in England?",
        "eligible_answer": "yes", "reason": "The programme is for managers in children's services.",
    })  # fmt: skip
    admin.post(f"{page_url}/criteria", data={
        "title": "Leading practice across a service", "score_1": "Little evidence",
        "score_2": "Some evidence", "score_3": "Clear evidence", "score_4": "Strong evidence",
        "weight": "3", "stage": "application",
    })  # fmt: skip
    admin.post(f"{page_url}/criteria", data={
        "title": "Readiness for an AD role", "score_1": "Not yet", "score_2": "Emerging",
        "score_3": "Ready soon", "score_4": "Ready now", "weight": "1", "stage": "assessment",
        "independent": "y",
    })  # fmt: skip
    page = unescape(admin.get(page_url).text)

    assert "31 March 2027, 11:59:59pm: the last second an application is accepted" in page
    assert "Do you manage social workers in children's services in England?" in page
    assert "Weights counted in the total: 3." in page  # the independent one is left out
    assert "independent: left out of the total" in page
    with tenancy.system_scope():
        held = db.session.scalar(select(Round))
        assert [c.stage for c in held.criteria] == [Stage.APPLICATION, Stage.ASSESSMENT]
        assert held.criteria[0].descriptors[3] == "Strong evidence"


def test_a_criterion_needs_every_score_described(world, login_as):
    held = opened(world)
    admin = login_as(world["centre_admin"])
    refused = admin.post(f"/admin/programme/rounds/{held.id}/criteria", data={
        "title": "Leading change", "score_1": "a", "score_2": "b", "score_3": "",
        "score_4": "d", "weight": "11", "stage": "application",
    })  # fmt: skip
    assert refused.status_code == 200  # the page again, with the problem
    assert "Describe what a score of 3 means" in refused.text
    assert refused.text.startswith("<!DOCTYPE html>") and "Error:" in refused.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "Enter a title"),
        ({"closes_on": date(2027, 1, 1)}, "must close after it opens"),
        ({"closes_time": "24:00"}, "like 23:59:59"),
        ({"places": 0}, "from 1 to 500"),
        ({"closes_on": date(2027, 3, 28), "closes_time": "01:30:00"},
         "does not happen in London on 28 March 2027, when the clocks go forward"),
        ({"closes_on": date(2027, 10, 31), "closes_time": "01:15:00"},
         "happens twice in London on 31 October 2027, when the clocks go back"),
    ],
)  # fmt: skip
def test_a_round_is_checked(world, changes, message):
    with pytest.raises(RuleError, match=message):
        opened(world, **changes)


def test_the_same_title_twice_is_refused(world):
    opened(world)
    with pytest.raises(RuleError, match="already a round with this title"):
        opened(world, title="practice LEADERS 2027")


@pytest.mark.parametrize(
    ("closes_on", "utc_close"),
    [
        (date(2027, 3, 27), datetime(2027, 3, 27, 23, 59, 59, tzinfo=UTC)),  # GMT, the day before
        (date(2027, 3, 28), datetime(2027, 3, 28, 22, 59, 59, tzinfo=UTC)),  # BST from 1am
        (date(2027, 10, 30), datetime(2027, 10, 30, 22, 59, 59, tzinfo=UTC)),  # still BST
        (date(2027, 10, 31), datetime(2027, 10, 31, 23, 59, 59, tzinfo=UTC)),  # GMT again
    ],
)
def test_the_closing_second_either_side_of_a_clock_change(world, closes_on, utc_close):
    held = opened(world, opens_on=date(2027, 1, 4), closes_on=closes_on)
    assert as_utc(held.closes_at) == utc_close
    assert rounds.accepts_at(held, utc_close + timedelta(microseconds=999_999))  # 23:59:59.999
    assert not rounds.accepts_at(held, utc_close + timedelta(seconds=1))  # midnight: refused


def test_the_public_page_shows_the_round_that_is_open(world, client):
    held = opened(world)
    with tenancy.system_scope():
        rounds.add_question(held.id, actor=world["centre_admin"], text="Are you registered "
                            "with Social Work England?", eligible_answer="yes",
                            reason="Registration is required.")  # fmt: skip
        db.session.commit()
    with frozen_at(datetime(2027, 2, 1, 12, tzinfo=UTC)):
        page = re.sub(r"<[^>]+>", "", unescape(client.get("/programme/").text))
    assert "Applications close at 31 March 2027, 11:59:59pm (UK time). 20 places." in page
    assert "Are you registered with Social Work England?" in page
    with frozen_at(datetime(2027, 1, 2, 12, tzinfo=UTC)):
        before = unescape(client.get("/programme/").text)
    assert "No round is open at the moment. Practice leaders 2027 opens at 4 January 2027" in (
        before
    )
    with frozen_at(datetime(2027, 4, 1, 0, 0, 1, tzinfo=UTC)):
        after = client.get("/programme/").text
    assert "The next one will be announced here" in after


def test_only_admins_run_rounds(world, login_as):
    for key in ("partner_manager_a", "facilitator", "participant_a"):
        assert login_as(world[key]).get("/admin/programme/").status_code == 403
    with pytest.raises(RuleError, match="Only the centre's admins"):
        opened(world, actor=world["facilitator"])
