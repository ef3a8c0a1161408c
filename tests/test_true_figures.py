"""Figures that say what is true (issue 13, point 5): home pages count what the lists
hold, and a placement's state matches its checklist, on the page and in the data."""

from __future__ import annotations

from sqlalchemy import select

from bench.data import grow
from portal import tenancy
from portal.boards.models import Board, Reflection, ReflectionStatus, Visibility
from portal.common.clock import utcnow
from portal.demo import seed_demo
from portal.extensions import db
from portal.placements.models import PAST_CLEARANCE, Placement
from tests.test_placements import act, participant, request, service


def test_the_leads_home_counts_the_requests_their_list_holds(world, login_as):
    lead = login_as(world["service_lead"])
    assert "No requests waiting" in lead.get("/host/").text

    first, second = request(world), request(world, participant(world), start=39, end=60)
    home = lead.get("/host/").text

    assert "No requests waiting" not in home
    assert "2 requests waiting for your decision" in home
    for pid in (first, second):
        assert f"/northbrook/placements/{pid}" in home
    act(world, service.approve_placement, first, lead=world["service_lead"])
    assert "1 request waiting for your decision" in lead.get("/host/").text


def test_a_participants_home_lists_what_they_have_written(world, login_as):
    person = world["participant_a"]
    home = login_as(person)
    assert "Nothing written yet" in home.get("/northbrook/").text

    with tenancy.scoped({world.a.id}):
        board = Board(cohort_id=world.a.cohort_id, title="Joint visits")
        db.session.add(board)
        db.session.flush()
        for n, status in enumerate((ReflectionStatus.PUBLISHED, ReflectionStatus.DRAFT)):
            db.session.add(Reflection(
                tenant_id=world.a.id, board_id=board.id, author_id=person.id,
                title=f"Reflection {n}", body="What I learned", status=status,
                visibility=Visibility.COHORT if n == 0 else Visibility.PRIVATE,
                shared_cohort_id=world.a.cohort_id if n == 0 else None,
                published_at=utcnow() if n == 0 else None,
            ))  # fmt: skip
        db.session.commit()
    page = home.get("/northbrook/").text

    assert "Nothing written yet" not in page
    assert "You have written 2 reflections" in page
    assert "Reflection 0" in page and "Reflection 1" in page
    assert "Not shared yet" in page


def test_the_last_checklist_item_brings_the_whole_page_back_with_its_new_state(world, login_as):
    pid = request(world)
    act(world, service.approve_placement, pid, lead=world["service_lead"])
    lead = login_as(world["service_lead"])
    htmx = {"HX-Request": "true"}

    first = lead.post(f"/northbrook/placements/{pid}/checks/dbs", headers=htmx)
    lead.post(f"/northbrook/placements/{pid}/checks/sharing_agreement", headers=htmx)
    last = lead.post(f"/northbrook/placements/{pid}/checks/induction", headers=htmx)

    assert first.status_code == 200 and 'role="status"' in first.text
    assert "Confirmed: DBS check confirmed." in first.text
    assert last.headers["HX-Redirect"] == f"/northbrook/placements/{pid}"
    page = lead.get(f"/northbrook/placements/{pid}").text
    assert "The placement is cleared" in page
    assert 'govuk-tag--green">Cleared</strong>' in page
    assert "Approved</strong>" not in page.split("</h1>")[0]


def test_demo_and_bench_placements_past_clearance_have_their_checklist_done(app):
    seed_demo()
    db.session.commit()
    grow(factor=1)
    with tenancy.system_scope():
        placements = db.session.scalars(
            select(Placement).where(Placement.status.in_(list(PAST_CLEARANCE)))
        ).all()
    assert placements
    assert all(p.cleared for p in placements), [p.id for p in placements if not p.cleared]


def test_the_hosts_home_lists_bookings_waiting_for_their_confirmation(world, login_as):
    from datetime import timedelta

    from portal.sessions.models import Session, SessionKind, SessionStatus

    with tenancy.system_scope():
        for days, status in ((20, SessionStatus.PROPOSED), (30, SessionStatus.CONFIRMED)):
            start = utcnow() + timedelta(days=days)
            db.session.add(Session(
                tenant_id=world.a.id, kind=SessionKind.JOINT_VISIT, title=f"Visit in {days}",
                host_id=world["host_practitioner"].id, starts_at=start,
                ends_at=start + timedelta(hours=1), location="Online", status=status,
            ))  # fmt: skip
        db.session.commit()

    home = login_as(world["host_practitioner"]).get("/host/").text

    assert "Waiting for you to confirm" in home
    assert "1 booking of your time is waiting for you to confirm" in home
    assert "Visit in 20" in home and "Visit in 30" not in home  # beyond the 7 days, confirmed


def test_the_hosts_week_shows_their_time_away(world, login_as):
    from datetime import timedelta

    from portal.common.clock import today
    from portal.sessions.models import AvailabilityException, ExceptionKind

    monday = today() - timedelta(days=today().weekday())
    with tenancy.system_scope():
        db.session.add(AvailabilityException(
            user_id=world["host_practitioner"].id, starts_on=monday + timedelta(days=1),
            ends_on=monday + timedelta(days=2), kind=ExceptionKind.TRAINING, note="Court skills",
        ))  # fmt: skip
        db.session.commit()

    week = login_as(world["host_practitioner"]).get("/host/week").text

    assert week.count("Training: Court skills. Nobody can book you this day.") == 2
