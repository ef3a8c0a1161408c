"""The conversation on a reflection: comments (with mentions), "This helped me", flags.

Each comment, reaction and flag belongs to its writer's authority (for host staff, the
reflection's), and is shared with the cohort exactly when the reflection is.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from portal import tenancy
from portal.accounts.models import User
from portal.accounts.people import colleague_names
from portal.boards.listing import writable
from portal.boards.mentions import mentioned_ids
from portal.boards.models import (
    Comment,
    CommentModeration,
    Flag,
    Reaction,
    Reflection,
    ReflectionStatus,
)
from portal.boards.people import reach
from portal.boards.telling import tell, tell_moderators
from portal.boards.upserts import insert_new
from portal.boards.visibility import get_reflection
from portal.common.clock import utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.identifiers import find_identifiers


def owner_tenant(actor: User, reflection: Reflection) -> int:
    """The authority a comment or reaction belongs to: the writer's own, or for host
    staff the reflection's (which must be one they work with)."""
    scope = tenancy.current_scope() or frozenset()
    if actor.is_host:
        if reflection.tenant_id not in scope:
            raise RuleError("You can only join conversations in authorities you work with")
        return reflection.tenant_id
    mine = [t for t in reach(actor) if t in scope]
    if not mine:
        raise RuleError("You cannot comment here")
    return mine[0]


def _shared(reflection: Reflection, doing: str) -> None:
    if reflection.status != ReflectionStatus.PUBLISHED or reflection.is_hidden:
        raise RuleError(f"You can {doing} once the reflection is shared")


def add_comment(reflection_id: int, *, actor: User, body: str) -> Comment:
    reflection = get_reflection(reflection_id, actor)
    _shared(reflection, "comment")
    writable(reflection.board)
    body = (body or "").strip()
    if not body:
        raise RuleError("Write a comment", "body")
    if len(body) > 5000:
        raise RuleError("A comment must be 5,000 characters or fewer", "body")
    # Checked even on a private reflection: its comments go with it if it is shared later.
    found = find_identifiers(body, colleagues=colleague_names(reflection.board.cohort_id))
    if found:
        listed = "; ".join(f"“{f.text}”" for f in found[:5])
        raise RuleError(f"Remove details that could identify a child or family: {listed}", "body")
    comment = Comment(
        tenant_id=owner_tenant(actor, reflection),
        shared_cohort_id=reflection.shared_cohort_id,
        reflection_id=reflection.id,
        author_id=actor.id,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    people = ({reflection.author_id} | mentioned_ids(body)) - {actor.id}
    tell(people, reflection, f"{actor.name} commented on “{reflection.title}”.")
    return comment


def comments_on(reflection: Reflection) -> list[Comment]:
    """The comments on a reflection, oldest first, with their writers and any hiding."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.reflection_id == reflection.id)
            .options(selectinload(Comment.author), selectinload(Comment.moderation))
            .order_by(Comment.id)
        )
    )


def toggle_reaction(reflection_id: int, *, actor: User, on: bool | None = None) -> bool:
    """ "This helped me" on (``on`` True) or off (False), or the other way round (None);
    returns whether it is now on. Saying the same twice, or twice at once (a double
    click), leaves it as said: the insert adds nothing if the reaction is already there."""
    reflection = get_reflection(reflection_id, actor)
    _shared(reflection, "react")
    mine = (Reaction.reflection_id == reflection.id, Reaction.user_id == actor.id)
    if on is None:
        on = not helped_by(actor, reflection.id)
    if not on:
        db.session.execute(
            delete(Reaction).where(*mine).execution_options(synchronize_session=False)
        )
        return False
    insert_new(
        Reaction.__table__,
        dict(tenant_id=owner_tenant(actor, reflection), reflection_id=reflection.id,
             user_id=actor.id, shared_cohort_id=reflection.shared_cohort_id, created_at=utcnow()),
        key=["reflection_id", "user_id"],
    )  # fmt: skip
    return True


def flag(reflection_id: int, *, actor: User, reason: str, comment_id: int | None = None) -> Flag:
    """Ask a facilitator to look at a reflection, or at one of the comments on it."""
    reflection = get_reflection(reflection_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Say what worries you", "reason")
    if comment_id is not None:
        on_it = select(Comment.id).where(
            Comment.id == comment_id, Comment.reflection_id == reflection.id
        )
        if db.session.scalar(on_it) is None:
            raise NotFound(comment_id)
    item = Flag(
        tenant_id=owner_tenant(actor, reflection),
        shared_cohort_id=reflection.shared_cohort_id,
        reflection_id=reflection.id,
        comment_id=comment_id,
        user_id=actor.id,
        reason=reason[:500],
    )
    db.session.add(item)
    db.session.flush()
    tell_moderators(reflection, f"Flagged for a facilitator: “{reflection.title}”. {reason[:200]}")
    return item


def helped_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Reaction.reflection_id, func.count())
            .where(Reaction.reflection_id.in_(ids))
            .group_by(Reaction.reflection_id)
        ).all()
    )


def helped_by(user: User, reflection_id: int) -> bool:
    found = select(Reaction.id).where(
        Reaction.reflection_id == reflection_id, Reaction.user_id == user.id
    )
    return db.session.scalar(found) is not None


def comment_counts(ids: list[int]) -> dict[int, int]:
    """Comments on each reflection, not counting those a facilitator hid."""
    if not ids:
        return {}
    hidden = select(CommentModeration.comment_id).where(CommentModeration.comment_id == Comment.id)
    return dict(
        db.session.execute(
            select(Comment.reflection_id, func.count())
            .where(Comment.reflection_id.in_(ids), ~hidden.exists())
            .group_by(Comment.reflection_id)
        ).all()
    )
