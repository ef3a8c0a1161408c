"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEvent
from portal.common.clock import london_midnight
from portal.extensions import db


def record(
    action: str,
    *,
    obj: Any = None,
    tenant_id: int | None = None,
    summary: str = "",
    actor: Any = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits (or rolls back) with the change."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        tenant_id=tenant_id,
        summary=_storable(summary)[:300],
        actor_id=getattr(actor, "id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details=_storable(details or {}),
    )
    db.session.add(event)
    return event


def _storable(value: Any) -> Any:
    """``value`` with NUL characters replaced: audit text often quotes what someone
    typed (a failed sign-in's email), and PostgreSQL cannot store NUL."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


_MAX_ID = 2**31 - 1  # PostgreSQL integer


def action_label(action: str) -> str:
    """An audit action in words: "placement.check_confirmed" is "Placement: check confirmed"."""
    subject, _, what = action.partition(".")
    words = what.replace("_", " ") if what else ""
    return f"{subject.replace('_', ' ').capitalize()}: {words}" if words else subject.capitalize()


def search_events(
    *,
    action: str | None = None,
    tenant_id: int | None = None,
    actor_email: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select:
    """The audit log, newest first, filtered (``since`` and ``until`` are London days,
    both included); a select for pagination."""
    users = db.metadata.tables["users"]  # audit sits below accounts: the table, not the model
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.tenant))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    # Filters come from a query string: a value no row can hold matches nothing,
    # rather than reaching the database as a NUL or an out-of-range integer.
    if action:
        query = query.where(AuditEvent.action == _storable(action))
    if tenant_id:
        in_range = 0 < tenant_id <= _MAX_ID
        query = query.where((AuditEvent.tenant_id == tenant_id) if in_range else false())
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= london_midnight(since))
    if until is not None:
        query = query.where(AuditEvent.occurred_at < london_midnight(until + timedelta(days=1)))
    if actor_email:
        query = query.join(users, AuditEvent.actor_id == users.c.id).where(
            users.c.email == _storable(actor_email.strip().lower())
        )
    return query


def event_actions() -> list[str]:
    """The kinds of action the audit log holds (for its filter), in order.

    A skip scan: each step asks the action index for the next action after the last,
    so it reads one row per kind of action, not every event (``SELECT DISTINCT`` read
    all 90,000 of them on every view of the audit page)."""
    first = select(func.min(AuditEvent.action).label("action")).cte("actions", recursive=True)
    following = (
        select(func.min(AuditEvent.action))
        .where(AuditEvent.action > first.c.action)
        .scalar_subquery()
    )
    steps = first.union_all(select(following).where(first.c.action.is_not(None)))
    return list(
        db.session.scalars(
            select(steps.c.action).where(steps.c.action.is_not(None)).order_by(steps.c.action)
        )
    )
