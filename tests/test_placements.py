"""Placements at the service layer: every transition, capacity, overlaps, concurrency."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.common.clock import move_clock
from portal.errors import NotFound, RuleError
from portal.extensions import db as _db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.placements import service
from portal.placements.models import HOLDS_A_PLACE, Placement, PlacementEvent, PlacementStatus
from tests.factories import UserFactory
from tests.support import ON_POSTGRES

S = PlacementStatus
TODAY = service.today()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def participant(world, tenant_key="a"):
    tenant = getattr(world, tenant_key)
    with tenancy.system_scope():
        user = UserFactory(role=Role.PARTICIPANT)
        _db.session.add(Membership(user_id=user.id, tenant_id=tenant.id))
        _db.session.commit()
    return user


def request(world, person=None, *, tenant_key="a", start=1, end=30, **overrides):
    tenant = getattr(world, tenant_key)
    person = person or world[f"participant_{tenant_key}"]
    values = dict(
        manager=world[f"partner_manager_{tenant_key}"],
        tenant=tenant,
        participant_id=person.id,
        service_id=world.service.id,
        starts_on=days(start),
        ends_on=days(end),
        weekdays=range(5),
        learning_goals="Assessment practice in a busy front door",
    )
    values.update(overrides)
    with tenancy.scoped({tenant.id}):
        placement = service.request_placement(**values)
        _db.session.commit()
        return placement.id


def act(world, fn, placement_id, *, tenant_key="a", **kwargs):
    """Run one service function as the people of ``tenant_key``'s authority see it."""
    with tenancy.scoped({getattr(world, tenant_key).id}):
        try:
            placement = fn(placement_id, **kwargs)
            _db.session.commit()
            return placement.status
        except Exception:
            _db.session.rollback()
            raise


def on_last_day(placement_id) -> None:
    """Move the clock to the placement's last day (if it is still to come)."""
    with tenancy.system_scope():
        ends_on = _db.session.get(Placement, placement_id).ends_on
    if ends_on > service.today():
        move_clock(timedelta(days=(ends_on - service.today()).days))


def status(placement_id) -> PlacementStatus:
    with tenancy.system_scope():
        value = _db.session.scalar(select(Placement.status).where(Placement.id == placement_id))
        _db.session.rollback()
        return value


def clear(world, pid, tenant_key="a"):
    for item in ("dbs", "sharing_agreement", "induction"):
        act(world, service.confirm_check, pid, user=world["service_lead"], item=item,
            tenant_key=tenant_key)  # fmt: skip


def test_a_placement_goes_from_request_to_evaluation(world):
    pid = request(world, start=0, end=10)
    lead, manager = world["service_lead"], world["partner_manager_a"]
    assert act(world, service.approve_placement, pid, lead=lead) == S.APPROVED
    act(world, service.confirm_check, pid, user=manager, item="dbs")
    act(world, service.confirm_check, pid, user=manager, item="sharing_agreement")
    assert status(pid) == S.APPROVED  # not cleared until every item is done
    assert act(world, service.confirm_check, pid, user=lead, item="induction") == S.CLEARED
    assert act(world, service.start_placement, pid, user=lead) == S.ACTIVE
    on_last_day(pid)  # completing is offered from then (tests/test_asking_first.py)
    assert act(world, service.complete_placement, pid, user=lead) == S.COMPLETED
    act(world, service.submit_evaluation, pid, user=world["participant_a"], text="Very useful")
    assert status(pid) == S.COMPLETED
    assert act(world, service.submit_evaluation, pid, user=lead, text="Goals met") == S.EVALUATED
    with tenancy.system_scope():
        actions = _db.session.scalars(
            select(PlacementEvent.action).where(PlacementEvent.placement_id == pid)
        ).all()
        reminder = _db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.job == "placements.evaluation_reminder")
        )
    assert actions == ["requested", "approved", "cleared", "started", "completed", "evaluated"]
    assert reminder.status == OutboxStatus.CANCELLED  # nobody owes an evaluation any more


def test_the_lead_proposes_other_dates_and_the_manager_accepts(world):
    pid = request(world)
    act(world, service.propose_dates, pid, lead=world["service_lead"], starts_on=days(39),
        ends_on=days(60), note="We are busy in the first month")  # fmt: skip
    assert status(pid) == S.PROPOSED
    assert act(world, service.accept_proposal, pid, manager=world["partner_manager_a"]) == (
        S.APPROVED
    )
    with tenancy.system_scope():
        placement = _db.session.get(Placement, pid)
        assert (placement.starts_on, placement.ends_on) == (days(39), days(60))


def test_the_manager_can_turn_down_proposed_dates(world):
    pid = request(world)
    act(world, service.propose_dates, pid, lead=world["service_lead"], starts_on=days(39),
        ends_on=days(60))  # fmt: skip
    assert act(world, service.reject_proposal, pid, manager=world["partner_manager_a"]) == (
        S.WITHDRAWN
    )


def test_declining_needs_a_reason(world):
    pid = request(world)
    with pytest.raises(RuleError, match="reason"):
        act(world, service.decline_placement, pid, lead=world["service_lead"], reason=" ")
    assert act(world, service.decline_placement, pid, lead=world["service_lead"],
               reason="No capacity for students this term") == S.DECLINED  # fmt: skip


REFUSED = [
    # (set-up steps, action, message)
    ([], "start", "checklist must be complete|cannot start"),
    ([], "complete", "cannot complete"),
    ([], "evaluate", "cannot evaluate"),
    ([], "check", "cannot change the checklist"),
    ([], "accept", "cannot accept"),
    (["approve"], "approve", "cannot approve"),
    (["approve"], "propose", "cannot propose"),
    (["approve"], "start", "checklist must be complete"),
    (["approve", "clear"], "check", "cannot change the checklist"),
    (["approve", "clear", "start", "complete"], "withdraw", "cannot withdraw"),
    (["approve", "clear", "start", "complete"], "cancel", "cannot cancel"),
    (["decline"], "approve", "cannot approve"),
    (["withdraw"], "approve", "cannot approve"),
]


def _step(world, pid, name):
    lead, manager, admin = world["service_lead"], world["partner_manager_a"], world["centre_admin"]
    steps = {
        "approve": lambda: act(world, service.approve_placement, pid, lead=lead),
        "decline": lambda: act(world, service.decline_placement, pid, lead=lead, reason="No"),
        "propose": lambda: act(
            world, service.propose_dates, pid, lead=lead, starts_on=days(50), ends_on=days(55)
        ),  # fmt: skip
        "accept": lambda: act(world, service.accept_proposal, pid, manager=manager),
        "clear": lambda: clear(world, pid),
        "check": lambda: act(world, service.confirm_check, pid, user=lead, item="dbs"),
        "start": lambda: act(world, service.start_placement, pid, user=lead),
        "complete": lambda: (
            on_last_day(pid) or act(world, service.complete_placement, pid, user=lead)
        ),
        "evaluate": lambda: act(world, service.submit_evaluation, pid, user=lead, text="Good"),
        "withdraw": lambda: act(world, service.withdraw_placement, pid, manager=manager),
        "cancel": lambda: act(world, service.cancel_placement, pid, admin=admin, reason="Ill"),
    }
    return steps[name]()


@pytest.mark.parametrize(("setup", "action", "message"), REFUSED)
def test_impossible_transitions_are_refused_with_a_clear_message(world, setup, action, message):
    pid = request(world, start=0, end=10)
    for name in setup:
        _step(world, pid, name)
    before = status(pid)
    if message is None:
        _step(world, pid, action)
    else:
        with pytest.raises(RuleError, match=message):
            _step(world, pid, action)
    assert status(pid) == before


def test_a_placement_cannot_start_before_its_first_day(world):
    pid = request(world, start=4, end=10)
    _step(world, pid, "approve")
    clear(world, pid)
    with pytest.raises(RuleError, match="starts on"):
        act(world, service.start_placement, pid, user=world["service_lead"])


def test_only_the_right_people_decide(world):
    pid = request(world)
    for key in ("host_practitioner", "facilitator", "partner_manager_a"):
        with pytest.raises(RuleError, match="lead"):
            act(world, service.approve_placement, pid, lead=world[key])
    with pytest.raises(RuleError, match="centre admins"):
        act(world, service.cancel_placement, pid, admin=world["service_lead"], reason="x")
    # Another authority's manager cannot even find it.
    with pytest.raises(NotFound):
        act(world, service.withdraw_placement, pid, manager=world["partner_manager_b"],
            tenant_key="b")  # fmt: skip


def test_requests_are_checked(world):
    cases = [
        ({"starts_on": days(-1)}, "today or in the future"),
        ({"ends_on": days(0)}, "same as or after"),
        ({"ends_on": days(300)}, "at most 6 months"),
        ({"weekdays": [5]}, "Select days from Monday to Friday"),
        ({"weekdays": []}, "Select the days of the week"),
        ({"learning_goals": "  "}, "what the participant wants to learn"),
        ({"participant_id": 0}, "participant from your authority"),
    ]
    for overrides, message in cases:
        with pytest.raises(RuleError, match=message):
            request(world, **overrides)
    # A participant of another authority cannot be put forward.
    with pytest.raises(RuleError, match="participant from your authority"):
        request(world, participant_id=world["participant_b"].id)


def test_a_participant_never_has_two_overlapping_placements(world):
    request(world, start=1, end=30)
    with pytest.raises(RuleError, match="already has a placement"):
        request(world, start=18, end=39)
    request(world, start=31, end=39)  # the next day is fine


def test_capacity_is_shared_by_every_authority_and_never_exceeded(world):
    # Capacity 2: one place taken by each authority, so a third cannot be approved.
    lead = world["service_lead"]
    with tenancy.system_scope():
        _db.session.add(Membership(user_id=lead.id, tenant_id=world.b.id))
        _db.session.commit()
    first = request(world, start=1, end=18)
    other = request(world, tenant_key="b", start=10, end=30)
    third = request(world, participant(world), start=15, end=16)
    act(world, service.approve_placement, first, lead=lead)
    act(world, service.approve_placement, other, lead=lead, tenant_key="b")
    with pytest.raises(RuleError, match="no place free"):
        act(world, service.approve_placement, third, lead=lead)
    # When a place frees up, it can be approved.
    act(world, service.withdraw_placement, other, manager=world["partner_manager_b"],
        tenant_key="b")  # fmt: skip
    assert act(world, service.approve_placement, third, lead=lead) == S.APPROVED


def _assert_invariants(service_capacity: int) -> None:
    with tenancy.system_scope():
        holding = _db.session.execute(
            select(Placement.participant_id, Placement.starts_on, Placement.ends_on).where(
                Placement.status.in_(list(HOLDS_A_PLACE))
            )
        ).all()
        _db.session.rollback()
    all_days = {
        d for _, s, e in holding for d in (s + timedelta(n) for n in range((e - s).days + 1))
    }
    for day in all_days:
        on_day = [p for p, s, e in holding if s <= day <= e]
        assert len(on_day) <= service_capacity, f"{len(on_day)} placements on {day}"
        assert len(on_day) == len(set(on_day)), f"a participant is placed twice on {day}"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["request", "approve", "withdraw", "propose_accept"]),
            st.integers(0, 3),  # which participant
            st.integers(0, 20),  # start offset
            st.integers(0, 10),  # length
        ),
        min_size=1,
        max_size=12,
    )
)
def test_capacity_and_overlaps_hold_over_any_sequence(world, steps):  # fmt: skip
    people = [world["participant_a"]] + [participant(world) for _ in range(3)]
    placements: list[int] = []
    for action, who, start, length in steps:
        try:
            if action == "request":
                placements.append(request(world, people[who], start=start, end=start + length))
            elif placements and action == "approve":
                act(world, service.approve_placement, placements[who % len(placements)],
                    lead=world["service_lead"])  # fmt: skip
            elif placements and action == "withdraw":
                act(world, service.withdraw_placement, placements[who % len(placements)],
                    manager=world["partner_manager_a"])  # fmt: skip
            elif placements and action == "propose_accept":
                pid = placements[who % len(placements)]
                act(world, service.propose_dates, pid, lead=world["service_lead"],
                    starts_on=days(start + 1), ends_on=days(start + 1 + length))  # fmt: skip
                act(world, service.accept_proposal, pid, manager=world["partner_manager_a"])
        except RuleError:
            pass  # refused is fine; breaking the rules is not
        _assert_invariants(world.service.capacity)
    with tenancy.system_scope():
        _db.session.query(PlacementEvent).delete()
        _db.session.query(Placement).delete()
        _db.session.commit()


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises all writers")
def test_many_leads_approving_the_last_place_at_once_exactly_one_wins(app, world):
    lead = world["service_lead"]
    taken = request(world, start=1, end=10)
    act(world, service.approve_placement, taken, lead=lead)  # one of two places gone
    contenders = [request(world, participant(world), start=3, end=4) for _ in range(8)]
    barrier = threading.Barrier(len(contenders))
    outcomes: list[str] = []

    def approve(pid: int) -> None:
        with app.app_context(), tenancy.scoped({world.a.id}):
            barrier.wait()
            try:
                service.approve_placement(pid, lead=_db.session.get(type(lead), lead.id))
                _db.session.commit()
                outcomes.append("approved")
            except RuleError:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=approve, args=(pid,)) for pid in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["approved"] + ["refused"] * (len(contenders) - 1)
    _assert_invariants(world.service.capacity)
    with tenancy.system_scope():
        assert (
            _db.session.scalar(
                select(func.count()).select_from(Placement).where(Placement.status == S.APPROVED)
            )
            == 2
        )


def test_an_admin_manages_services_but_cannot_cut_capacity_below_agreed_places(world, login_as):
    lead = world["service_lead"]
    admin = login_as(world["centre_admin"])
    first = request(world, start=1, end=4)
    second = request(world, participant(world), start=3, end=8)
    for pid in (first, second):
        act(world, service.approve_placement, pid, lead=lead)
    url = f"/admin/services/{world.service.id}"
    form = {"name": world.service.name, "borough": "WESTMINSTER", "kind": "Assessment",
            "office": "City Hall", "description": "", "capacity": "1"}  # fmt: skip
    refused = admin.post(url, data=form)
    assert refused.status_code == 200
    assert "capacity cannot go below that" in refused.get_data(as_text=True)
    assert admin.post(url, data={**form, "capacity": "3"}).status_code == 302
    added = admin.post(
        "/admin/services/new", data={**form, "name": "Youth Justice", "capacity": "2"}
    )
    assert added.status_code == 302
    listing = admin.get("/admin/services").get_data(as_text=True)
    assert "Youth Justice" in listing
    duplicate = admin.post("/admin/services/new", data={**form, "name": "youth justice"})
    assert "already a service with this name" in duplicate.get_data(as_text=True)


def test_the_evaluation_reminder_nudges_only_whoever_still_owes_one(world):
    from portal.notifications.models import Notification

    lead = world["service_lead"]
    pid = request(world, start=0, end=3)
    for step in ("approve", "clear", "start", "complete"):
        _step(world, pid, step)
    act(world, service.submit_evaluation, pid, user=world["participant_a"], text="Great")
    with tenancy.scoped({world.a.id}):
        before = _db.session.scalar(select(func.count()).select_from(Notification))
        assert service.remind_evaluations(pid) == 1  # only the lead still owes one
        _db.session.commit()
        reminders = _db.session.scalars(
            select(Notification).where(Notification.text.like("Reminder:%"))
        ).all()
        after = _db.session.scalar(select(func.count()).select_from(Notification))
    assert [n.user_id for n in reminders] == [lead.id]
    assert after == before + 1
    act(world, service.submit_evaluation, pid, user=lead, text="Goals met")
    with tenancy.scoped({world.a.id}):
        assert service.remind_evaluations(pid) == 0  # evaluated: nobody is nudged


def test_the_lead_approves_from_the_list_with_htmx_and_sees_a_refusal_in_the_row(world, login_as):
    lead = login_as(world["service_lead"])
    first, second, third = (request(world, participant(world), start=2, end=4) for _ in range(3))
    for pid in (first, second):
        row = lead.post(f"/northbrook/placements/{pid}/approve", headers={"HX-Request": "true"})
        assert row.status_code == 200 and "<html" not in row.text
        assert f'id="request-{pid}"' in row.text and "Approved" in row.text
    full = lead.post(f"/northbrook/placements/{third}/approve", headers={"HX-Request": "true"})
    assert "no place free" in full.text and "Approve" in full.text
    assert status(third) == S.REQUESTED
    # Without JavaScript the same button is a plain POST and a redirect.
    assert lead.post(f"/northbrook/placements/{third}/approve").status_code == 302


def test_places_taken_count_every_authority_without_loading_their_placements(world):
    lead = world["service_lead"]
    with tenancy.system_scope():
        _db.session.add(Membership(user_id=lead.id, tenant_id=world.b.id))
        _db.session.commit()
    ours = request(world, start=1, end=4)
    theirs = request(world, tenant_key="b", start=3, end=8)
    act(world, service.approve_placement, ours, lead=lead)
    act(world, service.approve_placement, theirs, lead=lead, tenant_key="b")
    for obj in list(_db.session.identity_map.values()):
        if isinstance(obj, Placement):
            _db.session.expunge(obj)
    with tenancy.scoped({world.a.id}):
        taken = service.daily_places_taken(world.service.id, days(1), days(9))
        loaded = [o for o in _db.session.identity_map.values() if isinstance(o, Placement)]
    # Tuesday 12 to Wednesday 20 January: the weekend holds no place
    assert [taken[days(n)] for n in range(1, 10)] == [1, 1, 2, 2, 0, 0, 1, 1, 0]
    assert loaded == []  # dates only: no placement of either authority was loaded
    with tenancy.scoped({world.a.id}):
        assert service.daily_places_taken(world.service.id, days(3), days(3), excluding=ours) == {
            days(3): 1
        }


def test_the_pages_show_what_the_service_finds(world, login_as):
    from tests.factories import HostServiceFactory

    with tenancy.system_scope():
        people = [("Ada Active", world.a, True), ("Ivo Inactive", world.a, False),
                  ("Bea Elsewhere", world.b, True)]  # fmt: skip
        for name, tenant, active in people:
            person = UserFactory(role=Role.PARTICIPANT, name=name, active=active)
            _db.session.add(Membership(user_id=person.id, tenant_id=tenant.id))
        HostServiceFactory(name="Youth Offending Team", kind="Youth justice")
        _db.session.commit()
    manager = login_as(world["partner_manager_a"])
    form = manager.get("/northbrook/placements/new").text
    assert "Ada Active" in form and "Ivo Inactive" not in form and "Bea Elsewhere" not in form
    pid = request(world)
    assert f"/northbrook/placements/{pid}" in manager.get("/northbrook/placements/").text
    catalogue = manager.get("/northbrook/placements/services?kind=Youth+justice").text
    assert "Youth Offending Team" in catalogue and world.service.name not in catalogue
    assert "No services match" in manager.get("/northbrook/placements/services?kind=Nope").text
    lead = login_as(world["service_lead"])
    assert f'id="request-{pid}"' in lead.get("/host/placements").text
    assert lead.get(f"/host/services/{world.service.id}/capacity").status_code == 200
    assert lead.get("/host/services/999999/capacity").status_code == 404


def test_a_long_list_shows_each_states_first_and_pages_through_the_rest(world, login_as):
    """30 completed placements: the list shows the first 10 and says how many there
    are; that state's own list pages through all 30, 25 at a time. No page holds them
    all at once."""
    from portal.placements.listing import GROUP_MOST, PER_PAGE

    assert (GROUP_MOST, PER_PAGE) == (10, 25)
    with tenancy.system_scope():
        for i in range(30):
            person = UserFactory(role=Role.PARTICIPANT, name=f"Person {i:02d}")
            _db.session.add(Membership(user_id=person.id, tenant_id=world.a.id))
            start = date(2026, 9, 1) + timedelta(days=i)
            _db.session.add(
                Placement(
                    tenant_id=world.a.id, participant_id=person.id, service_id=world.service.id,
                    requested_by_id=world["partner_manager_a"].id, starts_on=start,
                    ends_on=start + timedelta(days=5), weekdays=0b11111, learning_goals="Goals",
                    status=PlacementStatus.COMPLETED,
                )
            )  # fmt: skip
        _db.session.commit()
    client = login_as(world["partner_manager_a"])
    overview = client.get("/northbrook/placements/").get_data(as_text=True)
    assert "Completed (30)" in overview
    assert overview.count("Person ") == GROUP_MOST
    assert "See all 30 completed placements" in overview
    first = client.get("/northbrook/placements/?status=completed").get_data(as_text=True)
    assert first.count("Person ") == PER_PAGE and "Page 1 of 2" in first
    second = client.get("/northbrook/placements/?status=completed&page=2").get_data(as_text=True)
    assert [f"Person {i:02d}" in second for i in range(25, 30)] == [True] * 5
    assert "Person 00" not in second
    assert client.get("/northbrook/placements/?status=nonsense").status_code == 200
