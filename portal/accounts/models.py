"""People, their roles, and which partner authorities they belong to or work with."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db
from portal.tenancy import TenantOwned


class Role(enum.StrEnum):
    PARTNER_MANAGER = "partner_manager"
    PARTICIPANT = "participant"
    HOST_PRACTITIONER = "host_practitioner"
    SERVICE_LEAD = "service_lead"
    FACILITATOR = "facilitator"
    CENTRE_ADMIN = "centre_admin"
    # Someone from any council applying to the practice leader programme, who signed
    # in with an emailed link: no authority, no host work, only their own applications.
    APPLICANT = "applicant"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_host(self) -> bool:
        return self in HOST_ROLES


ROLE_LABELS = {
    Role.PARTNER_MANAGER: "Partner manager",
    Role.PARTICIPANT: "Participant",
    Role.HOST_PRACTITIONER: "Host practitioner",
    Role.SERVICE_LEAD: "Host service lead",
    Role.FACILITATOR: "Facilitator or coach",
    Role.CENTRE_ADMIN: "Centre admin",
    Role.APPLICANT: "Programme applicant",
}
PARTNER_ROLES = frozenset({Role.PARTNER_MANAGER, Role.PARTICIPANT})
PROGRAMME_ROLES = frozenset({Role.APPLICANT})
HOST_ROLES = frozenset(Role) - PARTNER_ROLES - PROGRAMME_ROLES

_role_type = Enum(Role, native_enum=False, length=30)


def new_stamp() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person who can sign in. Identity only: what they may see follows from ``role``
    and their memberships (one authority for partner staff, assigned ones for host staff).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_role_type)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Rotated when the password changes or the account is deactivated: every
    # session carries the stamp it signed in with, so old sessions stop working,
    # and single-use links (invitation, reset) are bound to it.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    active: Mapped[bool] = mapped_column(default=True)
    host_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("host_services.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    # The last time the account was deactivated: what was issued before (a calendar
    # feed) stays revoked when the person is reactivated.
    deactivated_at: Mapped[datetime | None]

    host_service = relationship("HostService", foreign_keys=[host_service_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def is_host(self) -> bool:
        return self.role in HOST_ROLES

    def get_id(self) -> str:
        return f"{self.id}:{self.session_stamp}"

    def __str__(self) -> str:
        return self.name


class Membership(TenantOwned, db.Model):
    """A person's place in one partner authority: their own (partner staff) or one
    they work with (host staff, role ``host``)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id", name="one_per_tenant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    tenant = relationship("Tenant")


class SignInSession(db.Model):
    """One signed-in browser. The cookie holds a secret whose hash is ``token_hash``;
    every request checks the row, so ending it here ends the session everywhere,
    whoever holds a copy of the cookie."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last request the person made: background polls do not count.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(30))
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class KeptForm(db.Model):
    """What someone had typed into a form when the idle timeout signed them out: kept
    against their account and the page the form was on, put back into that form the
    first time they open the page after signing in again, and deleted then (or after
    ``portal.accounts.kept_forms.KEEP_FOR``). Identity data, like the sessions: no
    row-level security; only its owner's sign-in ever reads it."""

    __tablename__ = "kept_forms"
    __table_args__ = (UniqueConstraint("user_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(500))
    fields: Mapped[list] = mapped_column(db.JSON)  # [[name, value], ...] in the form's order
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
