"""One page of a list whose size does not cost the page: no full count per view.

``db.paginate`` counts every row the filter matches on every view, which at 100,000
reflections or audit events is a second scan as slow as the page itself. A
:class:`Window` fetches one row more than it shows (so it knows whether there is a
next page) and counts only up to a cap: two statements, whatever the list holds
(short lists could skip the count, but then a page's statements would grow with the
data, which the bench flags). A list that has to sort every row it matches anyway
gets its exact count with the page (:func:`sorted_window`): one statement.

It answers what the ``pagination`` macro (templates/macros/ui.html) and the lists ask
of a Flask-SQLAlchemy ``Pagination``: ``items``, ``page``, ``has_prev``/``has_next``,
``prev_num``/``next_num``, ``total`` and ``pages``, plus ``more`` when the total is
past the cap (shown as "more than 1,000").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil

from sqlalchemy import func, select, tuple_

from portal.common.clock import as_utc
from portal.common.inputs import LAST_PAGE
from portal.extensions import db

COUNT_CAP = 1000


@dataclass
class Window:
    items: list
    page: int
    per_page: int
    total: int  # exact, or COUNT_CAP when ``more``
    more: bool = False  # more rows than COUNT_CAP
    has_next: bool = False

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def pages(self) -> int:
        """Pages up to the cap (the last page is only known when the total is)."""
        return max(self.page + (1 if self.has_next else 0), ceil(self.total / self.per_page))


def sorted_window(statement, *, page: int, per_page: int) -> Window:
    """A page of a statement that sorts every row it matches anyway (a word search, the
    most helpful first): the exact count comes in the same statement, ``count(*) OVER
    ()``, where a second statement would match every row again. A page past the end
    has no row to carry it, so only then is it counted apart."""
    page = min(max(page, 1), LAST_PAGE)
    total = func.count().over().label("portal_total")
    offset = (page - 1) * per_page
    rows = db.session.execute(statement.add_columns(total).limit(per_page + 1).offset(offset)).all()
    if rows:
        counted = rows[0].portal_total
    elif page == 1:
        counted = 0
    else:
        counted = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    return Window(
        [row[0] for row in rows[:per_page]],
        page,
        per_page,
        total=counted,
        has_next=len(rows) > per_page,
    )


def first_few(statement, most: int) -> tuple[int, list]:
    """How many rows ``statement`` holds and its first ``most``, in one statement: what a
    home page shows of a list ("3 requests waiting", and the soonest few)."""
    found = sorted_window(statement, page=1, per_page=most)
    return found.total, found.items


def window(statement, *, page: int, per_page: int, counting=None) -> Window:
    """Page ``page`` (1-based, clamped to 1..LAST_PAGE) of ``statement``, ordered as it is,
    and the count of ``counting`` (when not ``statement`` itself), capped."""
    page = min(max(page, 1), LAST_PAGE)
    fetched = db.session.scalars(statement.limit(per_page + 1).offset((page - 1) * per_page))
    rows = list(fetched.unique())
    has_next = len(rows) > per_page
    items = rows[:per_page]
    query = statement if counting is None else counting
    capped = query.order_by(None).limit(COUNT_CAP + 1).subquery()
    counted = db.session.scalar(select(func.count()).select_from(capped))
    return Window(
        items,
        page,
        per_page,
        total=min(counted, COUNT_CAP),
        more=counted > COUNT_CAP,
        has_next=has_next,
    )


# --- Keyset pages: lists that only grow, newest first ---------------------------------------


@dataclass
class KeysetPage:
    """A page of a newest-first list found by where the last page ended, not by counting
    rows to skip: a page deep in the audit log costs what the first does, and an event
    written while someone reads never moves a row onto the next page twice."""

    items: list
    newer: str | None  # where the page before this one (newer rows) ends, if any
    older: str | None  # where the next page (older rows) starts, if any
    total: int
    more: bool = False


def keyset_window(
    statement, *, columns, older: str | None, newer: str | None, per_page: int
) -> KeysetPage:
    """Rows of ``statement`` (ordered by ``columns``, a time and an id, both descending)
    older than the cursor ``older``, or newer than ``newer``, or the newest; a cursor that
    does not read as one is the first page."""
    at, ident = columns
    key = tuple_(at, ident)
    older_key, newer_key = _cursor(older), _cursor(newer)
    if newer_key is not None:
        ascending = statement.order_by(None).order_by(at.asc(), ident.asc())
        rows = list(db.session.scalars(ascending.where(key > newer_key).limit(per_page + 1)))
        has_newer, has_older = len(rows) > per_page, True
        rows = rows[:per_page][::-1]
    else:
        if older_key is not None:
            statement = statement.where(key < older_key)
        rows = list(db.session.scalars(statement.limit(per_page + 1)))
        has_newer, has_older = older_key is not None, len(rows) > per_page
        rows = rows[:per_page]
    capped = statement.order_by(None).limit(COUNT_CAP + 1)
    counted = db.session.scalar(select(func.count()).select_from(capped.subquery()))
    return KeysetPage(
        rows,
        newer=_encode(rows[0], at, ident) if has_newer and rows else None,
        older=_encode(rows[-1], at, ident) if has_older and rows else None,
        total=min(counted, COUNT_CAP),
        more=counted > COUNT_CAP,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode(row, at, ident) -> str:
    moment = as_utc(getattr(row, at.key))
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}-{getattr(row, ident.key)}"


def _cursor(value: str | None) -> tuple | None:
    micro, _, ident = (value or "").partition("-")
    if not (micro.isdigit() and ident.isdigit() and len(micro) <= 18 and len(ident) <= 18):
        return None
    try:
        return (_EPOCH + timedelta(microseconds=int(micro)), int(ident))
    except OverflowError:  # past the year 9999: no row is there
        return None
