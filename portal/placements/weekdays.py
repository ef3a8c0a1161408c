"""The days of the week a placement uses, held as bits (Monday = bit 0 … Friday = bit 4).

A part-time placement holds a place in its service only on its own days, so two
people there on Mondays and Tuesdays leave Wednesday to Friday free for others.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from portal.common.text import joined
from portal.errors import RuleError

NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
EVERY_WEEKDAY = 0b11111


def mask(days: Iterable[int | str] | None) -> int:
    """The bits for ``days`` (0 = Monday … 4 = Friday, as numbers or their digits);
    a RuleError naming the field for none, or for anything that is not a weekday."""
    chosen = set()
    for day in days or ():
        text = str(day).strip()
        if not text.isdigit() or not 0 <= int(text) <= 4:
            raise RuleError("Select days from Monday to Friday", "weekdays")
        chosen.add(int(text))
    if not chosen:
        raise RuleError("Select the days of the week they will be there", "weekdays")
    return sum(1 << day for day in chosen)


def days_of(bits: int) -> list[int]:
    return [day for day in range(5) if bits & (1 << day)]


def uses(bits: int, day: date) -> bool:
    """Whether a placement on ``bits`` is in the service on ``day``."""
    return day.weekday() < 5 and bool(bits & (1 << day.weekday()))


def in_words(bits: int) -> str:
    """ "Monday to Friday", or "Mondays and Tuesdays"."""
    if bits == EVERY_WEEKDAY:
        return "Monday to Friday"
    return joined([f"{NAMES[day]}s" for day in days_of(bits)])
