"""Finding people, and which authorities a person may see (their tenant scope)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import PARTNER_ROLES, Membership, Role, User
from portal.common import inputs
from portal.errors import RuleError
from portal.extensions import db
from portal.tenants.models import Tenant

INVITE = "invite"
RESET = "reset"


class LinkError(RuleError):
    """An invitation or reset link that cannot be used (expired, used or broken)."""


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def has_control_characters(value: object) -> bool:
    """True for one-line text (a name, an address) with any control character at all:
    NUL, escape, and here tab and line breaks too."""
    return inputs.has_control_characters(value, allowed=frozenset())


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


def audit_tenant(user: User) -> int | None:
    if user.role in PARTNER_ROLES:
        tenant = home_tenant(user)
        return tenant.id if tenant else None
    return None
