"""Finding free times: pure functions, no database, so every rule is unit-tested.

A host's working windows are London wall-clock times ("Mondays 09:00 to
17:00"), so a slot at 09:00 stays at 09:00 across both clock changes: each
candidate is built as a London time on its own date and only then turned into
UTC. Everything compared is an aware UTC datetime.

The rules a slot must meet:

- inside one of the host's windows for that weekday;
- not on a closed day (a bank holiday in England and Wales, leave, training);
- on a day the participant may have one (their active, cleared placement);
- the host's time, widened by their buffers before and after, overlaps no
  other session of theirs (also widened by buffers);
- the participant has nothing else on at that time;
- the host's caps on visits per day and per ISO week are not reached;
- it starts after ``not_before`` (e.g. now plus a day's notice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from portal.common.clock import LONDON

Interval = tuple[datetime, datetime]
STEP = timedelta(minutes=30)


@cache
def bank_holidays(year: int) -> dict[date, str]:
    """Bank holidays in England and Wales (the same days), from the ``holidays`` package."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


def bank_holiday(day: date) -> str | None:
    return bank_holidays(day.year).get(day)


@dataclass(frozen=True)
class HostRules:
    """What the host has said about when they can be booked."""

    windows: dict[int, tuple[tuple[time, time], ...]]  # weekday -> London windows
    closed: frozenset[date] = frozenset()  # leave and training days
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    max_per_day: int | None = None
    max_per_week: int | None = None


@dataclass
class Diary:
    """What already fills the host's and the participant's time."""

    host_busy: list[Interval] = field(default_factory=list)  # the host's sessions, unbuffered
    visit_days: Iterable[date] = ()  # London dates of the host's visits (for the caps)
    participant_busy: list[Interval] = field(default_factory=list)


def _exists(wall: datetime) -> bool:
    """Whether a London wall-clock time happens (not in the hour skipped in spring)."""
    there_and_back = wall.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)
    return there_and_back.replace(tzinfo=None) == wall


def local(day: date, at: time) -> datetime:
    """A London wall-clock time on ``day``, as UTC (fold=0 for the repeated hour)."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def day_closed(day: date, rules: HostRules) -> str | None:
    """Why nobody can be booked with this host on ``day``, or None."""
    holiday = bank_holiday(day)
    if holiday:
        return f"{holiday} (bank holiday)"
    if day in rules.closed:
        return "the host is away"
    if not rules.windows.get(day.weekday()):
        return "the host does not work that day"
    return None


def _week(day: date) -> tuple[int, int]:
    return day.isocalendar()[:2]


def free_slots(
    *,
    rules: HostRules,
    diary: Diary,
    first_day: date,
    last_day: date,
    length: timedelta,
    allowed_day: Callable[[date], bool] = lambda day: True,
    not_before: datetime | None = None,
    step: timedelta = STEP,
) -> list[datetime]:
    """Every start time (UTC) from ``first_day`` to ``last_day`` meeting the rules above."""
    per_day = Counter(diary.visit_days)
    per_week = Counter(_week(day) for day in per_day.elements())
    host_blocked = [
        (start - rules.buffer_before, end + rules.buffer_after) for start, end in diary.host_busy
    ]
    found = []
    day = first_day
    while day <= last_day:
        if (
            day_closed(day, rules) is None
            and allowed_day(day)
            and (rules.max_per_day is None or per_day[day] < rules.max_per_day)
            and (rules.max_per_week is None or per_week[_week(day)] < rules.max_per_week)
        ):
            found += _slots_on(day, rules, diary, host_blocked, length, not_before, step)
        day += timedelta(days=1)
    return found


def _slots_on(day, rules, diary, host_blocked, length, not_before, step) -> list[datetime]:
    found = []
    for opens, closes in rules.windows.get(day.weekday(), ()):
        # Walk the window in London wall-clock time, converting each candidate to UTC.
        wall, closing = datetime.combine(day, opens), datetime.combine(day, closes)
        while wall + length <= closing:
            start = wall.replace(tzinfo=LONDON).astimezone(UTC)
            end = (wall + length).replace(tzinfo=LONDON).astimezone(UTC)
            if not (_exists(wall) and _exists(wall + length)) or end - start != length:
                wall += step  # in the hour the clocks skip, or spanning a change
                continue
            mine = (start - rules.buffer_before, end + rules.buffer_after)
            if (
                (not_before is None or start >= not_before)
                and not any(overlaps(mine, other) for other in host_blocked)
                and not any(overlaps((start, end), other) for other in diary.participant_busy)
            ):
                found.append(start)
            wall += step
    return found


def why_not(
    start: datetime,
    length: timedelta,
    *,
    rules: HostRules,
    diary: Diary,
    allowed_day: Callable[[date], bool] | None = None,
    not_before: datetime | None = None,
) -> str | None:
    """Why a session at ``start`` breaks the rules, in words ({host} and {participant}
    are filled in by the caller), or None when it is free. Used to re-check a booking."""
    end = start + length
    wall_start, wall_end = start.astimezone(LONDON), end.astimezone(LONDON)
    day = wall_start.date()
    if not_before is not None and start < not_before:
        return "Choose a time at least a day ahead"
    holiday = bank_holiday(day)
    if holiday:
        return f"{day:%-d %B %Y} is {holiday}, a bank holiday"
    if day in rules.closed:
        return "{host} is away on " + f"{day:%-d %B %Y}"
    spans = rules.windows.get(day.weekday(), ())
    if not any(
        wall_end.date() == day and opens <= wall_start.time() and wall_end.time() <= closes
        for opens, closes in spans
    ):
        hours = ", ".join(f"{o:%H:%M} to {c:%H:%M}" for o, c in spans)
        return "That is outside {host}'s working hours" + (
            f" on {day:%A}s ({hours})" if hours else f": they do not work on {day:%A}s"
        )
    if allowed_day is not None and not allowed_day(day):
        return "{participant} has no active, cleared placement on " + f"{day:%-d %B %Y}"
    visits = Counter(diary.visit_days)
    if rules.max_per_day is not None and visits[day] >= rules.max_per_day:
        return "{host} already has " + f"{visits[day]} visits on {day:%-d %B %Y}"
    in_week = sum(n for d, n in visits.items() if _week(d) == _week(day))
    if rules.max_per_week is not None and in_week >= rules.max_per_week:
        return "{host} already has " + f"{in_week} visits that week"
    mine = (start - rules.buffer_before, end + rules.buffer_after)
    for other in diary.host_busy:
        if overlaps(mine, (other[0] - rules.buffer_before, other[1] + rules.buffer_after)):
            return "{host} is busy then (allowing travel time before and after visits)"
    if any(overlaps((start, end), other) for other in diary.participant_busy):
        return "{participant} already has a session then"
    return None
