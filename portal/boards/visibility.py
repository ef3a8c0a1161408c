"""Who sees a reflection: ``visible_to`` in SQL and ``can_see`` in Python, kept side by
side so lists, search, counts, the digest and notifications agree.

- its author, always;
- "me and my coach": facilitators who work with the author's authority;
- "my authority": the authority's partner staff, once shared;
- "the whole cohort": everyone in the cohort, once shared and, if the identifier check
  found anything, approved by a facilitator;
- facilitators and centre admins also see what waits for them or what they hid.

A reflection a facilitator hid (a :class:`ReflectionModeration` decision, the host's
row) is seen by its author and the moderators only.

Between authorities the tenancy layer (ORM filter and row-level security) lets a
reflection out of its authority only while ``shared_cohort_id`` is set, which
``sharing.sync_sharing`` does for a published, cohort-wide reflection and nothing else:
a waiting post with possible identifiers never leaves its authority, in the database
too. A hidden post stays shared (hiding writes no authority's row); this rule hides it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from portal import tenancy
from portal.accounts.models import Role, User
from portal.boards.models import (
    Comment,
    Flag,
    Reflection,
    ReflectionModeration,
    ReflectionStatus,
    Visibility,
)
from portal.boards.people import WRITERS, is_moderator
from portal.errors import NotFound
from portal.extensions import db
from portal.tenants.models import Tenant

R = ReflectionStatus
V = Visibility


def hidden():
    """SQL: a facilitator has hidden the reflection."""
    return (
        select(ReflectionModeration.reflection_id)
        .where(
            ReflectionModeration.reflection_id == Reflection.id,
            ReflectionModeration.hidden_at.is_not(None),
        )
        .exists()
    )


def visible_to(user: User):
    """SQL: the reflections ``user`` may see (within the tenant scope already applied)."""
    own_tenants = sorted(tenancy.current_scope() or ())
    published = Reflection.status == R.PUBLISHED
    shown = and_(published, ~hidden())
    rule = or_(Reflection.author_id == user.id, and_(shown, Reflection.visibility == V.COHORT))
    if user.role in WRITERS:
        rule = or_(
            rule,
            and_(
                shown, Reflection.visibility == V.AUTHORITY, Reflection.tenant_id.in_(own_tenants)
            ),
        )
    if user.role == Role.FACILITATOR:  # their authorities' and coachees' posts, hidden too
        rule = or_(rule, and_(published, Reflection.visibility.in_([V.COACH, V.AUTHORITY])))
    if is_moderator(user):  # cohort-wide posts that wait for them, or that they hid
        rule = or_(
            rule,
            and_(
                Reflection.visibility == V.COHORT, Reflection.status.in_([R.PENDING, R.PUBLISHED])
            ),
        )
    if user.role == Role.CENTRE_ADMIN:  # oversight, but not what is between coach and author
        rule = or_(rule, and_(published, Reflection.visibility == V.AUTHORITY))
    return rule


def can_see(user: User, reflection: Reflection, user_tenant_ids: Iterable[int]) -> bool:
    """The same rule as :func:`visible_to`, for one person and one reflection (the digest
    and notifications use it for people other than the one signed in)."""
    if reflection.author_id == user.id:
        return True
    tenants = set(user_tenant_ids)
    own = reflection.tenant_id in tenants
    in_reach = own or (
        reflection.shared_cohort_id is not None
        and reflection.shared_cohort_id in _cohorts_of(tenants)
    )
    if not in_reach:
        return False
    published = reflection.status == R.PUBLISHED
    shown = published and not reflection.is_hidden
    v = reflection.visibility
    if shown and v == V.COHORT:
        return True
    if user.role in WRITERS:
        return shown and v == V.AUTHORITY and own
    if user.role == Role.FACILITATOR and published and v in (V.COACH, V.AUTHORITY):
        return True
    if is_moderator(user) and v == V.COHORT and reflection.status in (R.PENDING, R.PUBLISHED):
        return True
    return user.role == Role.CENTRE_ADMIN and published and v == V.AUTHORITY


def _cohorts_of(tenant_ids: Iterable[int]) -> set[int]:
    ids = list(tenant_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Tenant.cohort_id).where(Tenant.id.in_(ids))))


def get_reflection(reflection_id: int, user: User, *, lock: bool = False) -> Reflection:
    """A reflection the user may see (locked FOR UPDATE if asked), or NotFound (a 404:
    never confirm it exists)."""
    query = (
        select(Reflection)
        .where(Reflection.id == reflection_id, visible_to(user))
        .options(
            selectinload(Reflection.author),
            selectinload(Reflection.board),
            selectinload(Reflection.moderation),
        )
    )
    reflection = db.session.scalar(query.with_for_update(of=Reflection) if lock else query)
    if reflection is None:
        raise NotFound(reflection_id)
    return reflection


def _on_a_visible_reflection(model, row_id: int, user: User):
    row = db.session.scalar(
        select(model)
        .join(Reflection, Reflection.id == model.reflection_id)
        .where(model.id == row_id, visible_to(user))
    )
    if row is None:
        raise NotFound(row_id)
    return row


def get_comment(comment_id: int, user: User) -> Comment:
    """A comment on a reflection the user may see, or NotFound."""
    return _on_a_visible_reflection(Comment, comment_id, user)


def get_flag(flag_id: int, user: User) -> Flag:
    """A flag on a reflection (or on a comment on one) the user may see, or NotFound."""
    return _on_a_visible_reflection(Flag, flag_id, user)


def own_reflection(
    reflection_id: int, user: User, *, tenant_id: int | None = None, lock: bool = False
) -> Reflection:
    """The author's own reflection (on this authority's pages, if ``tenant_id``)."""
    query = select(Reflection).where(
        Reflection.id == reflection_id, Reflection.author_id == user.id
    )
    if tenant_id is not None:
        query = query.where(Reflection.tenant_id == tenant_id)
    reflection = db.session.scalar(query.with_for_update(of=Reflection) if lock else query)
    if reflection is None:
        raise NotFound(reflection_id)
    return reflection
