"""An authority's sessions: the month calendar, what is coming up, and a session's page."""

from __future__ import annotations

import calendar as months
from datetime import date, timedelta

from flask import g, render_template, request
from flask_login import current_user

from portal.accounts.models import Role
from portal.auth import roles_required
from portal.common import inputs
from portal.common.clock import as_utc
from portal.common.forms import ActionForm
from portal.sessions import queries, service
from portal.sessions.forms import SeatForm
from portal.sessions.models import Attendance, Session
from portal.sessions.routes import bp
from portal.sessions.routes.access import EVERYONE, month_arg, participant_choices, tenant_session

# What a page shows at most, however busy the authority: the next sessions, and the
# sessions in one day's square of the month (the rest are a link to that day).
UPCOMING_MOST = 20
DAY_MOST = 4


def month_grid(first: date, sessions: list[Session]) -> dict:
    """A month grid (weeks of days, Monday first) with each day's first sessions, and
    how many more each day has."""
    by_day: dict[date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(service.london_date(session.starts_at), []).append(session)
    weeks = months.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "first": first,
        "weeks": weeks,
        "by_day": {day: items[:DAY_MOST] for day, items in by_day.items()},
        "more_by_day": {
            day: len(items) - DAY_MOST for day, items in by_day.items() if len(items) > DAY_MOST
        },  # fmt: skip
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m"),
        "today": service.london_date(service.now()),
    }


@bp.get("/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    """The next sessions and a month's calendar; ``?day=`` lists one day's instead."""
    day = inputs.day(request.args.get("day"))
    first = day.replace(day=1) if day else month_arg()
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start, end = queries.london_days(first - timedelta(days=7), last + timedelta(days=7))
    now = service.now()
    light = {"loaded": "calendar"}
    soon = {"limit": UPCOMING_MOST + 1, "loaded": False}
    if current_user.role == Role.PARTICIPANT:
        in_month = service.attended_by(current_user, start, end, **light)
        upcoming = [] if day else service.attended_by(current_user, now, **soon)
    else:
        in_month = service.authority_sessions(g.tenant, start, end, **light)
        later = now + timedelta(days=60)
        upcoming = [] if day else service.authority_sessions(g.tenant, now, later, **soon)
    month = month_grid(first, in_month)
    return render_template(
        "sessions/index.html",
        month=month,
        day=day,
        on_day=[s for s in in_month if service.london_date(s.starts_at) == day] if day else [],
        upcoming=upcoming[:UPCOMING_MOST],
        more_upcoming=len(upcoming) > UPCOMING_MOST,
    )


@bp.get("/<int:session_id>")
@roles_required(*EVERYONE)
def detail(tenant_slug: str, session_id: int):
    return detail_page(tenant_session(session_id), g.tenant.id)


def detail_page(session: Session, tenant_id: int | None):
    """A session's page, on an authority's pages (``tenant_id``) or the host's (None)."""
    places = queries.live_places(session)
    mine = next((p for p in places if p.participant_id == current_user.id), None)
    seat_form = SeatForm()
    if current_user.role == Role.PARTNER_MANAGER and session.is_group and g.get("tenant"):
        participant_choices(seat_form.participant)
    booking = session.is_group and tenant_id is not None and session.is_open
    return render_template(
        "sessions/detail.html",
        session=session,
        places=places,
        mine=mine,
        taken=service.seat_counts([session.id]).get(session.id, 0),
        form=ActionForm(),
        seat_form=seat_form,
        can_change=service.can_change(current_user, session) and session.is_open,
        is_host=current_user.id == session.host_id or current_user.role == Role.CENTRE_ADMIN,
        can_record=service.can_record_attendance(current_user, session),
        started=as_utc(session.starts_at) <= service.now(),
        when=service.when(session),
        attendance=list(Attendance),
        tenant_id=tenant_id,
        reflect=g.get("tenant") is not None and mine is not None and not session.is_group,
        room=service.seat_room(session, tenant_id) if booking else None,
        coming=service.coming_count(session) if booking else 0,
    )
