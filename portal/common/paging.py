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
from math import ceil

from sqlalchemy import func, select

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
