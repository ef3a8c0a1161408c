"""Who may use the session pages, and the session a page is about (or a 404)."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, g, request
from flask_login import current_user

from portal.accounts.models import HOST_ROLES, Role
from portal.accounts.service import active_participants
from portal.common import inputs
from portal.common.clock import as_utc
from portal.sessions import queries, service
from portal.sessions.forms import offer_participants
from portal.sessions.models import Session

PARTNERS = (Role.PARTNER_MANAGER, Role.PARTICIPANT)
EVERYONE = (*PARTNERS, *HOST_ROLES)
HOSTS = tuple(HOST_ROLES)


def tenant_session(session_id: int) -> Session:
    """The session on this authority's pages, if the person may see it, else a 404."""
    session = queries.visible_session(session_id, viewer=current_user, tenant_id=g.tenant.id)
    if session is None:
        abort(404)
    return session


def host_session(session_id: int) -> Session:
    """The session on the host pages (in the host's scope), else a 404."""
    session = queries.host_session(session_id)
    if session is None:
        abort(404)
    return session


def participant_choices(field) -> None:
    """A manager picks any participant of the authority; a participant is themselves."""
    people = [] if current_user.role == Role.PARTICIPANT else active_participants(g.tenant.id)
    offer_participants(field, current_user, people)


# --- The query string ----------------------------------------------------------------------


def day_arg(name: str, default: date) -> date:
    return inputs.day(request.args.get(name)) or default


def month_arg() -> date:
    return inputs.month(request.args.get("month")) or service.london_date(service.now()).replace(
        day=1
    )


def start_arg() -> datetime | None:
    """The ``start`` of a chosen time: an ISO time with its offset, else None."""
    value = inputs.instant(request.args.get("start"))
    return as_utc(value) if value else None
