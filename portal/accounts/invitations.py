"""Invitations: who may invite whom, and accepting one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from portal.accounts.links import link_to, make_link_token, read_link_token
from portal.accounts.lookup import (
    EMAIL_FORMAT,
    INVITE,
    LinkError,
    acting_for,
    audit_tenant,
    find_user_by_email,
    has_control_characters,
    normalise_email,
    tenant_ids_for,
)
from portal.accounts.models import HOST_ROLES, PARTNER_ROLES, Membership, Role, User
from portal.accounts.signin import set_password
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.mail.service import queue_mail
from portal.tenants.models import Tenant


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
    email, name = _check_invitee(email, name)
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
    owner = tenant.id if role in PARTNER_ROLES else None
    record(
        "user.invited",
        obj=user,
        tenant_id=owner,
        actor=inviter,
        summary=f"Invited {email} as {role.label}",
        details={"role": role.value, "tenants": tenant_ids},
    )
    link = link_to("auth.accept_invitation", make_link_token(user, INVITE))
    _send_invitation(user, inviter, tenant, link, owner)
    return Invitation(user=user, link=link)


def _check_invitee(email: str, name: str) -> tuple[str, str]:
    """The email address and name, cleaned, or a refusal naming the field."""
    email, name = normalise_email(email), name.strip()
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
    return email, name


def _send_invitation(user: User, inviter: User, tenant, link: str, owner: int | None) -> None:
    where = tenant.name if tenant is not None else "the Centre for Social Work"
    queue_mail(
        to=user.email,
        subject=f"You're invited to the partnership portal ({where})",
        body=(
            f"Hello {user.name},\n\n{inviter.name} has invited you to the Centre for Social "
            f"Work's partnership portal as {user.role.label.lower()} ({where}).\n\n"
            f"Set your password to start: {link}\n\n"
            f"This link works once and expires in "
            f"{current_app.config['INVITATION_MAX_AGE'].days} days.\n"
        ),
        kind="invitation",
        tenant_id=owner,
    )


def accept_invitation(token: str, password: str) -> User:
    """Set the first password from an invitation link; the link then stops working."""
    user = read_link_token(token, INVITE, current_app.config["INVITATION_MAX_AGE"])
    if user.has_password:
        raise LinkError("This invitation has already been used. Sign in instead.")
    with acting_for(user):
        set_password(user, password)
        record("user.invitation_accepted", obj=user, actor=user, tenant_id=audit_tenant(user))
    return user
