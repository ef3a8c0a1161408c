"""Finding reflections: words (full-text search), themes, authority, board, and order."""

from __future__ import annotations

import re

from sqlalchemy import false, func, or_, select, text
from sqlalchemy.orm import defer, joinedload

from portal.accounts.models import User
from portal.boards.models import Reaction, Reflection, ReflectionModeration, ReflectionStatus
from portal.boards.themes import MOST_THEMES, theme_list
from portal.boards.visibility import visible_to
from portal.common.inputs import LAST_PAGE
from portal.common.paging import Window, sorted_window, window
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


def _listed() -> tuple:
    """What a list of reflections loads with each: titles, never bodies (up to 20,000
    characters), and who wrote it, where, on which board, and its moderation."""
    return (
        defer(Reflection.body),
        joinedload(Reflection.author),
        joinedload(Reflection.tenant),
        joinedload(Reflection.board),
        joinedload(Reflection.moderation),
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
    shown = statement.options(*_listed())
    page = min(max(page, 1), LAST_PAGE)
    ids = statement.with_only_columns(Reflection.id)
    if order == "helpful":
        helped = (
            select(func.count())
            .select_from(Reaction)
            .where(Reaction.reflection_id == Reflection.id)
            .scalar_subquery()
        )
        ordered = ids.order_by(_pinned().is_(None), helped.desc(), Reflection.id.desc())
        return _sorted_then_loaded(ordered, page=page)
    return _newest(statement, shown, ids, page=page, words=bool((query or "").strip()))


def _newest(statement, shown, ids, *, page: int, words: bool) -> Window:
    """Newest first, the pins ahead of page 1. The pins come from the moderation rows
    (a handful), never a probe of every post; the rest are NOT EXISTS a pin, which the
    planner estimates from those rows ("subquery IS NULL" it guessed matched 0.5% of
    posts, and sorted the whole board instead of reading its index)."""
    pinned_rows = select(ReflectionModeration.reflection_id).where(
        ReflectionModeration.pinned_at.is_not(None)
    )
    pinned = shown.where(Reflection.id.in_(pinned_rows)).order_by(_pinned().desc())
    ahead = list(db.session.scalars(pinned.limit(PAGE_SIZE)).unique()) if page == 1 else []
    is_pinned = pinned_rows.where(ReflectionModeration.reflection_id == Reflection.id).exists()
    if words:  # thousands may match: sort them (and count them), then load a page
        found = _sorted_then_loaded(ids.where(~is_pinned).order_by(*NEWEST), page=page)
        found.total += len(ahead) if page == 1 else _count(ids.where(is_pinned))
    else:  # off the board's index, in order; the count (of ``statement``) has the pins
        rest = shown.where(~is_pinned).order_by(*NEWEST)
        found = window(rest, page=page, per_page=PAGE_SIZE, counting=statement)
    found.items = [*ahead, *found.items]
    return found


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def _sorted_then_loaded(ordered_ids, *, page: int) -> Window:
    """A page of a sort over many rows: the sort on ids alone, counting them as it goes,
    then the page's 20 rows with their author, authority, board and moderation (joined
    to the 20, not to all that matched: "strategy" matches 4,300 reflections at x100)."""
    found = sorted_window(ordered_ids, page=page, per_page=PAGE_SIZE)
    if not found.items:
        return found
    # By id alone: the filters (the words' function among them) were applied in the sort,
    # and the tenant scope applies to this read as to every other.
    page_rows = select(Reflection).where(Reflection.id.in_(found.items)).options(*_listed())
    loaded = {r.id: r for r in db.session.scalars(page_rows)}
    found.items = [loaded[i] for i in found.items if i in loaded]
    return found
