"""Boards: the cohort's shared boards and each authority's internal ones."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import defer

from portal.accounts.models import User
from portal.audit.service import record
from portal.boards.models import Board, Reflection
from portal.boards.people import MODERATORS
from portal.common.clock import today
from portal.common.paging import first_few
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.tenants.models import Cohort, Tenant


def boards_for(tenant: Tenant) -> list[Board]:
    """The authority's cohort's boards and its own internal boards."""
    return list(
        db.session.scalars(
            select(Board)
            .where(
                Board.cohort_id == tenant.cohort_id,
                or_(Board.tenant_id.is_(None), Board.tenant_id == tenant.id),
            )
            .order_by(Board.tenant_id.is_not(None), Board.title)
        )
    )


def own_recent(user: User, tenant: Tenant, most: int = 3) -> tuple[int, list[Reflection]]:
    """How many reflections ``user`` has written on this authority's boards, and the
    latest few (drafts included: they are theirs), in one statement."""
    mine = (
        select(Reflection)
        .where(Reflection.author_id == user.id, Reflection.tenant_id == tenant.id)
        .options(defer(Reflection.body))
        .order_by(Reflection.updated_at.desc(), Reflection.id.desc())
    )
    return first_few(mine, most)


def board_for_reflecting(tenant: Tenant) -> Board | None:
    """Where a participant reflects on a visit by default: their cohort's first open
    board (a cohort-wide one first), or None when every board is closed."""
    open_boards = [b for b in boards_for(tenant) if not b.archived_on(today())]
    cohort_wide = [b for b in open_boards if b.is_cohort_wide]
    return (cohort_wide or open_boards or [None])[0]


def get_board(board_id: int, tenant: Tenant) -> Board:
    board = db.session.scalar(
        select(Board).where(
            Board.id == board_id,
            Board.cohort_id == tenant.cohort_id,
            or_(Board.tenant_id.is_(None), Board.tenant_id == tenant.id),
        )
    )
    if board is None:
        raise NotFound(board_id)
    return board


def cohort_authorities(tenant: Tenant) -> list[Tenant]:
    """The authorities in the tenant's cohort, by name (for filtering a board)."""
    return list(
        db.session.scalars(
            select(Tenant).where(Tenant.cohort_id == tenant.cohort_id).order_by(Tenant.name)
        )
    )


def audiences() -> list[tuple[str, str]]:
    """Who a new board can be for: a whole cohort, or one authority (internal)."""
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.year.desc()))
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name))
    return [(f"cohort:{c.id}", f"Everyone in cohort {c.year}") for c in cohorts] + [
        (f"tenant:{t.id}", f"{t.name} only (internal)") for t in tenants
    ]


def audience(value: str) -> tuple[Cohort | None, Tenant | None]:
    """The cohort and (for an internal board) the authority an audience choice names."""
    kind, _, raw = (value or "").partition(":")
    if not raw.isdigit() or kind not in ("cohort", "tenant"):
        return None, None
    if kind == "tenant":
        tenant = db.session.get(Tenant, int(raw))
        return (tenant.cohort, tenant) if tenant else (None, None)
    return db.session.get(Cohort, int(raw)), None


def create_board(
    *,
    actor: User,
    cohort: Cohort | None,
    tenant: Tenant | None,
    title: str,
    purpose: str = "",
    prompts: str = "",
) -> Board:
    if actor.role not in MODERATORS:
        raise RuleError("Only facilitators create boards")
    if cohort is None:
        raise RuleError("Select the cohort", "cohort")
    if tenant is not None and tenant.cohort_id != cohort.id:
        raise RuleError("That authority is not in this cohort", "tenant")
    title = (title or "").strip()
    if not title:
        raise RuleError("Enter a title", "title")
    if len(title) > 120:
        raise RuleError("The title must be 120 characters or fewer", "title")
    board = Board(
        cohort_id=cohort.id,
        tenant_id=tenant.id if tenant else None,
        title=title,
        purpose=(purpose or "").strip()[:2000],
        prompts=(prompts or "").strip()[:2000],
        created_by_id=actor.id,
    )
    db.session.add(board)
    db.session.flush()
    record("board.created", obj=board, actor=actor, tenant_id=board.tenant_id, summary=title)
    return board


def writable(board: Board) -> None:
    if board.archived_on(today()):
        raise RuleError("This board is archived: it can be read but not added to")
