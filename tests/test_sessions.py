"""Sessions at the service layer: booking, no double booking, groups, changes, reminders,
calendars. The slot rules themselves are unit-tested in test_slots.py."""

from __future__ import annotations

import contextlib
import threading
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.common.clock import LONDON, as_utc, frozen_at
from portal.errors import RuleError
from portal.extensions import db as _db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.mail.models import MailMessage
from portal.notifications.models import Notification
from portal.placements.models import Placement, PlacementStatus
from portal.sessions import ical, service
from portal.sessions.models import (
    Attendance,
    AvailabilityWindow,
    Place,
    PlaceStatus,
    Session,
    SessionKind,
    SessionStatus,
)
from portal.sessions.slots import bank_holiday, local
from tests.factories import UserFactory
from tests.support import ON_POSTGRES, working_day

TODAY = service.london_date(service.now())
JOINT = SessionKind.JOINT_VISIT


def at(day: date, clock: str):
    return local(day, time.fromisoformat(clock))


def _working_hours(user_id: int) -> None:
    for weekday in range(5):
        _db.session.add(
            AvailabilityWindow(user_id=user_id, weekday=weekday, starts=time(9), ends=time(17))
        )


def _placed(user, tenant, start=0, end=90) -> None:
    _db.session.add(
        Placement(
            tenant_id=tenant.id, participant_id=user.id, service_id=_service_id(),
            status=PlacementStatus.CLEARED, starts_on=TODAY + timedelta(days=start),
            ends_on=TODAY + timedelta(days=end), weekdays=0b11111, learning_goals="Goals",
        )
    )  # fmt: skip


_SERVICE = {}


def _service_id() -> int:
    return _SERVICE["id"]


def new_participant(world, tenant_key="a", *, placed=True):
    tenant = getattr(world, tenant_key)
    with tenancy.system_scope():
        user = UserFactory(role=Role.PARTICIPANT)
        _db.session.add(Membership(user_id=user.id, tenant_id=tenant.id))
        if placed:
            _placed(user, tenant)
        _db.session.commit()
    return user


@pytest.fixture
def visits(world):
    """Both host staff work with both authorities, 9 to 5 on weekdays; both participants
    are on cleared placements for the next 90 days."""
    _SERVICE["id"] = world.service.id
    with tenancy.system_scope():
        for key in ("host_practitioner", "service_lead", "facilitator"):
            _working_hours(world[key].id)
            _db.session.add(Membership(user_id=world[key].id, tenant_id=world.b.id))
        _placed(world["participant_a"], world.a)
        _placed(world["participant_b"], world.b)
        _db.session.commit()
    return world


def book(world, *, tenant="a", participant=None, host="host_practitioner", start=None,
         length=60, actor=None, kind=JOINT, **extra):  # fmt: skip
    tenant_obj = getattr(world, tenant)
    participant = participant or world[f"participant_{tenant}"]
    actor = actor or participant
    with tenancy.scoped({tenant_obj.id}):
        try:
            session = service.book_visit(
                actor=actor, tenant=tenant_obj, participant_id=participant.id, kind=kind,
                starts_at=start or at(working_day(), "10:00"), length_minutes=length,
                location="Online", host_id=world[host].id if host else None, **extra,
            )  # fmt: skip
            _db.session.commit()
            return session.id
        except Exception:
            _db.session.rollback()
            raise


def load(session_id: int) -> Session:
    """The session as it is now, detached so later commits don't expire it."""
    with tenancy.system_scope():
        session = _db.session.get(Session, session_id)
        _db.session.refresh(session)
        _db.session.expunge(session)
        return session


def outbox(topic_prefix: str) -> list[OutboxMessage]:
    with tenancy.system_scope():
        return list(
            _db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic.startswith(topic_prefix))
            )
        )


# --- Finding a time ---------------------------------------------------------------------------


def test_slots_are_the_times_both_are_free_within_the_placement(visits):
    day = working_day()
    with tenancy.scoped({visits.a.id}):
        found = service.find_slots(
            participant_id=visits["participant_a"].id, hosts=[visits["host_practitioner"]],
            first_day=day, last_day=day, length=timedelta(minutes=60),
        )  # fmt: skip
    starts = [s.local_start.strftime("%H:%M") for s in found]
    assert starts[0] == "09:00" and starts[-1] == "16:00" and len(starts) == 15


def test_no_slots_without_an_active_cleared_placement(visits):
    someone = new_participant(visits, placed=False)
    with tenancy.scoped({visits.a.id}):
        found = service.find_slots(
            participant_id=someone.id, hosts=[visits["host_practitioner"]],
            first_day=working_day(), last_day=working_day(5), length=timedelta(minutes=60),
        )  # fmt: skip
    assert found == []
    with pytest.raises(RuleError, match="no active, cleared placement"):
        book(visits, participant=someone)


def test_booking_tells_everyone_and_queues_day_before_reminders(visits):
    start = at(working_day(), "10:00")
    session = load(book(visits, start=start))
    assert session.status == SessionStatus.CONFIRMED
    assert as_utc(session.starts_at) == start
    assert session.tenant_id == visits.a.id
    reminders = outbox(f"session:{session.id}:reminders")
    assert len(reminders) == 2
    assert {as_utc(r.run_at) for r in reminders} == {start - timedelta(days=1)}
    with tenancy.system_scope():
        told = set(_db.session.scalars(select(Notification.user_id)))
    assert {visits["host_practitioner"].id, visits["participant_a"].id} <= told


def test_a_host_is_never_double_booked_across_authorities(visits):
    start = at(working_day(), "10:00")
    book(visits, start=start)
    with pytest.raises(RuleError, match="busy"):
        book(visits, tenant="b", start=start)
    # The 30-minute buffers after and before: 11:00 is too soon, 12:00 is free.
    with pytest.raises(RuleError, match="busy"):
        book(visits, tenant="b", start=start + timedelta(hours=1))
    assert book(visits, tenant="b", start=start + timedelta(hours=2))


def test_a_participant_is_never_double_booked(visits):
    start = at(working_day(), "10:00")
    book(visits, start=start)
    with pytest.raises(RuleError, match="already has a session"):
        book(visits, host="service_lead", start=start + timedelta(minutes=30))


def test_refusals_outside_hours_on_holidays_and_too_soon(visits):
    with pytest.raises(RuleError, match="working hours"):
        book(visits, start=at(working_day(), "16:30"))
    with pytest.raises(RuleError, match="at least a day ahead"):
        book(visits, start=service.now() + timedelta(hours=2))
    christmas = date(TODAY.year, 12, 25)
    if christmas.weekday() < 5 and christmas > TODAY + timedelta(days=1):
        with pytest.raises(RuleError, match="bank holiday"):
            book(visits, start=at(christmas, "10:00"))


def test_caps_per_day(visits):
    day = working_day()
    book(visits, start=at(day, "09:00"))
    book(visits, tenant="b", start=at(day, "11:00"))
    someone = new_participant(visits)
    with pytest.raises(RuleError, match="already has 2 visits"):
        book(visits, participant=someone, start=at(day, "14:00"))


def test_anyone_in_the_service_picks_a_free_host(visits):
    start = at(working_day(), "10:00")
    first = load(book(visits, start=start, host=None, service_id=visits.service.id))
    second = load(book(visits, tenant="b", start=start, host=None, service_id=visits.service.id))
    assert {first.host_id, second.host_id} == {
        visits["host_practitioner"].id, visits["service_lead"].id,
    }  # fmt: skip
    third = new_participant(visits)
    with pytest.raises(RuleError, match="Nobody in that service is free"):
        book(visits, participant=third, start=start, host=None, service_id=visits.service.id)


def test_a_participant_can_only_book_for_themselves(visits):
    other = new_participant(visits)
    with pytest.raises(RuleError, match="only book sessions for yourself"):
        book(visits, participant=other, actor=visits["participant_a"])
    assert book(visits, participant=other, actor=visits["partner_manager_a"])


def test_host_confirms_when_they_ask_to(visits):
    host = visits["host_practitioner"]
    with tenancy.system_scope():
        service.save_settings(host, buffer_before=30, buffer_after=30, max_per_day=2,
                              max_per_week=6, confirm_bookings=True)  # fmt: skip
        _db.session.commit()
    session_id = book(visits)
    assert load(session_id).status == SessionStatus.PROPOSED
    with tenancy.scoped({visits.a.id}):
        service.confirm_session(session_id, actor=host)
        _db.session.commit()
    session = load(session_id)
    assert session.status == SessionStatus.CONFIRMED and session.sequence == 1


# --- Changes and reminders --------------------------------------------------------------------


def test_cancelling_cancels_every_reminder_and_none_is_ever_sent(visits):
    session_id = book(visits)
    with tenancy.scoped({visits.a.id}):
        service.cancel_session(session_id, actor=visits["participant_a"], reason="Unwell")
        _db.session.commit()
    assert load(session_id).status == SessionStatus.CANCELLED
    assert {r.status for r in outbox(f"session:{session_id}:reminders")} == {OutboxStatus.CANCELLED}
    # Even if a copy of a reminder were already queued, it would re-read and send nothing.
    with tenancy.scoped({visits.a.id}):
        assert service.send_reminder(session_id, visits["participant_a"].id) is False


def test_cancelling_needs_a_reason_and_the_right_person(visits):
    session_id = book(visits)
    with tenancy.scoped({visits.a.id}), pytest.raises(RuleError, match="reason"):
        service.cancel_session(session_id, actor=visits["participant_a"], reason="  ")
    outsider = new_participant(visits)
    with tenancy.scoped({visits.a.id}), pytest.raises(RuleError, match="cannot cancel"):
        service.cancel_session(session_id, actor=outsider, reason="No")


def test_rescheduling_moves_reminders_and_frees_the_old_time(visits):
    old = at(working_day(), "10:00")
    new = at(working_day(1), "14:00")
    session_id = book(visits, start=old)
    with tenancy.scoped({visits.a.id}):
        service.reschedule_session(session_id, actor=visits["host_practitioner"], starts_at=new)
        _db.session.commit()
    session = load(session_id)
    assert as_utc(session.starts_at) == new and session.sequence == 1
    reminders = outbox(f"session:{session_id}:reminders")
    assert {as_utc(r.run_at) for r in reminders} == {new - timedelta(days=1)}
    assert {r.status for r in reminders} == {OutboxStatus.PENDING}
    assert book(visits, tenant="b", start=old)  # the old time is free again


def test_rescheduling_checks_everyone_again(visits):
    first = at(working_day(), "10:00")
    book(visits, tenant="b", start=first)
    mine = book(visits, start=at(working_day(), "14:00"))
    with tenancy.scoped({visits.a.id}), pytest.raises(RuleError, match="busy"):
        service.reschedule_session(mine, actor=visits["participant_a"], starts_at=first)


def _session_at(world, start, *, kind=JOINT, host="host_practitioner", tenant="a"):
    """A session inserted directly (e.g. starting tomorrow, inside the booking notice)."""
    tenant_obj = getattr(world, tenant)
    with tenancy.system_scope():
        session = Session(
            tenant_id=tenant_obj.id, kind=kind, title="Joint visit", host_id=world[host].id,
            starts_at=start, ends_at=start + timedelta(hours=1), location="Online",
        )  # fmt: skip
        _db.session.add(session)
        _db.session.flush()
        _db.session.add(Place(tenant_id=tenant_obj.id, session_id=session.id,
                              participant_id=world[f"participant_{tenant}"].id))  # fmt: skip
        _db.session.commit()
        return session.id


def test_a_due_reminder_is_sent_once_to_each_person(visits):
    session_id = _session_at(visits, service.now() + timedelta(hours=20))
    with tenancy.scoped({visits.a.id}):
        assert service.send_reminder(session_id, visits["participant_a"].id)
        assert service.send_reminder(session_id, visits["host_practitioner"].id)
        _db.session.commit()
    with tenancy.system_scope():
        subjects = list(_db.session.scalars(select(MailMessage.subject)))
    assert len(subjects) == 2 and all(s.startswith("Tomorrow") for s in subjects)


def test_a_reminder_for_a_session_moved_further_off_sends_nothing(visits):
    session_id = _session_at(visits, service.now() + timedelta(days=5))
    with tenancy.scoped({visits.a.id}):
        assert service.send_reminder(session_id, visits["participant_a"].id) is False


def test_attendance_after_the_session_and_an_invitation_to_reflect(visits):
    session_id = _session_at(visits, service.now() - timedelta(hours=2))
    with tenancy.scoped({visits.a.id}):
        session = service.get_session(session_id)
        place_id = session.places[0].id
        service.record_attendance(session_id, actor=visits["host_practitioner"],
                                  marks={place_id: Attendance.ATTENDED})  # fmt: skip
        _db.session.commit()
        assert load(session_id).status == SessionStatus.COMPLETED
        invite = _db.session.scalar(
            select(Notification).where(Notification.user_id == visits["participant_a"].id)
        )
    assert invite.link == f"/northbrook/sessions/{session_id}#reflect"


def test_attendance_is_refused_before_the_session(visits):
    session_id = book(visits)
    with tenancy.scoped({visits.a.id}), pytest.raises(RuleError, match="once the session"):
        session = service.get_session(session_id)
        service.record_attendance(session_id, actor=visits["host_practitioner"],
                                  marks={session.places[0].id: Attendance.NO_SHOW})  # fmt: skip


# --- Group sessions ---------------------------------------------------------------------------


def group(world, *, start=None, hours=2, seats=10, per_authority=None, repeat="none", count=1,
          kind=SessionKind.SUPERVISION_GROUP):  # fmt: skip
    start = start or at(working_day(), "10:00")
    with tenancy.scoped(set()):
        try:
            created = service.create_group(
                actor=world["facilitator"], kind=kind, title="Reflective supervision",
                starts_at=start, ends_at=start + timedelta(hours=hours), location="Online",
                seats=seats, seats_per_authority=per_authority, repeat=repeat, count=count,
            )  # fmt: skip
        except RuleError:
            _db.session.rollback()
            raise
        _db.session.commit()
        return [s.id for s in created]


def _series_across_the_next_clock_change(weeks: int) -> date:
    """A weekday from which a weekly series of ``weeks`` crosses the next clock change
    with no occurrence on a weekend or bank holiday (Good Friday is always near one)."""
    day, offset = working_day(), None
    while True:
        now_offset = at(day, "10:00").astimezone(LONDON).utcoffset()
        if offset is not None and now_offset != offset:
            break
        offset, day = now_offset, day + timedelta(days=1)
    change = day
    first = max(working_day(), change - timedelta(weeks=weeks - 1))
    while True:
        dates = [first + timedelta(weeks=n) for n in range(weeks)]
        if dates[-1] >= change and not any(d.weekday() >= 5 or bank_holiday(d) for d in dates):
            return first
        first += timedelta(days=1)


@pytest.mark.parametrize(
    "today",
    [
        None,  # the suite's clock
        date(2027, 3, 2),  # a Tuesday: the old test's third date was Good Friday
        date(2027, 3, 5),  # a Friday, the same
        date(2027, 9, 14),  # before the autumn change
    ],
)
def test_a_weekly_series_keeps_its_london_time_across_a_clock_change(visits, today):
    frozen = frozen_at(local(today, time(9, 0))) if today else contextlib.nullcontext()
    with frozen:
        first = _series_across_the_next_clock_change(weeks=6)
        ids = group(visits, start=at(first, "10:00"), repeat="weekly", count=6)
    times = [as_utc(load(i).starts_at).astimezone(LONDON) for i in ids]
    assert {t.strftime("%H:%M") for t in times} == {"10:00"}
    assert len({t.utcoffset() for t in times}) == 2  # it really crossed a change


def test_a_clash_in_the_tenth_occurrence_is_found(visits):
    first_day = working_day()
    tenth = first_day + timedelta(weeks=9)
    while bank_holiday(tenth) or any(
        bank_holiday(first_day + timedelta(weeks=n)) for n in range(12)
    ):  # keep the series clear of bank holidays, so only the clash can refuse it
        first_day += timedelta(days=1)
        if first_day.weekday() >= 5:
            first_day += timedelta(days=7 - first_day.weekday())
        tenth = first_day + timedelta(weeks=9)
    _session_at(visits, at(tenth, "11:00"), host="facilitator")
    with pytest.raises(RuleError, match="10th session"):
        group(visits, start=at(first_day, "10:00"), repeat="weekly", count=12)
    with tenancy.system_scope():
        assert _db.session.scalar(
            select(func.count()).select_from(Session).where(Session.tenant_id.is_(None))
        ) == 0  # fmt: skip


def test_group_sessions_are_refused_on_bank_holidays_and_out_of_hours(visits):
    with pytest.raises(RuleError, match="between 8am and 6pm"):
        group(visits, start=at(working_day(), "17:00"), hours=2)
    year = TODAY.year + 1
    holiday = next(d for d in sorted(__import__("holidays").country_holidays(
        "GB", subdiv="ENG", years=year)) if d.weekday() < 5)  # fmt: skip
    with pytest.raises(RuleError, match="bank holiday"):
        group(visits, start=at(holiday, "10:00"))


def seat(world, session_id, participant, tenant="a"):
    tenant_obj = getattr(world, tenant)
    with tenancy.scoped({tenant_obj.id}):
        place = service.book_seat(actor=participant, tenant=tenant_obj, session_id=session_id,
                                  participant_id=participant.id)  # fmt: skip
        _db.session.commit()
        return place.status


def test_seats_per_authority_waiting_list_and_a_freed_seat(visits):
    (session_id,) = group(visits, seats=2, per_authority=1)
    a1, a2 = visits["participant_a"], new_participant(visits)
    assert seat(visits, session_id, a1) == PlaceStatus.BOOKED
    assert seat(visits, session_id, a2) == PlaceStatus.WAITING  # Northbrook's share is used
    assert seat(visits, session_id, visits["participant_b"], "b") == PlaceStatus.BOOKED
    b2 = new_participant(visits, "b")
    assert seat(visits, session_id, b2, "b") == PlaceStatus.WAITING  # and the session is full
    with tenancy.scoped({visits.a.id}):
        service.leave_seat(actor=a1, tenant=visits.a, session_id=session_id, participant_id=a1.id)
        _db.session.commit()
    with tenancy.system_scope():
        places = {
            p.participant_id: p.status
            for p in _db.session.scalars(select(Place).where(Place.session_id == session_id))
        }
    # b2 waited longer, but Eastmere's share is full: the seat goes to a2.
    assert places[a2.id] == PlaceStatus.BOOKED
    assert places[b2.id] == PlaceStatus.WAITING
    assert places[a1.id] == PlaceStatus.CANCELLED
    assert [r.status for r in outbox(f"session:{session_id}:reminders:{a1.id}")] == [
        OutboxStatus.CANCELLED
    ]
    assert [r.status for r in outbox(f"session:{session_id}:reminders:{a2.id}")] == [
        OutboxStatus.PENDING
    ]


def test_cancelling_a_group_reaches_every_authoritys_reminders(visits):
    (session_id,) = group(visits)
    seat(visits, session_id, visits["participant_a"])
    seat(visits, session_id, visits["participant_b"], "b")
    with tenancy.scoped({visits.a.id}):  # the facilitator's own scope: not Eastmere's rows
        service.cancel_session(session_id, actor=visits["facilitator"], reason="Room flooded")
        _db.session.commit()
    statuses = {r.status for r in outbox(f"session:{session_id}:reminders")}
    assert statuses == {OutboxStatus.CANCELLED}
    with tenancy.system_scope():
        told = _db.session.execute(select(Notification.user_id, Notification.text)).all()
        mailed = _db.session.scalars(
            select(MailMessage.body_text).where(
                MailMessage.recipient == visits["participant_b"].email
            )
        ).all()
    cancelled = {user_id for user_id, text in told if text.startswith("Cancelled")}
    # Both authorities' seat holders hear of the cancellation itself, not just the booking.
    assert {visits["participant_a"].id, visits["participant_b"].id} <= cancelled
    assert any("Room flooded" in body for body in mailed)


# --- Calendars --------------------------------------------------------------------------------


def test_ics_parses_round_trips_and_keeps_its_uid(visits, app):
    session_id = book(visits, start=at(working_day(), "09:00"))
    with app.test_request_context(), tenancy.scoped({visits.a.id}):
        session = service.get_session(session_id)
        first = ical.session_file(session, link="http://x/s")
        service.reschedule_session(session_id, actor=visits["host_practitioner"],
                                   starts_at=at(working_day(1), "09:00"))  # fmt: skip
        _db.session.commit()
        moved = ical.session_file(service.get_session(session_id), link="http://x/s")
        service.cancel_session(session_id, actor=visits["host_practitioner"], reason="Ill")
        _db.session.commit()
        cancelled = ical.session_file(service.get_session(session_id), link="http://x/s")
    events = []
    for body in (first, moved, cancelled):
        parsed = Calendar.from_ical(body)
        assert Calendar.from_ical(parsed.to_ical()).to_ical() == parsed.to_ical()
        assert parsed.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
        events.append((parsed, parsed.walk("VEVENT")[0]))
    assert len({str(e["UID"]) for _, e in events}) == 1
    assert [int(e["SEQUENCE"]) for _, e in events] == [0, 1, 2]
    start = events[0][1].decoded("DTSTART")
    assert start.strftime("%H:%M") == "09:00" and str(start.tzinfo) == "Europe/London"
    assert str(events[2][0]["METHOD"]) == "CANCEL" and str(events[2][1]["STATUS"]) == "CANCELLED"
    assert "Joint visit" in str(events[0][1]["SUMMARY"])


def test_the_feed_needs_a_live_token(visits, client, login_as):
    book(visits)
    participant = visits["participant_a"]
    page = login_as(participant).post("/calendar/", data={"action": "new"})
    text = page.get_data(as_text=True)
    token = text.split("/calendar/")[1].split(".ics")[0]
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert len(events) == 1 and "/northbrook/sessions/" in str(events[0]["URL"])
    # A new link replaces the old; turning it off closes both.
    login_as(participant).post("/calendar/", data={"action": "new"})
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    login_as(participant).post("/calendar/", data={"action": "revoke"})
    with tenancy.system_scope():
        assert service.feed_for(participant) is None
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_the_hosts_feed_shows_sessions_from_both_authorities(visits, client, login_as):
    book(visits, start=at(working_day(), "10:00"))
    book(visits, tenant="b", start=at(working_day(1), "10:00"))
    with tenancy.system_scope():
        token = service.new_feed_token(visits["host_practitioner"])
        _db.session.commit()
    events = Calendar.from_ical(client.get(f"/calendar/{token}.ics").data).walk("VEVENT")
    assert len(events) == 2
    assert all("/host/sessions/" in str(e["URL"]) for e in events)


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------


def _enter_as(person, tenants):
    """Take the person's tenant scope (as their request would); returns their authority."""
    with tenancy.system_scope():
        tenant_id = _db.session.scalar(
            select(Membership.tenant_id).where(Membership.user_id == person.id)
        )
    tenancy.set_scope({tenant_id})
    return _db.session.merge(tenants[tenant_id])


def _race(app, n, attempt):
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                attempt(i)
                _db.session.commit()
                outcomes.append("won")
            except RuleError:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()
                tenancy.clear_scope()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises all writers")
def test_many_people_booking_one_slot_at_once_exactly_one_wins(app, visits):
    people = [new_participant(visits, "a" if i % 2 else "b") for i in range(8)]
    tenants = {visits.a.id: visits.a, visits.b.id: visits.b}
    start = at(working_day(), "10:00")
    host_id = visits["host_practitioner"].id

    def attempt(i):
        person = people[i]
        service.book_visit(
            actor=person, tenant=_enter_as(person, tenants), participant_id=person.id,
            kind=JOINT, starts_at=start, length_minutes=60, location="Online", host_id=host_id,
        )  # fmt: skip

    assert _race(app, len(people), attempt) == ["refused"] * 7 + ["won"]
    with tenancy.system_scope():
        assert _db.session.scalar(select(func.count()).select_from(Session)) == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises all writers")
def test_many_people_booking_the_last_seat_at_once_exactly_one_wins(app, visits):
    (session_id,) = group(visits, seats=1)
    people = [new_participant(visits, "a" if i % 2 else "b") for i in range(8)]
    tenants = {visits.a.id: visits.a, visits.b.id: visits.b}

    def attempt(i):
        person = people[i]
        service.book_seat(actor=person, tenant=_enter_as(person, tenants),
                          session_id=session_id, participant_id=person.id)  # fmt: skip

    _race(app, len(people), attempt)
    with tenancy.system_scope():
        statuses = list(
            _db.session.scalars(select(Place.status).where(Place.session_id == session_id))
        )
    assert sorted(statuses) == [PlaceStatus.BOOKED] + [PlaceStatus.WAITING] * 7


def test_emails_carry_the_session_and_its_cancellation(visits, smtp):
    from tests.support import run_jobs

    session_id = book(visits)
    run_jobs()
    with tenancy.scoped({visits.a.id}):
        service.cancel_session(session_id, actor=visits["host_practitioner"], reason="Ill")
        _db.session.commit()
    run_jobs()
    to_participant = [m for m in smtp.messages if m["To"] == visits["participant_a"].email]
    assert len(to_participant) == 2
    methods = []
    for message in to_participant:
        (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        parsed = Calendar.from_ical(part.get_payload(decode=True))
        methods.append(str(parsed["METHOD"]))
    assert methods == ["PUBLISH", "CANCEL"]
