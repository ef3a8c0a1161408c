"""Who is who on the boards: the roles that write and moderate, and the authorities each
person reaches.

A person's memberships are their authority's rows, so reading other people's reach is
a read across authorities: plain ids through :func:`tenancy.read_across`, never ORM
objects, in one query for everyone asked about.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Membership, Role, User

WRITERS = (Role.PARTICIPANT, Role.PARTNER_MANAGER)
MODERATORS = (Role.FACILITATOR, Role.CENTRE_ADMIN)


def is_moderator(user: User) -> bool:
    return user.role in MODERATORS


def reach_of(users: Iterable[User]) -> dict[int, list[int]]:
    """Each person's authorities, as ``accounts.service.tenant_ids_for`` has them (their
    own, the ones they work with, every one for centre admins), for many people at once."""
    users = list(users)
    reach: dict[int, list[int]] = {user.id: [] for user in users}
    members = [user.id for user in users if user.role != Role.CENTRE_ADMIN]
    if members:
        rows = tenancy.read_across(
            select(Membership.user_id, Membership.tenant_id)
            .where(Membership.user_id.in_(members))
            .order_by(Membership.user_id, Membership.tenant_id)
        )
        for user_id, tenant_id in rows:
            reach[user_id].append(tenant_id)
    admins = [user.id for user in users if user.role == Role.CENTRE_ADMIN]
    if admins:
        everyone = tenancy.all_tenant_ids()
        reach.update({user_id: list(everyone) for user_id in admins})
    return reach


def reach(user: User) -> list[int]:
    return reach_of([user])[user.id]


def home_of(user: User, tenant_ids: list[int]) -> int | None:
    """Where a person reads a reflection: host staff on the host's pages (None), partner
    staff on their own authority's."""
    return None if user.is_host else (tenant_ids[0] if tenant_ids else None)
