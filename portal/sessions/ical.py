"""iCalendar (RFC 5545) files and feeds, written with the ``icalendar`` library.

- Times are given in Europe/London with its VTIMEZONE, so calendar apps keep a
  09:00 session at 09:00 whatever the clocks do.
- Each session's UID is stable across changes; SEQUENCE goes up with every
  change, so apps update the event rather than adding another.
- A cancelled session is sent as a cancellation (STATUS:CANCELLED, and
  METHOD:CANCEL in a single-event file), so apps remove it.
- Descriptions hold the kind of session, the host and a link: calendars are
  often synced to personal devices and third-party services, so nothing about
  a family or the agenda goes in them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event

from portal.common.clock import LONDON, as_utc, utcnow
from portal.sessions.models import Session, SessionStatus

PRODID = "-//Centre for Social Work//Partnership portal//EN"
STATUS = {
    SessionStatus.PROPOSED: "TENTATIVE",
    SessionStatus.CONFIRMED: "CONFIRMED",
    SessionStatus.CANCELLED: "CANCELLED",
    SessionStatus.COMPLETED: "CONFIRMED",
    SessionStatus.NO_SHOW: "CONFIRMED",
}


def _domain() -> str:
    return urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "portal.invalid"


def uid(session: Session) -> str:
    return f"session-{session.uid}@{_domain()}"


def event(session: Session, *, link: str) -> Event:
    item = Event()
    item.add("uid", uid(session))
    item.add("sequence", session.sequence)
    item.add("dtstamp", utcnow())
    item.add("last-modified", as_utc(session.updated_at or session.created_at))
    item.add("dtstart", as_utc(session.starts_at).astimezone(LONDON))
    item.add("dtend", as_utc(session.ends_at).astimezone(LONDON))
    item.add("summary", session.title)
    item.add("location", session.location)
    item.add("status", STATUS[session.status])
    item.add("description", f"{session.kind.label} led by {session.host.name}.\n{link}")
    item.add("url", link)
    return item


def calendar(sessions: Iterable[tuple[Session, str]], *, name: str, method: str = "PUBLISH"):
    """A calendar of (session, link to it) pairs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    cal.add("x-published-ttl", "PT1H")
    for session, link in sessions:
        cal.add_component(event(session, link=link))
    cal.add_missing_timezones()
    return cal


def session_file(session: Session, *, link: str) -> bytes:
    """One session as a file to open in a calendar app; a cancelled one cancels it there."""
    method = "CANCEL" if session.status == SessionStatus.CANCELLED else "PUBLISH"
    return calendar([(session, link)], name=session.title, method=method).to_ical()


def feed(sessions: Iterable[tuple[Session, str]], *, owner: str) -> bytes:
    """A person's subscription feed: everything they host or have a seat in."""
    return calendar(sessions, name=f"Partnership portal: {owner}").to_ical()
