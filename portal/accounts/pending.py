"""Invitations not yet accepted: where they stand, sending them again, cancelling them.

An invitation that was lost, expired or cancelled is never a dead end: whoever manages
the person sends it again (:func:`resend_invitation`), inviting the same address again
does the same, and "Forgot your password" sends an invited person a fresh one
(:func:`reinvite_on_request`). Each new link stops every earlier one working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app

from portal.accounts.links import link_to, make_link_token
from portal.accounts.lookup import INVITE, acting_for, audit_tenant
from portal.accounts.models import User, new_stamp
from portal.accounts.people import can_manage_person
from portal.audit.service import record
from portal.common.clock import as_utc, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.mail.service import queue_mail, sent_lately
from portal.tenants.models import Tenant


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
    again: bool = False  # a fresh link to someone already invited: the old one stopped working


class AccountState(Enum):
    """Where someone's account stands, as their manager reads it: (label, tag colour)."""

    ACTIVE = ("Active", "green")
    INVITED = ("Invited", "yellow")
    EXPIRED = ("Invitation expired", "orange")
    CANCELLED = ("Invitation cancelled", "grey")
    DEACTIVATED = ("Deactivated", "grey")

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def colour(self) -> str:
        return self.value[1]


def invitation_expires_at(user: User) -> datetime | None:
    """When the link last sent to ``user`` stops working (None: never invited)."""
    if user.invited_at is None:
        return None
    return as_utc(user.invited_at) + current_app.config["INVITATION_MAX_AGE"]


def account_state(user: User) -> AccountState:
    if user.has_password:
        return AccountState.ACTIVE if user.active else AccountState.DEACTIVATED
    if not user.active:
        return AccountState.CANCELLED
    expires = invitation_expires_at(user)
    if expires is not None and expires <= utcnow():
        return AccountState.EXPIRED
    return AccountState.INVITED


def resend_invitation(person: User, *, by: User) -> Invitation:
    """Send a fresh invitation to someone who has not set a password (the first was lost,
    expired or cancelled). Every link sent before stops working; a cancelled invitation
    is open again."""
    if person.has_password:
        raise RuleError(
            f"{person.name} has already set a password. If they have forgotten it, they can "
            "use “Forgot your password” on the sign-in page."
        )
    if not can_manage_person(by, person):
        raise RuleError("You cannot invite someone with that role")
    link = _send_again(person, by, f"Sent {person.email} a new invitation", invited_by(by, person))
    return Invitation(user=person, link=link, again=True)


def cancel_invitation(person: User, *, by: User) -> None:
    """Stop an invitation working before it is accepted (sent to the wrong person, or
    they are no longer joining). It can be sent again later."""
    if person.has_password:
        raise RuleError(
            f"{person.name} has already accepted their invitation. Deactivate their account "
            "instead."
        )
    if not can_manage_person(by, person):
        raise RuleError("You cannot cancel this invitation")
    if not person.active:
        return
    person.active = False
    person.session_stamp = new_stamp()  # the link in their email stops working
    person.deactivated_at = utcnow()
    record(
        "user.invitation_cancelled",
        obj=person,
        tenant_id=audit_tenant(person),
        actor=by,
        summary=f"Cancelled the invitation to {person.email}",
    )


def reinvite_on_request(person: User) -> None:
    """Someone invited who never set a password used "Forgot your password": a fresh
    invitation, at most ``PASSWORD_RESETS_PER_HOUR`` an hour. A cancelled invitation
    stays cancelled."""
    if person.has_password or not person.active:
        return
    with acting_for(person):
        limit = current_app.config["PASSWORD_RESETS_PER_HOUR"]
        if sent_lately(person.email, "invitation", within=timedelta(hours=1)) >= limit:
            return
        _send_again(
            person,
            person,
            f"Sent {person.email} a new invitation: they asked to reset a password",
            "You asked to reset your password, but you have not set one yet. "
            "Here is a new invitation.",
        )


def _send_again(person: User, actor: User, summary: str, intro: str) -> str:
    """A fresh link for ``person`` (every earlier one stops working, a cancelled
    invitation is open again), recorded and emailed; the link."""
    person.active = True
    person.session_stamp = new_stamp()
    person.invited_at = utcnow()
    owner = audit_tenant(person)
    record("user.invitation_resent", obj=person, tenant_id=owner, actor=actor, summary=summary)
    link = link_to("auth.accept_invitation", make_link_token(person, INVITE))
    tenant = db.session.get(Tenant, owner) if owner else None
    send_invitation(person, tenant, link, owner, intro)
    return link


def invited_by(inviter: User, person: User) -> str:
    return (
        f"{inviter.name} has invited you to the Centre for Social Work's partnership portal "
        f"as {person.role.label.lower()}."
    )


def send_invitation(user: User, tenant, link: str, owner: int | None, intro: str) -> None:
    where = tenant.name if tenant is not None else "the Centre for Social Work"
    queue_mail(
        to=user.email,
        subject=f"You're invited to the partnership portal ({where})",
        body=(
            f"Hello {user.name},\n\n{intro}\n\n"
            f"Set your password to start: {link}\n\n"
            f"This link works once and expires in "
            f"{current_app.config['INVITATION_MAX_AGE'].days} days.\n"
        ),
        kind="invitation",
        tenant_id=owner,
    )
