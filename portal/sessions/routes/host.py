"""The host's pages for sessions: their week across every authority, and a session's page."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template
from flask_login import current_user

from portal.auth import roles_required
from portal.sessions import queries, service
from portal.sessions.models import Session
from portal.sessions.routes import host_bp
from portal.sessions.routes.access import HOSTS, day_arg, host_session
from portal.sessions.routes.partner import detail_page
from portal.sessions.slots import bank_holiday


@host_bp.get("/week")
@roles_required(*HOSTS)
def week():
    """The host's week across every authority they work with."""
    today = service.london_date(service.now())
    chosen = day_arg("week", today)
    monday = chosen - timedelta(days=chosen.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    sessions = service.hosted_by(current_user, *queries.london_days(days[0], days[-1]))
    by_day: dict[date, list[Session]] = {day: [] for day in days}
    for session in sessions:
        by_day.setdefault(service.london_date(session.starts_at), []).append(session)
    away = [a for a in service.exceptions_for(current_user.id, from_day=monday)
            if a.starts_on <= days[-1]]  # fmt: skip
    return render_template(
        "sessions/week.html",
        days=days,
        by_day=by_day,
        away={day: [a for a in away if a.starts_on <= day <= a.ends_on] for day in days},
        holidays={day: bank_holiday(day) for day in days},
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        today=today,
        seat_counts=service.seat_counts([s.id for s in sessions if s.is_group]),
    )


@host_bp.get("/sessions/<int:session_id>")
@roles_required(*HOSTS)
def session_detail(session_id: int):
    return detail_page(host_session(session_id), None)
