"""Seats said before the click, and a whole series booked in one action (issue 13,
point 7).

Before: a seminar whose seats for one authority were full still offered "Book a seat",
then said "the session is full" while seats were free for other authorities; and a
series of ten seminars took ten bookings (and sent ten emails).
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import func, select

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.extensions import db
from portal.mail.models import MailMessage
from portal.sessions import service
from portal.sessions.models import Place, PlaceStatus, SessionKind
from portal.sessions.slots import local
from tests.factories import UserFactory
from tests.support import working_day
from tests.test_sessions_routes import visits  # noqa: F401 - the fixture


def seminars(world, *, seats=4, per_authority=None, count=1) -> list[int]:
    with tenancy.scoped(set()):
        start = local(working_day(), time(10))
        made = service.create_group(
            actor=world["facilitator"], kind=SessionKind.SEMINAR, title="Leading change",
            starts_at=start, ends_at=start + timedelta(hours=2), location="Online",
            seats=seats, seats_per_authority=per_authority,
            repeat="weekly" if count > 1 else "none", count=count,
        )  # fmt: skip
        db.session.commit()
        return [s.id for s in made]


def another_participant(world):
    with tenancy.system_scope():
        person = UserFactory(role=Role.PARTICIPANT, name="Noor Hassan")
        db.session.add(Membership(user_id=person.id, tenant_id=world.a.id))
        db.session.commit()
        return person


def places(participant) -> dict[int, PlaceStatus]:
    with tenancy.system_scope():
        rows = db.session.scalars(select(Place).where(Place.participant_id == participant.id))
        return {p.session_id: p.status for p in rows}


def test_an_authoritys_full_share_is_said_before_the_click(visits, login_as):  # noqa: F811
    [seminar] = seminars(visits, seats=4, per_authority=1)
    login_as(visits["participant_a"]).post(f"/northbrook/sessions/{seminar}/seat")
    noor = another_participant(visits)
    page = login_as(noor).get(f"/northbrook/sessions/{seminar}").text

    assert "Northbrook Council's 1 seat is taken, though 3 seats are free for other" in page
    assert "Join the waiting list" in page and "Book a seat</button>" not in page
    eastmere = login_as(visits["participant_b"]).get(f"/eastmere/sessions/{seminar}").text
    assert "1 seat free for Eastmere" in eastmere and "Book a seat</button>" in eastmere

    booked = login_as(noor).post(f"/northbrook/sessions/{seminar}/seat", follow_redirects=True)

    assert "No seat is free for Northbrook Council: you are on the waiting list" in booked.text
    assert places(noor) == {seminar: PlaceStatus.WAITING}


def test_a_participant_books_a_whole_series_in_one_action(visits, login_as):  # noqa: F811
    series = seminars(visits, seats=2, count=4)
    participant = visits["participant_a"]
    client = login_as(participant)
    page = client.get(f"/northbrook/sessions/{series[0]}").text
    assert "Book all 4 coming sessions in this series" in page
    with tenancy.system_scope():
        mail_before = db.session.scalar(select(func.count()).select_from(MailMessage))

    done = client.post(f"/northbrook/sessions/{series[0]}/seat/series", follow_redirects=True)

    assert "4 seats booked for you" in done.text
    assert places(participant) == {sid: PlaceStatus.BOOKED for sid in series}
    with tenancy.system_scope():
        mails = db.session.scalar(select(func.count()).select_from(MailMessage))
    assert mails - mail_before <= 1  # told once, not once a session


def test_a_series_booking_passes_over_what_cannot_be_booked_and_says_so(visits, login_as):  # noqa: F811
    series = seminars(visits, seats=1, count=3)
    login_as(visits["participant_b"]).post(f"/eastmere/sessions/{series[1]}/seat")  # last seat
    manager = login_as(visits["partner_manager_a"])
    participant = visits["participant_a"]
    login_as(participant).post(f"/northbrook/sessions/{series[2]}/seat")  # already booked

    done = manager.post(
        f"/northbrook/sessions/{series[0]}/seat/series",
        data={"participant": str(participant.id)},
        follow_redirects=True,
    )

    assert "1 seat booked for them; on the waiting list for 1 session; 1 session not" in done.text
    assert "already has a seat" in done.text
    assert places(participant) == {
        series[0]: PlaceStatus.BOOKED,
        series[1]: PlaceStatus.WAITING,
        series[2]: PlaceStatus.BOOKED,
    }
