"""The small things people notice in their first week (issue 13, point 13)."""

from __future__ import annotations

import pytest

from portal import tenancy
from portal.common.text import plural
from portal.extensions import db
from portal.mail.service import queue_mail
from portal.placements.changes import subject_of
from tests.test_accounts import mails
from tests.test_placements import act, request, service


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [(1, "problem", "1 problem"), (3, "problem", "3 problems"), (1, "day", "1 day"),
     (2, "day", "2 days"), (2, "person", "2 people"), (1200, "finding", "1,200 findings")],
)  # fmt: skip
def test_numbers_come_with_the_right_word(count, noun, said):
    assert plural(count, noun) == said


def test_an_impossible_date_says_it_must_be_a_real_date(world, login_as):
    manager = login_as(world["partner_manager_a"])
    response = manager.post(
        "/northbrook/placements/new",
        data={"participant": str(world["participant_a"].id), "service": str(world.service.id),
              "starts_on": ["31", "2", "2027"], "ends_on": ["1", "3", "2027"],
              "weekdays": ["0", "1"], "learning_goals": "Goals"},
    )  # fmt: skip
    assert "First day must be a real date, like 27 3 2027" in response.text
    assert "Not a valid date value" not in response.text


def test_each_placement_email_says_what_happened_in_its_subject(world, system):
    pid = request(world)
    act(world, service.approve_placement, pid, lead=world["service_lead"])
    subjects = {m.subject for m in mails(system) if m.kind == "placement"}
    assert len(subjects) >= 2, subjects  # the request and the approval differ
    assert not any(s.startswith("Placement update") for s in subjects)
    assert subject_of("Withdrawn: the placement for A in B. More words.") == (
        "Withdrawn: the placement for A in B"
    )
    assert len(subject_of("x" * 300)) == 90


def test_a_reflections_page_marks_learning_boards_in_the_menu(world, login_as):
    from tests.test_boards import write

    world.cohort_board = None
    with tenancy.system_scope():
        from portal.boards import service as boards
        from portal.tenants.models import Cohort

        world.cohort_board = boards.create_board(
            actor=world["facilitator"], cohort=db.session.get(Cohort, world.a.cohort_id),
            tenant=None, title="Joint visits",
        )  # fmt: skip
        db.session.commit()
    rid = write(world)
    page = login_as(world["participant_a"]).get(f"/northbrook/reflections/{rid}").text
    menu = page.split('aria-label="Menu"')[1].split("</nav>")[0]
    active = menu.split("govuk-service-navigation__item--active")[1].split("</a>")[0]
    assert "Learning boards" in active


def test_the_background_page_claims_to_refresh_only_where_it_can(world, login_as):
    page = login_as(world["centre_admin"]).get("/admin/operations/").text
    assert '<span class="portal-js-only">This page refreshes itself' in page
    assert '<span class="portal-no-js">Reload the page' in page


def test_printing_leaves_out_the_navigation_and_buttons(app):
    css = app.test_client().get("/static/dist/portal.css").text
    assert "@media print" in css
    printed = css.rsplit("@media print", 1)[1]  # the portal's own, after GOV.UK's
    assert ".govuk-service-navigation" in printed and ".govuk-button" in printed


def test_the_mailbox_makes_the_portals_own_links_clickable(world, login_as):
    with tenancy.system_scope():
        message = queue_mail(
            to="someone@northbrook.example", subject="Hello", kind="test", tenant_id=world.a.id,
            body="See it: http://localhost/northbrook/placements/1\n\nElsewhere: https://example.com/x",
        )  # fmt: skip
        db.session.commit()
        message_id = message.id
    page = login_as(world["centre_admin"]).get(f"/admin/mailbox/{message_id}").text
    assert '<a href="http://localhost/northbrook/placements/1">' in page
    assert '<a href="https://example.com/x">' not in page


def test_nobody_is_told_of_what_they_did_themselves(world, login_as, system):
    from sqlalchemy import select

    from portal.notifications.models import Notification

    pid = request(world)
    manager = login_as(world["partner_manager_a"])
    act(world, service.approve_placement, pid, lead=world["service_lead"])
    for item in ("dbs", "sharing_agreement", "induction"):
        manager.post(f"/northbrook/placements/{pid}/checks/{item}")

    db.session.expire_all()
    with tenancy.system_scope():
        told = db.session.scalars(
            select(Notification.text).where(Notification.user_id == world["partner_manager_a"].id)
        ).all()
    cleared_mail = [m for m in mails(system, world["partner_manager_a"].email)
                    if m.subject.startswith("Cleared")]  # fmt: skip
    assert not any(text.startswith("Cleared") for text in told)  # the manager cleared it
    assert cleared_mail == []
    lead_told = [m for m in mails(system, world["service_lead"].email) if "Cleared" in m.subject]
    assert lead_told  # the lead, who did not, is told
