"""Session pages over HTTP: find and book, change, seats, host pages, calendar files."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Membership
from portal.extensions import db as _db
from portal.placements.models import Placement, PlacementStatus
from portal.sessions import service
from portal.sessions.models import (
    AvailabilityException,
    AvailabilitySettings,
    AvailabilityWindow,
    Place,
    PlaceStatus,
    Session,
    SessionKind,
    SessionStatus,
)
from portal.sessions.slots import local
from tests.support import working_day

TODAY = service.london_date(service.now())


@pytest.fixture
def visits(world):
    with tenancy.system_scope():
        for key in ("host_practitioner", "service_lead", "facilitator"):
            for weekday in range(5):
                _db.session.add(AvailabilityWindow(user_id=world[key].id, weekday=weekday,
                                                   starts=time(9), ends=time(17)))  # fmt: skip
            _db.session.add(Membership(user_id=world[key].id, tenant_id=world.b.id))
        for key, tenant in (("participant_a", world.a), ("participant_b", world.b)):
            _db.session.add(
                Placement(
                    tenant_id=tenant.id, participant_id=world[key].id,
                    service_id=world.service.id, status=PlacementStatus.ACTIVE,
                    starts_on=TODAY, ends_on=TODAY + timedelta(days=60), weekdays=0b11111,
                    learning_goals="Goals",
                )
            )  # fmt: skip
        _db.session.commit()
    return world


def _find_query(world, day=None) -> dict:
    return {
        "participant": world["participant_a"].id,
        "kind": "joint_visit",
        "who": f"host:{world['host_practitioner'].id}",
        "length": "60",
        "from": (day or working_day()).isoformat(),
    }


def test_finding_and_booking_a_joint_visit(visits, login_as):
    client = login_as(visits["participant_a"])
    page = client.get("/northbrook/sessions/find", query_string=_find_query(visits))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    links = re.findall(r'href="(/northbrook/sessions/book\?[^"]+)"', html)
    assert links, "no slots offered"
    book_url = links[0].replace("&amp;", "&")
    assert ">09:00<" in html
    confirm = client.get(book_url)
    assert confirm.status_code == 200 and "Book this time" in confirm.get_data(as_text=True)
    done = client.post(book_url, data={"location": "Online", "agenda": "Strategy meetings"})
    assert done.status_code == 302
    assert re.match(r"/northbrook/sessions/\d+$", done.headers["Location"])
    with tenancy.system_scope():
        session = _db.session.scalar(select(Session))
        assert session.status == SessionStatus.CONFIRMED
        assert session.agenda == "Strategy meetings"
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Confirmed" in detail and "Add to your calendar" in detail


def test_booking_a_taken_slot_shows_why_not_a_crash(visits, login_as):
    client = login_as(visits["participant_a"])
    html = client.get("/northbrook/sessions/find", query_string=_find_query(visits))
    book_url = re.findall(
        r'href="(/northbrook/sessions/book\?[^"]+)"', html.get_data(as_text=True)
    )[0].replace("&amp;", "&")
    # Someone from another authority takes the host at that time first.
    start = re.search(r"start=([^&]+)", book_url).group(1)
    with tenancy.scoped({visits.b.id}):
        from urllib.parse import unquote

        from portal.common.clock import as_utc

        service.book_visit(
            actor=visits["participant_b"], tenant=visits.b,
            participant_id=visits["participant_b"].id, kind=SessionKind.JOINT_VISIT,
            starts_at=as_utc(__import__("datetime").datetime.fromisoformat(unquote(start))),
            length_minutes=60, location="Online", host_id=visits["host_practitioner"].id,
        )  # fmt: skip
        _db.session.commit()
    refused = client.post(book_url, data={"location": "Online"})
    assert refused.status_code == 303  # back to the free times as they are now
    assert "/northbrook/sessions/find?" in refused.headers["Location"]
    again = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "is busy then" in again
    assert start.replace("%3A", ":") not in again.replace("%3A", ":")  # that time is gone
    # A problem the person can fix on the form stays on the form.
    wrong_place = client.post(book_url.replace(start, start), data={"location": "Nowhere"})
    assert wrong_place.status_code == 200


def test_find_without_a_placement_explains_why(visits, login_as):
    client = login_as(visits["partner_manager_b"])
    with tenancy.system_scope():
        _db.session.query(Placement).delete()
        _db.session.commit()
    query = _find_query(visits) | {"participant": visits["participant_b"].id}
    html = client.get("/eastmere/sessions/find", query_string=query).get_data(as_text=True)
    assert "no active, cleared placement" in html


def test_a_manager_cannot_find_times_for_another_authoritys_participant(visits, login_as):
    client = login_as(visits["partner_manager_a"])
    query = _find_query(visits) | {"participant": visits["participant_b"].id}
    html = client.get("/northbrook/sessions/find", query_string=query).get_data(as_text=True)
    assert "sessions/book?" not in html
    assert "govuk-error-summary" in html


def _booked(world, tenant="a", day=None, clock="10:00"):
    tenant_obj = getattr(world, tenant)
    with tenancy.scoped({tenant_obj.id}):
        session = service.book_visit(
            actor=world[f"participant_{tenant}"], tenant=tenant_obj,
            participant_id=world[f"participant_{tenant}"].id,
            kind=SessionKind.JOINT_VISIT,
            starts_at=local(day or working_day(), time.fromisoformat(clock)), length_minutes=60,
            location="Online", host_id=world["host_practitioner"].id,
        )  # fmt: skip
        _db.session.commit()
        return session.id


def test_cancel_and_reschedule_pages(visits, login_as):
    session_id = _booked(visits)
    client = login_as(visits["participant_a"])
    slots = client.get(f"/northbrook/sessions/{session_id}/reschedule").get_data(as_text=True)
    moves = re.findall(r'href="(/northbrook/sessions/\d+/reschedule\?start=[^"]+)"', slots)
    assert moves
    target = moves[-1].replace("&amp;", "&")
    assert client.post(target, data={"reason": "Clash"}).status_code == 302
    with tenancy.system_scope():
        assert _db.session.get(Session, session_id).sequence == 1
    empty = client.post(f"/northbrook/sessions/{session_id}/cancel", data={"reason": ""})
    assert "Enter a reason" in empty.get_data(as_text=True)
    assert client.post(
        f"/northbrook/sessions/{session_id}/cancel", data={"reason": "Unwell"}
    ).status_code == 302  # fmt: skip
    with tenancy.system_scope():
        assert _db.session.get(Session, session_id).status == SessionStatus.CANCELLED


def test_another_participant_of_the_same_authority_cannot_see_a_visit(visits, login_as):
    from portal.accounts.models import Role
    from tests.factories import UserFactory

    session_id = _booked(visits)
    with tenancy.system_scope():
        other = UserFactory(role=Role.PARTICIPANT)
        _db.session.add(Membership(user_id=other.id, tenant_id=visits.a.id))
        _db.session.commit()
    client = login_as(other)
    assert client.get(f"/northbrook/sessions/{session_id}").status_code == 404
    assert client.get(f"/northbrook/sessions/{session_id}/calendar.ics").status_code == 404
    assert client.post(f"/northbrook/sessions/{session_id}/cancel").status_code == 404


def test_ics_download(visits, login_as):
    session_id = _booked(visits)
    response = login_as(visits["participant_a"]).get(
        f"/northbrook/sessions/{session_id}/calendar.ics"
    )
    assert response.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in response.data and b"TZID=Europe/London" in response.data
    assert b"Strategy" not in response.data  # the agenda never goes into calendars


def _seminar(world, *, seats: int) -> int:
    with tenancy.scoped(set()):
        start = local(working_day(), time(10))
        (group,) = service.create_group(
            actor=world["facilitator"], kind=SessionKind.SEMINAR, title="Seminar",
            starts_at=start, ends_at=start + timedelta(hours=2), location="Online", seats=seats,
        )  # fmt: skip
        _db.session.commit()
        return group.id


def test_seats_over_http(visits, login_as):
    with tenancy.system_scope():
        visits["participant_a"].name = "Leah Morgan"
        _db.session.commit()
    group_id = _seminar(visits, seats=1)
    a = login_as(visits["participant_a"])
    assert "Book a seat" in a.get(f"/northbrook/sessions/{group_id}").get_data(as_text=True)
    assert a.post(f"/northbrook/sessions/{group_id}/seat").status_code == 302
    b = login_as(visits["participant_b"])
    page = b.get(f"/eastmere/sessions/{group_id}").get_data(as_text=True)
    assert "Join the waiting list" in page
    assert "Leah Morgan" not in page  # never another authority's people
    b.post(f"/eastmere/sessions/{group_id}/seat")
    a.post(f"/northbrook/sessions/{group_id}/seat/cancel")
    with tenancy.system_scope():
        places = {p.participant_id: p.status for p in _db.session.scalars(select(Place))}
    assert places[visits["participant_b"].id] == PlaceStatus.BOOKED
    groups = b.get("/eastmere/sessions/groups").get_data(as_text=True)
    assert "Seminar" in groups and "Full" in groups


def test_a_manager_books_a_seat_for_a_participant(visits, login_as):
    group_id = _seminar(visits, seats=5)
    manager = login_as(visits["partner_manager_a"])
    missing = manager.post(f"/northbrook/sessions/{group_id}/seat", data={"participant": ""})
    assert missing.status_code == 302  # refused with a message, not an error page
    manager.post(f"/northbrook/sessions/{group_id}/seat",
                 data={"participant": str(visits["participant_b"].id)})  # fmt: skip
    manager.post(f"/northbrook/sessions/{group_id}/seat",
                 data={"participant": str(visits["participant_a"].id)})  # fmt: skip
    with tenancy.system_scope():
        booked = set(_db.session.scalars(select(Place.participant_id)))
    assert booked == {visits["participant_a"].id}  # another authority's person was refused


def test_facilitator_creates_a_series(visits, login_as):
    client = login_as(visits["facilitator"])
    day = working_day()
    data = {
        "kind": "supervision_group", "title": "Supervision",
        "starts_on": [day.day, day.month, day.year], "starts": "10:00", "ends": "12:00",
        "location": "Online", "seats": "8",
        "repeat": "fortnightly", "count": "3",
    }  # fmt: skip
    response = client.post("/host/sessions/new", data=data)
    if response.status_code == 200:  # a bank holiday in the series: shown, not crashed
        assert "bank holiday" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    with tenancy.system_scope():
        assert _db.session.query(Session).count() == 3
    week = client.get(f"/host/week?week={day.isoformat()}").get_data(as_text=True)
    assert "Supervision" in week and "0 of 8 seats taken" in week


def test_series_form_errors(visits, login_as):
    client = login_as(visits["facilitator"])
    page = client.post("/host/sessions/new", data={"repeat": "weekly"}).get_data(as_text=True)
    assert "Enter a title" in page and "Enter the date" in page


def test_availability_saves_and_rejects_bad_windows(visits, login_as):
    host = visits["host_practitioner"]
    client = login_as(host)
    data = {"buffer_before": "15", "buffer_after": "45", "max_per_day": "3", "max_per_week": "",
            "confirm_bookings": "y", "day_0_starts": "10:00", "day_0_ends": "16:00"}  # fmt: skip
    assert client.post("/host/availability", data=data).status_code == 302
    with tenancy.system_scope():
        settings = _db.session.get(AvailabilitySettings, host.id)
        assert (settings.buffer_before, settings.max_per_week, settings.confirm_bookings) == (
            15, None, True,
        )  # fmt: skip
        windows = service.windows_for(host.id)
        assert [(w.weekday, w.starts, w.ends) for w in windows] == [(0, time(10), time(16))]
    bad = client.post("/host/availability", data=data | {"day_0_ends": "09:00"})
    assert "The end time must be after the start time" in bad.get_data(as_text=True)
    day = working_day()
    added = client.post(
        "/host/availability/away",
        data={"starts_on": [day.day, day.month, day.year], "kind": "leave"},
    )
    assert added.status_code == 302
    with tenancy.system_scope():
        assert _db.session.query(AvailabilityException).count() == 1


class _FormFields(HTMLParser):
    """The values a browser would submit from the form posting to ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.select = action, False, None
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "select":
            self.select = attrs["name"]
            self.values.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")
        elif tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self._input(attrs)

    def _input(self, attrs):
        if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
            self.values[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def _form_values(html: str, action: str) -> dict[str, str]:
    parser = _FormFields(action)
    parser.feed(html)
    return parser.values


def test_a_refused_time_away_keeps_the_working_hours(visits, login_as):
    host = visits["host_practitioner"]
    client = login_as(host)
    day, before = working_day(), working_day() - timedelta(days=1)
    refused = client.post(
        "/host/availability/away",
        data={
            "starts_on": [day.day, day.month, day.year],
            "ends_on": [before.day, before.month, before.year],  # ends before it starts
            "kind": "leave",
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "The last day must be the same as or after the first day" in html
    shown = _form_values(html, "/host/availability")
    for n in range(5):
        assert (shown[f"day_{n}_starts"], shown[f"day_{n}_ends"]) == ("09:00", "17:00")
    assert (shown["buffer_before"], shown["buffer_after"]) == ("30", "30")
    # Saving the hours form as the page shows it keeps the host's hours.
    assert client.post("/host/availability", data=shown).status_code == 302
    with tenancy.system_scope():
        windows = service.windows_for(host.id)
        assert [(w.weekday, w.starts, w.ends) for w in windows] == [
            (n, time(9), time(17)) for n in range(5)
        ]


def test_the_hosts_week_spans_authorities(visits, login_as):
    _booked(visits, "a", clock="10:00")
    _booked(visits, "b", clock="14:00")
    page = login_as(visits["host_practitioner"]).get(f"/host/week?week={working_day().isoformat()}")
    html = page.get_data(as_text=True)
    assert "Northbrook Council" in html and "Eastmere Borough Council" in html


def test_the_month_calendar_works_without_javascript(visits, login_as):
    _booked(visits)
    month = working_day().strftime("%Y-%m")
    html = login_as(visits["partner_manager_a"]).get(f"/northbrook/sessions/?month={month}")
    text = html.get_data(as_text=True)
    assert "<table" in text and "10:00 Joint visit" in text
    assert (
        login_as(visits["partner_manager_a"]).get("/northbrook/sessions/?month=bad").status_code
        == 200
    )


def test_a_busy_day_shows_four_and_links_to_the_rest(visits, login_as):
    """However busy the authority, a day's square holds four sessions and "N more",
    which lists the whole day; "Coming up" shows the next 20 at most."""
    day = working_day()
    with tenancy.system_scope():
        for hour in range(8, 15):
            start = local(day, time(hour))
            _db.session.add(
                Session(
                    tenant_id=visits.a.id, kind=SessionKind.CONSULTATION,
                    title=f"Consultation at {hour}", host_id=visits["host_practitioner"].id,
                    starts_at=start, ends_at=start + timedelta(minutes=50), location="Online",
                )
            )  # fmt: skip
        _db.session.commit()
    client = login_as(visits["partner_manager_a"])
    month = client.get(f"/northbrook/sessions/?month={day:%Y-%m}").get_data(as_text=True)
    assert month.count("Case consultation</a>") == 4
    link = re.search(r'href="([^"]*day=' + day.isoformat() + r')">3 more', month)
    assert link, "the day's other three are a link"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f"Sessions on {day:%A %-d %B %Y}" in listed
    assert all(f"Consultation at {hour}" in listed for hour in range(8, 15))
    assert client.get("/northbrook/sessions/?day=not-a-day").status_code == 200


def test_htmx_gets_just_the_times(visits, login_as):
    client = login_as(visits["participant_a"])
    headers = {"HX-Request": "true"}
    part = client.get(
        "/northbrook/sessions/find", query_string=_find_query(visits), headers=headers
    )
    html = part.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="times-region">') and "<html" not in html
    assert "sessions/book?" in html
    # Back or Forward (a history restore) needs the whole page, not the part.
    restore = headers | {"HX-History-Restore-Request": "true"}
    whole = client.get("/northbrook/sessions/find", query_string=_find_query(visits),
                       headers=restore)  # fmt: skip
    assert "<html" in whole.get_data(as_text=True)
