"""Administering people: activation, roles, assignments, and who is in an authority."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete, func, or_, select

from portal import tenancy
from portal.accounts import sign_in_sessions
from portal.accounts.lookup import audit_tenant
from portal.accounts.models import HOST_ROLES, PARTNER_ROLES, Membership, Role, User, new_stamp
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.common.inputs import like_pattern
from portal.errors import RuleError
from portal.extensions import db
from portal.tenants.models import Tenant


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.id == by.id:
        raise RuleError("You cannot deactivate your own account")
    if user.active == active:
        return
    user.active = active
    user.session_stamp = new_stamp()
    if not active:
        user.deactivated_at = utcnow()
        sign_in_sessions.end_all(user, sign_in_sessions.DEACTIVATED)
    record(
        "user.reactivated" if active else "user.deactivated",
        obj=user,
        actor=by,
        tenant_id=audit_tenant(user),
        summary=f"{'Reactivated' if active else 'Deactivated'} {user.email}",
    )


def end_sessions(user: User, *, by: User) -> int:
    """An admin signs someone out everywhere (a lost laptop, a shared computer)."""
    if by.role != Role.CENTRE_ADMIN:
        raise RuleError("Only centre admins can end someone's sessions")
    ended = sign_in_sessions.end_all(user, sign_in_sessions.ENDED_BY_ADMIN)
    record(
        "user.sessions_ended",
        obj=user,
        actor=by,
        tenant_id=audit_tenant(user),
        summary=f"Ended {ended} signed-in session{'s' if ended != 1 else ''} of {user.email}",
        details={"sessions": ended},
    )
    return ended


def change_role(user: User, role: Role, *, by: User) -> None:
    """Change a host person's role (partner staff change authority by a new invitation)."""
    if by.role != Role.CENTRE_ADMIN:
        raise RuleError("Only centre admins can change roles")
    if user.id == by.id:
        raise RuleError("You cannot change your own role", "role")
    if (user.role in PARTNER_ROLES) != (role in PARTNER_ROLES):
        raise RuleError("Host and partner roles cannot be swapped", "role")
    if user.role == role:
        return
    if role == Role.SERVICE_LEAD and user.host_service_id is None:
        raise RuleError("Choose the service they lead first, under Service", "role")
    before = user.role
    user.role = role
    user.session_stamp = new_stamp()  # new role, new sign-in
    sign_in_sessions.end_all(user, sign_in_sessions.ROLE_CHANGED)
    record(
        "user.role_changed",
        obj=user,
        actor=by,
        tenant_id=audit_tenant(user),
        summary=f"{user.email}: {before.label} → {role.label}",
        details={"from": before.value, "to": role.value},
    )


def set_assignments(user: User, tenant_ids: Iterable[int], *, by: User) -> None:
    """Which partner authorities a host person works with."""
    if user.role not in HOST_ROLES or user.role == Role.CENTRE_ADMIN:
        raise RuleError("Only host practitioners, leads and facilitators are assigned")
    wanted = set(tenant_ids)
    # Memberships belong to their authority: the ids are read across every authority,
    # and each authority's membership is added or removed in that authority's scope.
    current = set(
        tenancy.values_across(select(Membership.tenant_id).where(Membership.user_id == user.id))
    )
    for tenant_id in sorted(wanted - current):
        with tenancy.writing_as(tenant_id):
            db.session.add(Membership(user_id=user.id, tenant_id=tenant_id))
    for tenant_id in sorted(current - wanted):
        with tenancy.writing_as(tenant_id):
            db.session.execute(
                delete(Membership).where(
                    Membership.user_id == user.id, Membership.tenant_id == tenant_id
                )
            )
    record(
        "user.assignments_changed",
        obj=user,
        actor=by,
        summary=f"{user.email} works with {len(wanted)} authorities",
        details={"tenants": sorted(wanted)},
    )


def count_users_by_role() -> dict[Role, int]:
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role))
    return {role: count for role, count in rows}


def tenant_people_query(tenant: Tenant, words: str | None = None) -> Select:
    """Partner staff of ``tenant``, managers first, then by name: to page through, with
    only those whose name or address holds ``words``, if given."""
    return named(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id, User.role.in_(list(PARTNER_ROLES)))
        .order_by(User.role.desc(), User.name, User.id),
        words,
    )


def named(query: Select, words: str | None) -> Select:
    """``query`` narrowed to people whose name or email address holds ``words``."""
    pattern = like_pattern(words)
    if pattern is None:
        return query
    return query.where(
        or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
    )


def participant_counts(tenant: Tenant) -> tuple[int, int]:
    """How many participants ``tenant`` has, and how many of them have not yet accepted
    their invitation, in one statement (a home page counts; it does not list)."""
    participant = User.role == Role.PARTICIPANT
    found = db.session.execute(
        select(
            func.count(User.id).filter(participant),
            func.count(User.id).filter(participant, User.password_hash.is_(None)),
        )
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id)
    ).one()
    return tuple(found)


def active_participants_query(tenant_id: int) -> Select:
    """The active participants of an authority, as a ``select(User)`` to narrow further
    (``.where(User.id == ...)``), order, or use as a subquery (``.with_only_columns(User.id)``).

    In the current tenant scope, like every membership query: an authority outside it
    has no participants here.
    """
    return (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id, User.role == Role.PARTICIPANT, User.active)
    )


def active_participants(tenant_id: int) -> list[User]:
    """The active participants of an authority, by name."""
    return list(db.session.scalars(active_participants_query(tenant_id).order_by(User.name)))


def active_participant(tenant_id: int, user_id: int | None) -> User | None:
    """``user_id`` if they are an active participant of the authority, else None."""
    return db.session.scalar(active_participants_query(tenant_id).where(User.id == (user_id or 0)))


def tenant_person(tenant: Tenant, user_id: int) -> User | None:
    """One partner person of ``tenant``, found through the tenant filter (None if not ours)."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == tenant.id,
            User.id == user_id,
            User.role.in_(list(PARTNER_ROLES)),
        )
    )


def can_manage_person(manager: User, person: User) -> bool:
    """Admins manage anyone but themselves; partner managers their own participants."""
    if manager.id == person.id:
        return False
    if manager.role == Role.CENTRE_ADMIN:
        return True
    return manager.role == Role.PARTNER_MANAGER and person.role == Role.PARTICIPANT


def partner_staff_counts() -> dict[int, int]:
    """Partner managers and participants per authority in scope (the admin overview)."""
    return dict(
        db.session.execute(
            select(Membership.tenant_id, func.count())
            .join(User, User.id == Membership.user_id)
            .where(User.role.in_(list(PARTNER_ROLES)))
            .group_by(Membership.tenant_id)
        ).all()
    )


def people_query(role: str | None = None, words: str | None = None):
    """Everyone by name, optionally one role (an unknown role: everyone) and only those
    whose name or address holds ``words``: for pagination."""
    query = select(User).order_by(User.name, User.id)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    return named(query, words)


def colleague_names(cohort_id: int) -> list[str]:
    """The full names of everyone who works in a cohort's partnership: the partner staff
    of its authorities and the host's staff. The identifier check passes them over
    (portal/identifiers/people.py): "Leah Morgan and I went on the visit" names a
    colleague, not a child. Memberships are read across the cohort as ids only."""
    in_cohort = select(Tenant.id).where(Tenant.cohort_id == cohort_id)
    members = tenancy.values_across(
        select(Membership.user_id).where(Membership.tenant_id.in_(in_cohort))
    )
    return list(
        db.session.scalars(
            select(User.name).where(
                User.active, or_(User.id.in_(members), User.role.in_(list(HOST_ROLES)))
            )
        )
    )
