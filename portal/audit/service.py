"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEvent
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
        summary=summary[:300],
        actor_id=getattr(actor, "id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details=details or {},
    )
    db.session.add(event)
    return event


def search_events(
    *, action: str | None = None, tenant_id: int | None = None, actor_email: str | None = None
) -> Select:
    """The audit log, newest first, filtered; a select for pagination."""
    from portal.accounts.models import User

    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.tenant))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if tenant_id:
        query = query.where(AuditEvent.tenant_id == tenant_id)
    if actor_email:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email == actor_email.strip().lower()
        )
    return query
