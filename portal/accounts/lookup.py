"""Finding people, and which authorities a person may see (their tenant scope)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal import tenancy
from portal.accounts.models import PARTNER_ROLES, Role, User
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


def checked_email(email: str) -> str:
    """The address, normalised, or a refusal on the ``email`` field."""
    email = normalise_email(email or "")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise RuleError(EMAIL_FORMAT, "email") from None
    if len(email) > 254:
        raise RuleError("Email address must be 254 characters or fewer", "email")
    return email


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


class membership_tenant_ids(FunctionElement):  # noqa: N801 - used like func.x(...)
    """SQL: the ids of the authorities a person has memberships in, as text ("1,3"),
    read inside the statement that loads the person (see :func:`scope_ids`).

    The one read of memberships made before any scope is set, because it is how the
    scope is found. It hands back ids only. On PostgreSQL it is
    ``portal_person_tenant_ids(person)`` (migration 0010), which reads past the
    memberships' policy for that one person; elsewhere, a correlated subquery. Either
    way the ORM lock never sees memberships in the statement, so it asks for no scope.
    """

    type = String()
    inherit_cache = True


@compiles(membership_tenant_ids, "postgresql")
def _membership_ids_postgresql(element, compiler, **kw):
    return f"portal_person_tenant_ids({compiler.process(element.clauses, **kw)})"


@compiles(membership_tenant_ids)
def _membership_ids_elsewhere(element, compiler, **kw):
    memberships = db.metadata.tables["memberships"]
    (person,) = element.clauses
    ids = (
        select(func.aggregate_strings(cast(memberships.c.tenant_id, String), ","))
        .where(memberships.c.user_id == person)
        .scalar_subquery()
    )
    return compiler.process(ids, **kw)


def scope_ids(person=User):
    """SQL: the authorities a person may see, as text ("1,3"): their own, the ones they
    work with, or (centre admins) all. Loaded with the person, in one statement, at the
    start of every request (``portal.auth``); :func:`tenancy.parse_ids` reads it."""
    every_tenant = select(func.aggregate_strings(cast(Tenant.id, String), ",")).scalar_subquery()
    return case(
        (person.role == Role.CENTRE_ADMIN, func.coalesce(every_tenant, "")),
        else_=func.coalesce(membership_tenant_ids(person.id), ""),
    )


def tenant_ids_for(user: User) -> list[int]:
    """The authorities ``user`` may see, as :func:`scope_ids` has them."""
    found = db.session.scalar(select(scope_ids()).where(User.id == user.id))
    return sorted(tenancy.parse_ids(found))


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
