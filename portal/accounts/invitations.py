"""Invitations: who may invite whom, and accepting one.

An invitation says nothing to one authority about another's people. An address that
already has an account the inviter cannot see (another authority's person, host staff)
gets the answer a new address gets, "Invitation sent": nothing is created or changed,
no invitation goes out, an audit event records the refusal and the person is told that
someone tried to invite them; tried again, it reads as an invitation sent again. Only an
address the inviter could see anyway (their own authority's staff; anyone, for a centre
admin) is refused as a duplicate, unless it is someone the inviter manages who has not
set a password yet: then the invitation goes again, with a fresh link.
(``pending``: invitations not yet accepted).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, select

from portal import tenancy
from portal.accounts import sign_in_sessions
from portal.accounts.links import link_to, make_link_token, read_link_token
from portal.accounts.lookup import (
    INVITE,
    LinkError,
    acting_for,
    audit_tenant,
    checked_email,
    find_user_by_email,
    has_control_characters,
    home_tenant,
    normalise_email,
    tenant_ids_for,
)
from portal.accounts.models import HOST_ROLES, PARTNER_ROLES, Membership, Role, User, new_stamp
from portal.accounts.pending import (
    Invitation,
    cancel_invitation,
    invited_by,
    resend_invitation,
    send_invitation,
)
from portal.accounts.people import can_manage_person, tenant_person
from portal.accounts.signin import set_password
from portal.audit.models import AuditEvent
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.common.routes import absolute_url_for
from portal.errors import RuleError
from portal.extensions import db
from portal.mail.service import queue_mail, sent_lately
from portal.tenants.models import Tenant

ALREADY_HAS_ACCOUNT = "Someone with this email address already has an account"
REFUSED = "user.invitation_refused"
NOT_NEEDED = "invitation_not_needed"  # the email telling someone they were invited again


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
    if role == Role.SERVICE_LEAD and host_service_id is None:
        raise RuleError("Select the service they lead", "host_service")
    existing = find_user_by_email(email)
    if existing is not None:
        if _may_invite_again(inviter, existing, role, tenant):
            return resend_invitation(existing, by=inviter)
        if _sees(inviter, tenant, existing):
            raise RuleError(ALREADY_HAS_ACCOUNT, "email")
        # Someone the inviter may not know about. Tried before, it reads as a second try
        # for a new address does: the invitation "sent again".
        again = email in addresses_known_to(inviter, tenant, [email])
        return _refuse_quietly(inviter, existing, name=name, role=role, tenant=tenant, again=again)
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
    send_invitation(user, tenant, link, owner, invited_by(inviter, user))
    return Invitation(user=user, link=link)


def _may_invite_again(inviter: User, person: User, role: Role, tenant: Tenant | None) -> bool:
    """Inviting an address again is sending its invitation again when it is someone the
    inviter manages, in the same role (and authority), who has not set a password."""
    if person.has_password or person.role != role or not can_manage_person(inviter, person):
        return False
    if inviter.role == Role.CENTRE_ADMIN:
        return True
    return tenant is not None and tenant_person(tenant, person.id) is not None


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


def _sees(inviter: User, tenant: Tenant | None, person: User) -> bool:
    """Whether the inviter sees ``person`` anyway: anyone, for a centre admin; their own
    authority's partner staff, for its manager."""
    if inviter.role == Role.CENTRE_ADMIN:
        return True
    return tenant is not None and tenant_person(tenant, person.id) is not None


def _refuse_quietly(
    inviter: User, person: User, *, name: str, role: Role, tenant, again: bool = False
) -> Invitation:
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
    return Invitation(user=stand_in, link=None, sent=False, again=again)


def _tell_already_registered(person: User, tenant) -> None:
    """Tell the person (once a day at most) that someone tried to invite them. The email
    is theirs, in their own authority's scope, and names only the inviting authority."""
    home = audit_tenant(person)
    where = tenant.name if tenant is not None else "the Centre for Social Work"
    sign_in = absolute_url_for("auth.sign_in")
    with tenancy.writing_as(home):
        if sent_lately(person.email, NOT_NEEDED, within=timedelta(days=1)):
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


def correct_details(person: User, *, name: str, email: str, by: User) -> Invitation | None:
    """Correct the name or email address of someone ``by`` manages. Returns the invitation
    sent when a new address needed one.

    A centre admin changes an address in place: links sent to the old one stop working,
    any sessions end, and both addresses are told (or, before the invitation was
    accepted, the new address gets it). A partner manager changes the address of an
    invitation only: the old one is cancelled and the new address invited, answered as
    any invitation is, so the change says no more about other accounts than inviting does.
    """
    if not can_manage_person(by, person):
        raise RuleError("You cannot change this person's details")
    email, name = _check_invitee(email, name)
    renamed = name != person.name
    person.name = name
    if email == person.email:
        if renamed:
            _record_details(person, by, f"Renamed {person.email} to {name}")
        return None
    if by.role != Role.CENTRE_ADMIN:
        if person.has_password:
            raise RuleError(
                "Only the Centre for Social Work can change the email address of someone "
                "who has already signed in",
                "email",
            )
        tenant = home_tenant(person)
        cancel_invitation(person, by=by)
        return invite_user(inviter=by, email=email, name=name, role=person.role, tenant=tenant)
    if find_user_by_email(email) is not None:
        raise RuleError(ALREADY_HAS_ACCOUNT, "email")
    old = person.email
    person.email = email
    _record_details(person, by, f"Changed the email address {old} to {email}")
    if not person.has_password:
        return resend_invitation(person, by=by)
    person.session_stamp = new_stamp()  # a reset link sent to the old address stops working
    sign_in_sessions.end_all(person, sign_in_sessions.EMAIL_CHANGED)
    _tell_address_changed(person, old)
    return None


def _record_details(person: User, by: User, summary: str) -> None:
    record(
        "user.details_changed",
        obj=person,
        actor=by,
        tenant_id=audit_tenant(person),
        summary=summary,
    )


def _tell_address_changed(person: User, old: str) -> None:
    owner = audit_tenant(person)
    sign_in = absolute_url_for("auth.sign_in")
    for to in (old, person.email):
        queue_mail(
            to=to,
            subject="Your partnership portal email address has changed",
            body=(
                f"Hello {person.name},\n\nThe Centre for Social Work changed the email address "
                f"you sign in with from {old} to {person.email}. Your password has not "
                f"changed; sign in again with the new address: {sign_in}\n\n"
                "If you did not expect this, contact the Centre for Social Work.\n"
            ),
            kind="email_changed",
            tenant_id=owner,
        )


def _check_invitee(email: str, name: str) -> tuple[str, str]:
    """The email address and name, cleaned, or a refusal naming the field."""
    name = name.strip()
    if not name:
        raise RuleError("Enter the person's full name", "name")
    if len(name) > 120:
        raise RuleError("Full name must be 120 characters or fewer", "name")
    if has_control_characters(name):
        raise RuleError("Full name must only include letters, spaces and punctuation", "name")
    return checked_email(email), name


def accept_invitation(token: str, password: str) -> User:
    """Set the first password from an invitation link; the link then stops working."""
    user = read_link_token(token, INVITE, current_app.config["INVITATION_MAX_AGE"])
    if user.has_password:
        raise LinkError("This invitation has already been used. Sign in instead.")
    with acting_for(user):
        set_password(user, password)
        record("user.invitation_accepted", obj=user, actor=user, tenant_id=audit_tenant(user))
    return user
