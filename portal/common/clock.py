"""The clock. Times are stored in UTC and shown in Europe/London.

Everything that asks "what time is it" asks :func:`utcnow` (or :func:`today`), so the
tests can freeze the clock for the whole portal, worker threads included.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# (frozen instant, real instant it was frozen at): a frozen clock still ticks, so code
# that waits for "later" still sees time pass, but every test starts at the same moment.
_frozen: tuple[datetime, datetime] | None = None


def utcnow() -> datetime:
    """Now, in UTC (timezone-aware)."""
    real = datetime.now(UTC)
    if _frozen is None:
        return real
    at, since = _frozen
    return at + (real - since)


def today() -> date:
    """Today's date in London."""
    return utcnow().astimezone(LONDON).date()


def london_date(at: datetime) -> date:
    """The London date of a UTC instant."""
    return as_utc(at).astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The moment ``day`` starts in London, in UTC (a filter's "from" day)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def set_clock(at: datetime | None) -> None:
    """Make the clock read ``at`` now (and tick on from there); None: the real clock."""
    global _frozen
    _frozen = None if at is None else (as_utc(at), datetime.now(UTC))


@contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    """Run a block with the clock set to ``at``, restoring it after."""
    previous = _frozen
    set_clock(at)
    try:
        yield
    finally:
        _restore(previous)


def _restore(previous) -> None:
    global _frozen
    _frozen = previous


def move_clock(by: timedelta) -> None:
    """Jump a set clock forward (or back) by ``by``."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("the clock is not set")
    at, since = _frozen
    _frozen = (at + by, since)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def london(value: datetime | None) -> str:
    """A UTC time as a person in England reads it, e.g. '3 March 2027, 9:05am'."""
    return _spoken(value, "%M")


def london_exact(value: datetime | None) -> str:
    """A UTC time to the second, as a person in England reads it: a closing time,
    '31 January 2027, 11:59:59pm'."""
    return _spoken(value, "%M:%S")


def _spoken(value: datetime | None, minutes: str) -> str:
    if value is None:
        return ""
    local = as_utc(value).astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0")
    return f"{local.day} {local:%B %Y}, {hour}:{local.strftime(minutes)}{local:%p}".replace(
        "AM", "am"
    ).replace("PM", "pm")


def london_time(value: datetime | None) -> str:
    """A UTC time as a London clock time, e.g. '09:05'."""
    return "" if value is None else f"{as_utc(value).astimezone(LONDON):%H:%M}"
