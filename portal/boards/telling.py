"""Telling people about a reflection, each on their own authority's pages.

People are not tenant-owned, but their memberships (which say where they read) are
their authorities' rows: read across as plain ids. Each notification is written in
its reader's own scope (host staff's belong to the host), and only to people who can
see the reflection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.boards.models import Reflection
from portal.boards.people import home_of, reach_of
from portal.boards.visibility import can_see
from portal.extensions import db
from portal.notifications.service import notify
from portal.tenants.models import Tenant


def reflections_page(tenant_id: int | None) -> str:
    """Where reflections are read by someone at home in ``tenant_id`` (None: the host)."""
    slug = (
        db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)) if tenant_id else None
    )
    return "/host/reflections" if slug is None else f"/{slug}/reflections"


def reflection_path(reflection: Reflection, tenant_id: int | None) -> str:
    """The reflection's page for a reader at home in ``tenant_id`` (None: the host)."""
    return f"{reflections_page(tenant_id)}/{reflection.id}"


def readers(user_ids: Iterable[int], reflection: Reflection) -> dict[int | None, list[int]]:
    """The active people among ``user_ids`` who can see the reflection, by home."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    people = db.session.scalars(select(User).where(User.id.in_(ids), User.active)).all()
    reach = reach_of(people)
    homes: dict[int | None, list[int]] = defaultdict(list)
    for person in people:
        if can_see(person, reflection, reach[person.id]):
            homes[home_of(person, reach[person.id])].append(person.id)
    return homes


def tell(user_ids: Iterable[int], reflection: Reflection, text: str) -> None:
    """Notify each of these people who can see the reflection. Everything is read from
    the reflection first: writing in another authority's scope may leave it detached."""
    homes = readers(user_ids, reflection)
    links = {home: reflection_path(reflection, home) for home in homes}
    for home, people in homes.items():
        with tenancy.writing_as(home):
            for user_id in people:
                notify(user_id=user_id, text=text, link=links[home], tenant_id=home)


def tell_moderators(reflection: Reflection, text: str) -> None:
    """Tell the facilitators who work with the reflection's authority."""
    facilitators = tenancy.values_across(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(User.role == Role.FACILITATOR, Membership.tenant_id == reflection.tenant_id)
    )
    tell(facilitators, reflection, text)
