"""Two security findings in sessions, kept fixed.

- Finding 10: only the host of a one-to-one session (a joint visit or a case
  consultation), or the centre admin, records who came; a facilitator cannot mark a
  colleague's visit as a no-show, and is not offered the form.
- Finding 14: every absolute link in an ``.ics`` file, a calendar feed and the feed's
  address is built from ``PORTAL_BASE_URL``, never from the request's ``Host`` header.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.audit.models import AuditEvent
from portal.errors import RuleError
from portal.extensions import db as _db
from portal.sessions import service
from portal.sessions.models import Attendance, Place, Session, SessionKind, SessionStatus
from tests.factories import UserFactory

ONE_TO_ONE = [SessionKind.JOINT_VISIT, SessionKind.CONSULTATION]
BASE = "https://portal.partnership.example"
EVIL = "evil.example"


def _session(world, *, kind=SessionKind.JOINT_VISIT, host=None, hours_from_now=-2):
    """A session of ``world.a`` (a group: of the host) with participant_a booked on it,
    inserted directly (so it can be in the past); returns (session id, place id)."""
    host = host or world["host_practitioner"]
    start = service.now() + timedelta(hours=hours_from_now)
    with tenancy.system_scope():
        session = Session(
            tenant_id=None if kind.is_group else world.a.id, kind=kind, title=kind.label,
            host_id=host.id, starts_at=start, ends_at=start + timedelta(hours=1),
            location="Online", seats=10 if kind.is_group else 1,
        )  # fmt: skip
        _db.session.add(session)
        _db.session.flush()
        place = Place(
            tenant_id=world.a.id, session_id=session.id, participant_id=world["participant_a"].id
        )
        _db.session.add(place)
        _db.session.commit()
        return session.id, place.id


def _state(session_id: int, place_id: int) -> tuple[SessionStatus, Attendance | None]:
    with tenancy.system_scope():
        _db.session.expire_all()
        session = _db.session.get(Session, session_id)
        place = _db.session.get(Place, place_id)
        return session.status, place.attendance


def _attendance_events(session_id: int) -> list[AuditEvent]:
    with tenancy.system_scope():
        return list(
            _db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "session.attendance", AuditEvent.object_id == session_id
                )
            )
        )


# --- Finding 10: attendance on someone else's one-to-one visit -------------------------------


@pytest.mark.parametrize("kind", ONE_TO_ONE, ids=lambda k: k.value)
def test_a_facilitator_cannot_mark_someone_elses_visit_a_no_show(world, kind):
    session_id, place_id = _session(world, kind=kind)
    with tenancy.scoped({world.a.id}):
        with pytest.raises(RuleError, match="Only the host"):
            service.record_attendance(
                session_id, actor=world["facilitator"], marks={place_id: Attendance.NO_SHOW}
            )
        _db.session.rollback()
    assert _state(session_id, place_id) == (SessionStatus.CONFIRMED, None)
    assert _attendance_events(session_id) == []


def test_over_http_a_facilitator_is_neither_offered_nor_allowed_attendance(world, login_as):
    session_id, place_id = _session(world)
    client = login_as(world["facilitator"])
    for page in (f"/northbrook/sessions/{session_id}", f"/host/sessions/{session_id}"):
        html = client.get(page).get_data(as_text=True)
        assert "Joint visit" in html, page  # they may see the visit ...
        assert f'name="place_{place_id}"' not in html, page  # ... but not record who came
        assert "Save attendance" not in html, page
    for action in (
        f"/northbrook/sessions/{session_id}/attendance",
        f"/host/sessions/{session_id}/attendance",
    ):
        refused = client.post(action, data={f"place_{place_id}": "no_show"})
        assert refused.status_code == 302, action
        shown = client.get(refused.headers["Location"]).get_data(as_text=True)
        assert "Only the host can record attendance" in shown, action
    assert _state(session_id, place_id) == (SessionStatus.CONFIRMED, None)
    assert _attendance_events(session_id) == []


def test_the_host_is_offered_attendance_and_records_a_no_show(world, login_as):
    session_id, place_id = _session(world)
    client = login_as(world["host_practitioner"])
    html = client.get(f"/northbrook/sessions/{session_id}").get_data(as_text=True)
    assert f'name="place_{place_id}"' in html and "Save attendance" in html
    done = client.post(
        f"/northbrook/sessions/{session_id}/attendance", data={f"place_{place_id}": "no_show"}
    )
    assert done.status_code == 302
    assert _state(session_id, place_id) == (SessionStatus.NO_SHOW, Attendance.NO_SHOW)


def test_the_centre_admin_records_a_no_show_and_it_is_audited(world, login_as):
    session_id, place_id = _session(world)
    client = login_as(world["centre_admin"])
    html = client.get(f"/host/sessions/{session_id}").get_data(as_text=True)
    assert f'name="place_{place_id}"' in html
    done = client.post(
        f"/host/sessions/{session_id}/attendance", data={f"place_{place_id}": "no_show"}
    )
    assert done.status_code == 302
    assert _state(session_id, place_id) == (SessionStatus.NO_SHOW, Attendance.NO_SHOW)
    [event] = _attendance_events(session_id)
    assert event.actor_id == world["centre_admin"].id
    assert event.tenant_id == world.a.id
    assert event.details == {"marks": {str(place_id): "no_show"}}


def test_a_facilitator_still_records_attendance_for_a_colleagues_group(world, login_as):
    with tenancy.system_scope():
        colleague = UserFactory(role=Role.FACILITATOR, email="colleague@host.example")
        _db.session.add(Membership(user_id=colleague.id, tenant_id=world.a.id))
        _db.session.commit()
    session_id, place_id = _session(world, kind=SessionKind.SEMINAR, host=colleague)
    client = login_as(world["facilitator"])
    html = client.get(f"/host/sessions/{session_id}").get_data(as_text=True)
    assert f'name="place_{place_id}"' in html
    done = client.post(
        f"/host/sessions/{session_id}/attendance", data={f"place_{place_id}": "attended"}
    )
    assert done.status_code == 302
    assert _state(session_id, place_id) == (SessionStatus.COMPLETED, Attendance.ATTENDED)


def test_other_host_staff_are_not_offered_attendance_on_a_visit(world, login_as):
    session_id, place_id = _session(world)
    html = login_as(world["service_lead"]).get(f"/northbrook/sessions/{session_id}")
    assert f'name="place_{place_id}"' not in html.get_data(as_text=True)


# --- Finding 14: absolute links come from PORTAL_BASE_URL -------------------------------------


@pytest.fixture
def base_url(app, monkeypatch):
    """The portal's configured address, unlike the test client's ``localhost``."""
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", BASE + "/")
    return BASE


def _from_evil(app, client):
    """The same signed-in client, now sending ``Host: evil.example`` (its session cookie
    copied to that host, as a browser sent there by an attacker would carry one)."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    if cookie is not None:
        client.set_cookie(name, cookie.value, domain=EVIL)
    return client


def _links(body: bytes) -> list[str]:
    """Every URL in a calendar: each event's URL, and every link in its description."""
    events = Calendar.from_ical(body).walk("VEVENT")
    assert events, "no events in the calendar"
    links = []
    for event in events:
        links.append(str(event["URL"]))
        links += re.findall(r"https?://\S+", str(event["DESCRIPTION"]))
    return links


def _all_from_the_portal(body: bytes, path: str) -> None:
    links = _links(body)
    assert all(link.startswith(BASE + path) for link in links), links
    assert EVIL not in body.decode(), "the Host header leaked into the calendar"


def test_an_ics_file_links_to_the_portal_whatever_the_host_header(app, world, login_as, base_url):
    session_id, _ = _session(world, hours_from_now=48)
    for who, url, path in (
        ("participant_a", f"/northbrook/sessions/{session_id}/calendar.ics", "/northbrook/"),
        ("host_practitioner", f"/host/sessions/{session_id}/calendar.ics", "/host/"),
    ):
        client = _from_evil(app, login_as(world[who]))
        response = client.get(url, headers={"Host": EVIL})
        assert response.status_code == 200, (who, response.status_code)
        assert response.mimetype == "text/calendar"
        _all_from_the_portal(response.data, path + "sessions/")


def test_the_feed_and_its_address_link_to_the_portal_whatever_the_host_header(
    app, world, login_as, client, base_url
):
    _session(world, hours_from_now=48)
    signed_in = _from_evil(app, login_as(world["participant_a"]))
    page = signed_in.post("/calendar/", data={"action": "new"}, headers={"Host": EVIL})
    assert page.status_code == 200
    found = re.search(r'id="feed-url" type="text" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "no feed address shown"
    address = found.group(1)
    assert address.startswith(BASE + "/calendar/") and address.endswith(".ics"), address
    feed = client.get(urlsplit(address).path, headers={"Host": EVIL})
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    _all_from_the_portal(feed.data, "/northbrook/sessions/")


def test_a_hosts_feed_links_to_the_portal_whatever_the_host_header(world, client, base_url):
    _session(world, hours_from_now=48)
    with tenancy.system_scope():
        token = service.new_feed_token(world["host_practitioner"])
        _db.session.commit()
    feed = client.get(f"/calendar/{token}.ics", headers={"Host": EVIL})
    assert feed.status_code == 200
    _all_from_the_portal(feed.data, "/host/sessions/")
