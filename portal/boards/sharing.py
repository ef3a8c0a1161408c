"""Letting a reflection, and the conversation on it, out to its cohort and back.

Comments, reactions and flags on a reflection belong to the authorities of the people
who wrote them. What happens to them when the reflection changes is each of those
authorities' part of the change, done in that authority's own scope
(:func:`tenancy.writing_as`), so both locks check every row against its own tenant.
Finding whose they are is a read across authorities of plain ids.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from portal import tenancy
from portal.boards.models import (
    Comment,
    CommentModeration,
    Flag,
    FlagResolution,
    Reaction,
    Reflection,
    ReflectionModeration,
    ReflectionStatus,
    Visibility,
)
from portal.extensions import db

CONVERSATION = (Flag, Reaction, Comment)  # in an order that deletes flags before comments


def _owners(reflection_id: int, only=None) -> dict[type, list[int]]:
    """For each kind of conversation row on the reflection (those ``only(model)`` picks,
    if given), the authorities owning one."""
    owners: dict[type, list[int]] = {}
    for model in CONVERSATION:
        query = select(model.tenant_id).where(model.reflection_id == reflection_id)
        if only is not None:
            query = query.where(only(model))
        owners[model] = tenancy.values_across(query.distinct().order_by(model.tenant_id))
    return owners


def sync_sharing(reflection: Reflection) -> None:
    """Shared with the cohort exactly when it is a published, cohort-wide reflection;
    pulled back otherwise, the conversation on it with it."""
    shared = None
    if (
        reflection.visibility == Visibility.COHORT
        and reflection.status == ReflectionStatus.PUBLISHED
    ):
        shared = reflection.board.cohort_id
    reflection.shared_cohort_id = shared
    db.session.flush()
    reflection_id = reflection.id
    changing = _owners(reflection_id, lambda m: m.shared_cohort_id.is_distinct_from(shared))
    for tenant_id in sorted({t for owners in changing.values() for t in owners}):
        with tenancy.writing_as(tenant_id):
            for model in (m for m, owners in changing.items() if tenant_id in owners):
                db.session.execute(
                    update(model)
                    .where(model.reflection_id == reflection_id, model.tenant_id == tenant_id)
                    .values(shared_cohort_id=shared)
                    .execution_options(synchronize_session=False)
                )


def forget_conversation(reflection_id: int) -> None:
    """Delete everything said about a reflection: the host's moderation decisions on it,
    then each authority's comments, reactions and flags, in that authority's scope."""
    flags = tenancy.values_across(select(Flag.id).where(Flag.reflection_id == reflection_id))
    comments = tenancy.values_across(
        select(Comment.id).where(Comment.reflection_id == reflection_id)
    )
    for table, column, ids in (
        (FlagResolution, FlagResolution.flag_id, flags),
        (CommentModeration, CommentModeration.comment_id, comments),
    ):
        if ids:
            db.session.execute(delete(table).where(column.in_(ids)))
    db.session.execute(
        delete(ReflectionModeration).where(ReflectionModeration.reflection_id == reflection_id)
    )
    for model, tenant_ids in _owners(reflection_id).items():
        for tenant_id in tenant_ids:
            with tenancy.writing_as(tenant_id):
                db.session.execute(
                    delete(model)
                    .where(model.reflection_id == reflection_id, model.tenant_id == tenant_id)
                    .execution_options(synchronize_session=False)
                )
