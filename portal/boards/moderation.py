"""Moderation: facilitators approve, hide, restore and pin reflections, hide comments and
deal with flags.

Every decision but one is the host's own row (``ReflectionModeration``,
``CommentModeration``, ``FlagResolution``), never a write to the authority's rows: a
facilitator may moderate a cohort-wide post from an authority they do not work with
(it is shared with their cohort), which their scope could not write. The exception is
approving, below. Decisions are written with upserts, so a repeated or simultaneous
decision changes nothing twice. What the author is told, and the audit event, are the
author's authority's, written in its scope.

Each decision loads what it is about by the pages' rule (``visibility``): a reflection,
or a comment or flag on one, that the moderator cannot read is not found (a 404),
whether a page or anything else calls. Only a reflection its board's readers see is
pinned (:func:`pinnable`).
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import selectinload

from portal import tenancy
from portal.accounts.models import User
from portal.audit.service import record
from portal.boards.models import (
    Comment,
    CommentModeration,
    Flag,
    FlagOutcome,
    FlagResolution,
    Reflection,
    ReflectionModeration,
    ReflectionStatus,
    Visibility,
)
from portal.boards.people import is_moderator
from portal.boards.sharing import sync_sharing
from portal.boards.telling import tell
from portal.boards.upserts import insert_new, upsert
from portal.boards.visibility import get_comment, get_flag, get_reflection, hidden, visible_to
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.extensions import db

R = ReflectionStatus
V = Visibility


def _refuse_unless_moderator(user: User, what: str = "reflections") -> None:
    if not is_moderator(user):
        raise RuleError(f"Only facilitators moderate {what}")


def _moderated(reflection_id: int, moderator: User, *, lock: bool = False) -> Reflection:
    """A reflection the moderator can see, to decide about (a 404 otherwise): the pages'
    rule (``visibility.get_reflection``), so nobody moderates what they cannot read."""
    _refuse_unless_moderator(moderator)
    return get_reflection(reflection_id, moderator, lock=lock)


def pinnable(reflection: Reflection) -> bool:
    """Shared with its board's readers: published, not hidden, and for the authority or
    the cohort (pinning puts it at the top of their board; nobody else reads it there)."""
    return (
        reflection.status == R.PUBLISHED
        and not reflection.is_hidden
        and reflection.visibility in (V.AUTHORITY, V.COHORT)
    )


def _decide(reflection: Reflection, **decision) -> None:
    """Record the host's decision on the reflection, and let the reflection see it."""
    upsert(
        ReflectionModeration.__table__, {"reflection_id": reflection.id, **decision},
        key=["reflection_id"],
    )  # fmt: skip
    known = reflection.__dict__.get("moderation")  # already loaded: it is out of date now
    if known is not None:
        db.session.expire(known)
    db.session.expire(reflection, ["moderation"])


def _recorded(action: str, reflection: Reflection, moderator: User, summary: str) -> None:
    with tenancy.writing_as(reflection.tenant_id):
        record(action, obj=reflection, actor=moderator, tenant_id=reflection.tenant_id,
               summary=summary)  # fmt: skip


def _resolve_flags(moderator: User, outcome: FlagOutcome, *where) -> None:
    """Resolve the open flags ``where`` picks, whoever raised them (read across as ids)."""
    open_flags = tenancy.values_across(select(Flag.id).where(*where, ~_resolved()))
    now = utcnow()
    insert_new(
        FlagResolution.__table__,
        [dict(flag_id=i, outcome=outcome, resolved_by_id=moderator.id, resolved_at=now)
         for i in open_flags],
        key=["flag_id"],
    )  # fmt: skip


def _resolved():
    return select(FlagResolution.flag_id).where(FlagResolution.flag_id == Flag.id).exists()


def approve(reflection_id: int, *, moderator: User) -> Reflection:
    """Share a waiting post with the cohort.

    Unlike the other decisions this changes the authority's own row: status published and
    ``shared_cohort_id`` set, which is what lets the rest of the cohort see it. A waiting
    post is not shared, so only facilitators who have its authority in their scope can
    reach it at all: the write is always within their scope, and both locks check it.
    """
    reflection = _moderated(reflection_id, moderator, lock=True)
    if reflection.status != R.PENDING:
        raise RuleError("Only reflections waiting for approval can be approved")
    if reflection.is_hidden:
        raise RuleError("This reflection is hidden: restore it before you approve it")
    reflection.status = R.PUBLISHED
    reflection.approved_by_id, reflection.approved_at = moderator.id, utcnow()
    sync_sharing(reflection)
    _recorded("reflection.approved", reflection, moderator, reflection.title)
    tell(
        {reflection.author_id},
        reflection,
        f"Your reflection “{reflection.title}” is now shared with the whole cohort.",
    )
    return reflection


def hide(reflection_id: int, *, moderator: User, reason: str) -> Reflection:
    """Hide it from everyone but its author (who is told why) and the moderators."""
    reflection = _moderated(reflection_id, moderator)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason: the author will see it", "reason")
    _decide(reflection, hidden_reason=reason[:500], hidden_by_id=moderator.id, hidden_at=utcnow())
    _resolve_flags(moderator, FlagOutcome.HIDDEN, Flag.reflection_id == reflection.id)
    text = f"A facilitator hid your reflection “{reflection.title}”. Reason: {reason[:200]}"
    tell({reflection.author_id}, reflection, text)
    _recorded("reflection.hidden", reflection, moderator, reason[:200])
    return reflection


def restore(reflection_id: int, *, moderator: User) -> Reflection:
    """Undo a hide: the reflection is back as it was (shared, or waiting for approval)."""
    reflection = _moderated(reflection_id, moderator)
    if not reflection.is_hidden:
        raise RuleError("Only hidden reflections can be restored")
    _decide(reflection, hidden_reason=None, hidden_by_id=None, hidden_at=None)
    _resolve_flags(moderator, FlagOutcome.RESTORED, Flag.reflection_id == reflection.id)
    _recorded("reflection.restored", reflection, moderator, reflection.title)
    return reflection


def toggle_pin(reflection_id: int, *, moderator: User, on: bool | None = None) -> Reflection:
    """Pin it to the top of its board, or unpin it (``on``; None: the other way round).
    Only a :func:`pinnable` reflection is pinned; any the moderator sees can be unpinned."""
    reflection = _moderated(reflection_id, moderator)
    pin = reflection.pinned_at is None if on is None else on
    if pin and not pinnable(reflection):
        raise RuleError(
            "Only shared reflections can be pinned: not a hidden one, one waiting for "
            "approval, or one for its author and their coach only"
        )
    _decide(
        reflection, pinned_at=utcnow() if pin else None, pinned_by_id=moderator.id if pin else None
    )
    return reflection


def dismiss_flag(flag_id: int, *, moderator: User) -> None:
    """Looked at, nothing to do: the flag leaves the queue. A flag on a reflection the
    moderator cannot see is not found."""
    _refuse_unless_moderator(moderator)
    flag = get_flag(flag_id, moderator)
    _resolve_flags(moderator, FlagOutcome.DISMISSED, Flag.id == flag.id)


def hide_comment(comment_id: int, *, moderator: User, reason: str) -> Comment:
    """Hide a comment on a reflection the moderator can see (its place says why); the flags
    on it are dealt with too."""
    _refuse_unless_moderator(moderator, "comments")
    comment = get_comment(comment_id, moderator)  # on a reflection they can see, or a 404
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason", "reason")
    upsert(
        CommentModeration.__table__,
        dict(comment_id=comment.id, hidden_reason=reason[:500], hidden_by_id=moderator.id,
             hidden_at=utcnow()),
        key=["comment_id"],
    )  # fmt: skip
    _resolve_flags(moderator, FlagOutcome.HIDDEN, Flag.comment_id == comment.id)
    db.session.expire(comment, ["moderation"])
    return comment


def edited_since_hidden():
    """SQL: a hidden reflection its author has changed and shared again since. The hide
    stays (only a facilitator ends it, by restoring): it waits for them to look again."""
    return and_(
        Reflection.status != R.DRAFT,
        select(ReflectionModeration.reflection_id)
        .where(
            ReflectionModeration.reflection_id == Reflection.id,
            ReflectionModeration.hidden_at < Reflection.updated_at,
        )
        .exists(),
    )


def moderation_queue(moderator: User | None = None) -> tuple[list[Reflection], list[Flag]]:
    """What waits for a facilitator in the authorities in scope: cohort-wide posts to
    approve, and hidden ones changed since they were hidden; open flags. For
    ``moderator``, only on reflections they may see (a flag on a post its author has
    since made private is not theirs to read)."""
    seen = visible_to(moderator) if moderator is not None else true()
    waiting = db.session.scalars(
        select(Reflection)
        .where(or_(and_(Reflection.status == R.PENDING, ~hidden()), edited_since_hidden()), seen)
        .options(selectinload(Reflection.author), selectinload(Reflection.tenant))
        .order_by(Reflection.published_at)
    ).all()
    flags = db.session.scalars(
        select(Flag)
        .join(Reflection, Reflection.id == Flag.reflection_id)
        .where(~_resolved(), seen)
        .options(
            selectinload(Flag.reflection).selectinload(Reflection.tenant),
            selectinload(Flag.comment).selectinload(Comment.moderation),
            selectinload(Flag.user),
        )
        .order_by(Flag.created_at)
    ).all()
    return list(waiting), list(flags)
