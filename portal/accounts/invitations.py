"""Invitations: who may invite whom, and accepting one.

An invitation says nothing to one authority about another's people. An address that
already has an account the inviter cannot see (another authority's person, host staff)
gets the answer a new address gets, "Invitation sent": nothing is created or changed,
no invitation goes out, an audit event records the refusal and the person is told that
someone tried to invite them. Only an address the inviter could see anyway (their own
authority's staff; anyone, for a centre admin) is refused as a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import and_, select

from portal import tenancy
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
from portal.audit.models import AuditEvent
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.mail.models import MailMessage
from portal.mail.service import queue_mail
from portal.tenants.models import Tenant

ALREADY_HAS_ACCOUNT = "Someone with this email address already has an account"
REFUSED = "user.invitation_refused"
NOT_NEEDED = "invitation_not_needed"  # the email telling someone they were invited again


@dataclass
class Invitation:
    """What the inviter is told: an invitation went to ``user.email``.

    ``sent`` is False when the address belongs to someone the inviter may not know
    about: then nothing was saved or sent as an invitation, ``link`` is None, and
    ``user`` is an unsaved stand-in holding only the address and name the inviter typed
    (never the other person's account), so the inviter's page reads as for anyone.
    """

    user: User
    link: str | None
    sent: bool = True


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
    """Create an account without a password and email a single-use link to set one.

    An address the inviter could see already has an account is refused on the email
    field; one that belongs to someone they may not know about is answered as a new
    address is, and nothing is created, changed or sent to it as an invitation.
    """
    email, name = _check_invitee(email, name)
    if not can_invite(inviter, role, tenant):
        raise RuleError("You cannot invite someone with that role", "role")
    if role in PARTNER_ROLES and tenant is None:
        raise RuleError("Select the partner authority they belong to", "tenant")
    existing = find_user_by_email(email)
    if existing is not None:
        if email in addresses_known_to(inviter, tenant, [email]):
            raise RuleError(ALREADY_HAS_ACCOUNT, "email")
        return _refuse_quietly(inviter, existing, name=name, role=role, tenant=tenant)
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


def addresses_known_to(
    inviter: User | None, tenant: Tenant | None, emails: Iterable[str]
) -> set[str]:
    """Which of ``emails`` an inviter may be told already have an account: any account,
    for a centre admin (who sees everyone anyway); otherwise the partner staff of
    ``tenant`` (whom its managers see), and the addresses ``tenant`` was quietly refused
    before, so a second try reads as a second try for a new address does. Nothing that
    says whether anyone else has an account."""
    wanted = sorted({normalise_email(e) for e in emails})
    if not wanted:
        return set()
    if inviter is not None and inviter.role == Role.CENTRE_ADMIN:
        return set(db.session.scalars(select(User.email).where(User.email.in_(wanted))))
    if tenant is None:
        return set()
    own = (
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == tenant.id,
            User.role.in_(list(PARTNER_ROLES)),
            User.email.in_(wanted),
        )
    )
    tried = (
        select(User.email)
        .join(AuditEvent, and_(AuditEvent.object_type == "User", AuditEvent.object_id == User.id))
        .where(AuditEvent.action == REFUSED, AuditEvent.tenant_id == tenant.id)
        .where(User.email.in_(wanted))
    )
    return set(db.session.scalars(own)) | set(db.session.scalars(tried))


def _refuse_quietly(inviter: User, person: User, *, name: str, role: Role, tenant) -> Invitation:
    """An address that belongs to someone the inviter may not know about: record it, tell
    the person, change nothing, and answer as for a new address."""
    owner = tenant.id if tenant is not None else None
    record(
        REFUSED,
        obj=person,
        tenant_id=owner,
        actor=inviter,
        summary=f"Invitation to {person.email} not sent: the address has an account elsewhere",
        details={"role": role.value},
    )
    if person.active:
        _tell_already_registered(person, tenant)
    stand_in = User(email=person.email, name=name, role=role)  # never added to the session
    return Invitation(user=stand_in, link=None, sent=False)


def _tell_already_registered(person: User, tenant) -> None:
    """Tell the person (once a day at most) that someone tried to invite them. The email
    is theirs, in their own authority's scope, and names only the inviting authority."""
    home = audit_tenant(person)
    where = tenant.name if tenant is not None else "the Centre for Social Work"
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    sign_in = base + current_app.url_map.bind("portal.invalid").build("auth.sign_in")
    with tenancy.writing_as(home):
        recently = db.session.scalar(
            select(MailMessage.id)
            .where(
                MailMessage.recipient == person.email,
                MailMessage.kind == NOT_NEEDED,
                MailMessage.created_at > utcnow() - timedelta(days=1),
            )
            .limit(1)
        )
        if recently is not None:
            return
        queue_mail(
            to=person.email,
            subject="Someone tried to invite you to the partnership portal",
            body=(
                f"Hello {person.name},\n\nSomeone at {where} tried to invite you to the "
                "Centre for Social Work's partnership portal. You already have an account, "
                "so nothing has changed and no new account was made.\n\n"
                f"Sign in as usual: {sign_in}\n\n"
                f"If you now work for {where}, ask the Centre for Social Work to move your "
                "account. If you do not know why this happened, you can ignore this email.\n"
            ),
            kind=NOT_NEEDED,
            tenant_id=home,
        )


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
