"""One input layer: text a person could type, ids the database can hold, dates the
calendar can reach. Anything else is refused where it comes in, with a clear page (400,
404 or 413), before a view, a form or the database meets it.

- Text: no control characters but tab and line breaks, in the query string, the form
  or the path (PostgreSQL refuses NUL in text; nobody types the others).
- Ids: whole numbers from 1 to 2³¹−1, in the path (the ``int`` converter) and the
  query string (:func:`whole_number`), so none is out of the database's range.
- Dates: years from 1900 to 2199 (:func:`day`, :func:`month` and the GOV.UK date input
  in ``portal.common.forms``), so a week or a month either side stays a date.
- Size: ``MAX_CONTENT_LENGTH`` and the form parser's limits (``portal/config.py``).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2199
ALLOWED_CONTROLS = frozenset("\t\n\r")


class IdConverter(IntegerConverter):
    """``<int:…>`` in a path: a row id, so at most 2³¹−1 (else the route does not match:
    404). Digits only, as Werkzeug's own converter."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: rules pick their converter when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)


def has_control_characters(value: object, allowed: frozenset[str] = ALLOWED_CONTROLS) -> bool:
    """True for text with a control character other than tab and line breaks (or than
    ``allowed``: none at all, for a one-line value such as a name or an address)."""
    return isinstance(value, str) and any(
        unicodedata.category(c) == "Cc" and c not in allowed for c in value
    )


def refuse_control_characters() -> None:
    values = [*(request.view_args or {}).values()]
    for source in (request.args, request.form):
        for key, items in source.lists():
            values.append(key)
            values.extend(items)
    if any(has_control_characters(v) for v in values):
        abort(400, description="The request had characters in it that nobody types.")


def word_count(text: str | None) -> int:
    """Words as GOV.UK's character count counts them while you type: runs of non-space
    characters."""
    return len((text or "").split())


def whole_number(value: str | None) -> int | None:
    """A query-string id, or None for anything that is not one ("²".isdigit() is true)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


LAST_PAGE = 10_000
MOST_SEARCHED = 100  # characters of a name search


def like_pattern(value: str | None) -> str | None:
    """A name search as a LIKE pattern (``%words%``, with ``%`` and ``_`` taken literally,
    escaped with a backslash), or None when nothing was typed."""
    words = " ".join((value or "").split())[:MOST_SEARCHED]
    if not words:
        return None
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_number(value: str | None, last: int = LAST_PAGE) -> int:
    """The page of a list asked for; anything odd (not a number, out of range) is the first."""
    number = whole_number(value)
    return number if number is not None and number <= last else 1


def in_range(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def day(value: str | None) -> date | None:
    """An ISO date (2027-03-27) within the years the portal handles, else None."""
    try:
        parsed = date.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed if in_range(parsed) else None


def month(value: str | None) -> date | None:
    """The first day of a month given as 2027-03, within the portal's years, else None."""
    try:
        parsed = datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None
    return parsed if in_range(parsed) else None


def instant(value: str | None) -> datetime | None:
    """An ISO time with its offset (2027-03-27T09:30:00+00:00), within range, else None."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if parsed.tzinfo is None or not in_range(parsed.date()):
        return None
    return parsed
