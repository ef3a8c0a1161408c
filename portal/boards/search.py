"""Finding reflections: words (full-text search), themes, authority, board, and order."""

from __future__ import annotations

import re

from sqlalchemy import false, func, or_, select, text
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.boards.models import Reaction, Reflection, ReflectionModeration, ReflectionStatus
from portal.boards.themes import MOST_THEMES, theme_list
from portal.boards.visibility import visible_to
from portal.common.inputs import LAST_PAGE
from portal.common.paging import Window, window
from portal.errors import RuleError
from portal.extensions import db

PAGE_SIZE = 20
ORDERS = {"newest": "Newest first", "helpful": "Most helpful first"}


def _matches(query: str):
    """Full-text match: PostgreSQL's own search, or SQLite's FTS5 in embedded mode."""
    if db.engine.dialect.name == "postgresql":
        # The ids the GIN-indexed words table gives, in the tenant scope (migration 0009:
        # ``@@`` on reflections itself could not use an index under row-level security).
        matching = func.portal_matching_reflections(query).table_valued("id").render_derived()
        return Reflection.id.in_(select(matching.c.id))
    terms = re.findall(r"\w+", query)
    if not terms:
        return false()
    fts = " ".join('"' + term.replace('"', '""') + '"' for term in terms[:12])
    rows = text("SELECT rowid FROM reflections_fts WHERE reflections_fts MATCH :q").bindparams(
        q=fts
    )
    return Reflection.id.in_(rows)


def search_themes(raw: str) -> list[str]:
    """The themes to search for (every one must be on a reflection it finds)."""
    try:
        return theme_list(raw or "")
    except RuleError:
        raise RuleError(f"Search for at most {MOST_THEMES} themes", "theme") from None


def _pinned():
    return (
        select(ReflectionModeration.pinned_at)
        .where(ReflectionModeration.reflection_id == Reflection.id)
        .scalar_subquery()
    )


# The order of "newest first", which ix_reflections_board_newest (migration 0011) holds.
NEWEST = (
    func.coalesce(Reflection.published_at, Reflection.updated_at).desc(),
    Reflection.id.desc(),
)


def _found(user: User, board_ids, query, theme, tenant_id, board_id):
    """The reflections the user may see on these boards that the filters keep."""
    statement = select(Reflection).where(visible_to(user), Reflection.board_id.in_(board_ids))
    statement = statement.where(
        or_(Reflection.status != ReflectionStatus.DRAFT, Reflection.author_id == user.id)
    )
    words = (query or "").replace("\x00", "").strip()[:200]
    if words:
        statement = statement.where(_matches(words))
    for each in search_themes(theme):
        statement = statement.where(Reflection.themes.contains(f",{each},", autoescape=True))
    if tenant_id:
        statement = statement.where(Reflection.tenant_id == tenant_id)
    if board_id:
        statement = statement.where(Reflection.board_id == board_id)
    return statement


def search(
    *,
    user: User,
    board_ids: list[int],
    query: str = "",
    theme: str = "",
    tenant_id: int | None = None,
    board_id: int | None = None,
    order: str = "newest",
    page: int = 1,
) -> Window:
    """Reflections the user may see on these boards, filtered and ordered, one page.

    Pinned posts come first. "Newest first" reads them apart (a handful, on page 1) and
    the rest straight off the board's index in order, so a page reads about 21 rows
    however many the board holds; "most helpful" must count reactions, so it sorts.
    """
    if order not in ORDERS:
        raise RuleError("Select an order from the list", "order")
    statement = _found(user, board_ids, query, theme, tenant_id, board_id)
    shown = statement.options(
        joinedload(Reflection.author),
        joinedload(Reflection.tenant),
        joinedload(Reflection.board),
        joinedload(Reflection.moderation),
    )
    page = min(max(page, 1), LAST_PAGE)
    if order == "helpful":
        helped = (
            select(func.count())
            .select_from(Reaction)
            .where(Reaction.reflection_id == Reflection.id)
            .scalar_subquery()
        )
        ordered = shown.order_by(_pinned().is_(None), helped.desc(), Reflection.id.desc())
        return window(ordered, page=page, per_page=PAGE_SIZE, counting=statement)
    # From the moderation rows (a handful are pins), never a probe of every post.
    pins = select(ReflectionModeration.reflection_id).where(
        ReflectionModeration.pinned_at.is_not(None)
    )
    pinned = shown.where(Reflection.id.in_(pins)).order_by(_pinned().desc())
    ahead = list(db.session.scalars(pinned.limit(PAGE_SIZE)).unique()) if page == 1 else []
    rest = shown.where(_pinned().is_(None)).order_by(*NEWEST)
    return window(rest, page=page, per_page=PAGE_SIZE, ahead=ahead, counting=statement)
