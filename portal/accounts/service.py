"""The rules for people: invitations, sign-in, passwords, roles and deactivation.

Routes, CLI commands and jobs all call these. Each function adds its changes and
audit events to the session; the caller commits once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, delete, func, select

from portal import tenancy
from portal.accounts.models import HOST_ROLES, PARTNER_ROLES, Membership, Role, User, new_stamp
from portal.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.mail.service import queue_mail
from portal.tenants.models import Tenant

INVITE = "invite"
RESET = "reset"


class LinkError(RuleError):
    """An invitation or reset link that cannot be used (expired, used or broken)."""


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def has_control_characters(value: object) -> bool:
    """True for text with control characters (NUL, escape, tab, line breaks …)."""
    return isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value)


def find_user_by_email(email: str) -> User | None:
    """The account with this address. Text no address can hold (NUL, control
    characters, over-long) finds nobody, without asking the database."""
    email = normalise_email(email)
    if has_control_characters(email) or len(email) > 254:
        return None
    return db.session.scalar(select(User).where(User.email == email))


# --- Tenant scope -----------------------------------------------------------------------


def tenant_ids_for(user: User) -> list[int]:
    """The authorities ``user`` may see: their own, the ones they work with, or (admins) all."""
    if user.role == Role.CENTRE_ADMIN:
        return tenancy.all_tenant_ids()
    # Reading someone's memberships is how their scope is found, so it is read across
    # every tenant (the ids only).
    return tenancy.values_across(select(Membership.tenant_id).where(Membership.user_id == user.id))


@contextmanager
def acting_for(user: User | None) -> Iterator[None]:
    """Work done for someone who is not signed in yet (sign-in, links) runs in their
    own scope; it is flushed before the scope ends so both locks check it."""
    with tenancy.scoped(tenant_ids_for(user) if user is not None else ()):
        yield
        db.session.flush()


def tenants_for(user: User) -> list[Tenant]:
    ids = tenant_ids_for(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name)))


def home_tenant(user: User) -> Tenant | None:
    """A partner user's own authority."""
    if user.role not in PARTNER_ROLES:
        return None
    tenants = tenants_for(user)
    return tenants[0] if tenants else None


# --- Links ------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def make_link_token(user: User, purpose: str) -> str:
    """A signed token for ``user`` that stops working once their stamp rotates."""
    return _serializer(purpose).dumps({"u": user.id, "s": user.session_stamp})


def read_link_token(token: str, purpose: str, max_age: timedelta) -> User:
    """The user a valid, unexpired, unused link is for, or :class:`LinkError`."""
    what = "invitation" if purpose == INVITE else "password reset link"
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise LinkError(f"This {what} has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise LinkError(f"This {what} is not valid. Check you copied the whole link.") from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise LinkError(f"This {what} is not valid. Check you copied the whole link.")
    if data.get("s") != user.session_stamp:
        raise LinkError(f"This {what} has already been used. Ask for a new one if you need it.")
    return user


def _link(endpoint: str, token: str) -> str:
    """An absolute link for an email. Built from the URL map, not ``url_for``, so the
    CLI and jobs (no request) make the same links as pages do."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("portal.invalid").build(endpoint, {"token": token})


# --- Invitations ------------------------------------------------------------------------


@dataclass
class Invitation:
    user: User
    link: str


def can_invite(inviter: User, role: Role, tenant: Tenant | None) -> bool:
    """Admins invite host staff and partner managers; managers invite their own participants."""
    if inviter.role == Role.CENTRE_ADMIN:
        return role in HOST_ROLES or role == Role.PARTNER_MANAGER
    if inviter.role == Role.PARTNER_MANAGER:
        return (
            role == Role.PARTICIPANT
            and tenant is not None
            and (tenant.id in tenant_ids_for(inviter))
        )
    return False


def invite_user(
    *,
    inviter: User,
    email: str,
    name: str,
    role: Role,
    tenant: Tenant | None = None,
    works_with: Iterable[Tenant] = (),
    host_service_id: int | None = None,
) -> Invitation:
    """Create an account without a password and email a single-use link to set one."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise RuleError("Enter the person's full name", "name")
    if len(name) > 120:
        raise RuleError("Full name must be 120 characters or fewer", "name")
    if has_control_characters(name):
        raise RuleError("Full name must only include letters, spaces and punctuation", "name")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise RuleError(EMAIL_FORMAT, "email") from None
    if len(email) > 254:
        raise RuleError("Email address must be 254 characters or fewer", "email")
    if not can_invite(inviter, role, tenant):
        raise RuleError("You cannot invite someone with that role", "role")
    if role in PARTNER_ROLES and tenant is None:
        raise RuleError("Select the partner authority they belong to", "tenant")
    if find_user_by_email(email) is not None:
        raise RuleError("Someone with this email address already has an account", "email")
    user = User(email=email, name=name, role=role, invited_at=utcnow())
    if role in HOST_ROLES:
        user.host_service_id = host_service_id
    db.session.add(user)
    db.session.flush()
    if role in PARTNER_ROLES:
        tenant_ids = [tenant.id]
    elif role == Role.CENTRE_ADMIN:
        tenant_ids = []  # admins see every authority; assignments are for host staff
    else:
        tenant_ids = sorted({t.id for t in works_with})
    for tenant_id in tenant_ids:
        db.session.add(Membership(user_id=user.id, tenant_id=tenant_id))
    audit_tenant = tenant.id if role in PARTNER_ROLES else None
    record(
        "user.invited",
        obj=user,
        tenant_id=audit_tenant,
        actor=inviter,
        summary=f"Invited {email} as {role.label}",
        details={"role": role.value, "tenants": tenant_ids},
    )
    link = _link("auth.accept_invitation", make_link_token(user, INVITE))
    where = tenant.name if tenant is not None else "the Centre for Social Work"
    queue_mail(
        to=email,
        subject=f"You're invited to the partnership portal ({where})",
        body=(
            f"Hello {name},\n\n{inviter.name} has invited you to the Centre for Social Work's "
            f"partnership portal as {role.label.lower()} ({where}).\n\n"
            f"Set your password to start: {link}\n\n"
            f"This link works once and expires in "
            f"{current_app.config['INVITATION_MAX_AGE'].days} days.\n"
        ),
        kind="invitation",
        tenant_id=audit_tenant,
    )
    return Invitation(user=user, link=link)


def accept_invitation(token: str, password: str) -> User:
    """Set the first password from an invitation link; the link then stops working."""
    user = read_link_token(token, INVITE, current_app.config["INVITATION_MAX_AGE"])
    if user.has_password:
        raise LinkError("This invitation has already been used. Sign in instead.")
    with acting_for(user):
        _set_password(user, password)
        record("user.invitation_accepted", obj=user, actor=user, tenant_id=_audit_tenant(user))
    return user


# --- Sign-in and passwords --------------------------------------------------------------


def _audit_tenant(user: User) -> int | None:
    if user.role in PARTNER_ROLES:
        tenant = home_tenant(user)
        return tenant.id if tenant else None
    return None


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, if they are right and the account is active.

    Records the attempt either way, and upgrades the hash when the parameters changed.
    """
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    with acting_for(user):
        if not ok or user is None or not user.active:
            record(
                "auth.sign_in_failed",
                actor=user,
                tenant_id=_audit_tenant(user) if user else None,
                summary=f"Failed sign-in for {normalise_email(email)[:200]}",
                details={"email": normalise_email(email)[:254]},
            )
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_sign_in_at = utcnow()
        record("auth.signed_in", obj=user, actor=user, tenant_id=_audit_tenant(user))
    return user


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, user_inputs=(user.email, user.name))
    if problems:
        raise RuleError(problems[0], "password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_stamp = new_stamp()  # every other session (and link) stops working


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current):
        raise RuleError("Your current password is not right", "current_password")
    _set_password(user, new)
    record("user.password_changed", obj=user, actor=user, tenant_id=_audit_tenant(user))


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists and is active; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.has_password:
        return
    with acting_for(user):
        _queue_reset(user)


def _queue_reset(user: User) -> None:
    tenant_id = _audit_tenant(user)
    link = _link("auth.reset_password", make_link_token(user, RESET))
    queue_mail(
        to=user.email,
        subject="Reset your partnership portal password",
        body=(
            f"Hello {user.name},\n\nSomeone asked to reset your password. If it was you, "
            f"use this link within an hour: {link}\n\n"
            "If it was not you, you can ignore this email; your password has not changed.\n"
        ),
        kind="password_reset",
        tenant_id=tenant_id,
    )
    record("user.password_reset_requested", obj=user, actor=user, tenant_id=tenant_id)


def reset_password(token: str, password: str) -> User:
    user = read_link_token(token, RESET, current_app.config["PASSWORD_RESET_MAX_AGE"])
    with acting_for(user):
        _set_password(user, password)
        record("user.password_reset", obj=user, actor=user, tenant_id=_audit_tenant(user))
    return user


# --- Administration ---------------------------------------------------------------------


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.id == by.id:
        raise RuleError("You cannot deactivate your own account")
    if user.active == active:
        return
    user.active = active
    user.session_stamp = new_stamp()
    record(
        "user.reactivated" if active else "user.deactivated",
        obj=user,
        actor=by,
        tenant_id=_audit_tenant(user),
        summary=f"{'Reactivated' if active else 'Deactivated'} {user.email}",
    )


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
    before = user.role
    user.role = role
    user.session_stamp = new_stamp()  # new role, new sign-in
    record(
        "user.role_changed",
        obj=user,
        actor=by,
        tenant_id=_audit_tenant(user),
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


def tenant_people(tenant: Tenant) -> list[User]:
    """Partner staff of ``tenant`` (managers first), one query."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == tenant.id, User.role.in_(list(PARTNER_ROLES)))
            .order_by(User.role.desc(), User.name)
        )
    )


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


def people_query(role: str | None = None):
    """Everyone by name, optionally one role (an unknown role: everyone): for pagination."""
    query = select(User).order_by(User.name)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    return query
