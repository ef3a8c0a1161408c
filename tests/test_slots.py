"""Unit tests for ``portal.sessions.slots``: finding free times for a joint visit.

The module is pure (no database, no clock), so every test uses fixed dates in
2026 and 2027 and compares exact lists of start times. Windows are London
wall-clock times; results are aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.sessions.slots import Diary, HostRules, bank_holiday, free_slots, why_not

LONDON = ZoneInfo("Europe/London")
ENGLAND = holidays.country_holidays("GB", subdiv="ENG", years=range(2026, 2029))
SCOTLAND = holidays.country_holidays("GB", subdiv="SCT", years=range(2026, 2029))

HOUR = timedelta(hours=1)

# A plain week in British Summer Time (London = UTC+1) with no bank holidays.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 6, 1) + timedelta(days=n) for n in range(7))


@pytest.fixture(autouse=True)
def db():
    """These tests need no database: replace the suite's autouse ``db`` fixture."""
    yield None


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """London wall-clock time on ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def clock(slots: list[datetime]) -> list[str]:
    """Start times as London "HH:MM"."""
    return [f"{start.astimezone(LONDON):%H:%M}" for start in slots]


def on(slots: list[datetime], day: date) -> list[str]:
    """The London "HH:MM" start times that fall on ``day``."""
    return [f"{s.astimezone(LONDON):%H:%M}" for s in slots if s.astimezone(LONDON).date() == day]


def dated(slots: list[datetime]) -> list[str]:
    """Start times as London "YYYY-MM-DD HH:MM"."""
    return [f"{start.astimezone(LONDON):%Y-%m-%d %H:%M}" for start in slots]


def window(opens: str, closes: str) -> tuple[time, time]:
    return time.fromisoformat(opens), time.fromisoformat(closes)


def weekdays(opens: str, closes: str) -> dict[int, tuple[tuple[time, time], ...]]:
    """The same window Monday to Friday."""
    return {weekday: (window(opens, closes),) for weekday in range(5)}


def find(rules: HostRules, first_day: date, last_day: date | None = None, **kwargs):
    kwargs.setdefault("diary", Diary())
    kwargs.setdefault("length", HOUR)
    return free_slots(rules=rules, first_day=first_day, last_day=last_day or first_day, **kwargs)


def candidates(rules, first_day, last_day, length, step):
    """Every start on the wall-clock grid of each window, as UTC (an oracle for tests)."""
    day, found = first_day, []
    while day <= last_day:
        for opens, closes in rules.windows.get(day.weekday(), ()):
            wall, closing = datetime.combine(day, opens), datetime.combine(day, closes)
            while wall + length <= closing:
                found.append(wall.replace(tzinfo=LONDON).astimezone(UTC))
                wall += step
        day += timedelta(days=1)
    return found


# --- The basics ------------------------------------------------------------------------


def test_monday_window_gives_every_half_hour_start_that_fits():
    rules = HostRules(windows={0: (window("09:00", "12:00"),)})

    slots = find(rules, MON, SUN)

    assert clock(slots) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    # June is British Summer Time: 09:00 in London is 08:00 UTC.
    assert slots == [utc(MON, 8), utc(MON, 8, 30), utc(MON, 9), utc(MON, 9, 30), utc(MON, 10)]
    assert all(start.utcoffset() == timedelta(0) for start in slots)


def test_step_and_length_set_the_grid():
    rules = HostRules(windows={0: (window("09:00", "12:00"),)})

    slots = find(rules, MON, length=minutes(45), step=minutes(15))

    assert clock(slots) == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15",
        "10:30", "10:45", "11:00", "11:15",
    ]  # fmt: skip


def test_a_session_filling_the_window_exactly_fits_and_a_longer_one_does_not():
    rules = HostRules(windows={0: (window("09:00", "12:00"),)})

    assert clock(find(rules, MON, length=3 * HOUR)) == ["09:00"]
    assert find(rules, MON, length=3 * HOUR + minutes(30)) == []


def test_several_windows_in_a_day():
    rules = HostRules(windows={0: (window("09:00", "10:00"), window("14:00", "15:30"))})

    assert clock(find(rules, MON)) == ["09:00", "14:00", "14:30"]


def test_days_without_a_window_have_no_slots():
    rules = HostRules(windows={1: (window("09:00", "10:00"),), 3: (window("09:00", "10:00"),)})

    assert dated(find(rules, MON, SUN)) == ["2026-06-02 09:00", "2026-06-04 09:00"]


# --- Buffers around the host's sessions ---------------------------------------------------

# Window 08:00-13:00, 60-minute visits on a 15-minute grid, host already busy 10:00-11:00.
# With buffers (before, after) a new visit needs a gap of before + after on either side:
# it must end by 10:00 - gap or start at 11:00 + gap.
BUFFER_CASES = [
    pytest.param(0, 0, [
        "08:00", "08:15", "08:30", "08:45", "09:00", "11:00", "11:15", "11:30", "11:45", "12:00",
    ], id="none"),
    pytest.param(30, 0, ["08:00", "08:15", "08:30", "11:30", "11:45", "12:00"], id="before-30"),
    pytest.param(0, 30, ["08:00", "08:15", "08:30", "11:30", "11:45", "12:00"], id="after-30"),
    pytest.param(15, 15, ["08:00", "08:15", "08:30", "11:30", "11:45", "12:00"], id="15-and-15"),
    pytest.param(30, 30, ["08:00", "12:00"], id="30-and-30"),
    pytest.param(15, 30, ["08:00", "08:15", "11:45", "12:00"], id="15-and-30"),
    pytest.param(45, 45, [], id="45-and-45"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "expected"), BUFFER_CASES)
def test_buffers_widen_the_candidate_and_the_existing_session(before, after, expected):
    rules = HostRules(
        windows={0: (window("08:00", "13:00"),)},
        buffer_before=minutes(before),
        buffer_after=minutes(after),
    )
    diary = Diary(host_busy=[(at(MON, 10), at(MON, 11))])

    assert clock(find(rules, MON, diary=diary, step=minutes(15))) == expected


def test_buffers_remove_slots_that_are_free_without_them():
    diary = Diary(host_busy=[(at(MON, 10), at(MON, 11))])
    plain = HostRules(windows={0: (window("08:00", "13:00"),)})
    buffered = HostRules(windows=plain.windows, buffer_before=minutes(30), buffer_after=minutes(30))

    without = clock(find(plain, MON, diary=diary))
    with_buffers = clock(find(buffered, MON, diary=diary))

    assert without == ["08:00", "08:30", "09:00", "11:00", "11:30", "12:00"]
    assert with_buffers == ["08:00", "12:00"]


def test_buffers_apply_to_the_host_only_not_to_the_participant():
    rules = HostRules(
        windows={0: (window("08:00", "13:00"),)},
        buffer_before=minutes(30),
        buffer_after=minutes(30),
    )
    diary = Diary(participant_busy=[(at(MON, 10), at(MON, 11))])

    slots = find(rules, MON, diary=diary)

    assert clock(slots) == ["08:00", "08:30", "09:00", "11:00", "11:30", "12:00"]


def test_host_sessions_on_other_days_do_not_block():
    rules = HostRules(windows=weekdays("09:00", "10:00"), buffer_before=HOUR, buffer_after=HOUR)
    diary = Diary(host_busy=[(at(TUE, 9), at(TUE, 10))])

    assert dated(find(rules, MON, WED, diary=diary)) == ["2026-06-01 09:00", "2026-06-03 09:00"]


# --- The participant's other sessions -----------------------------------------------------


@pytest.mark.parametrize(
    ("busy", "expected"),
    [
        # A slot ending exactly when the participant's session starts is fine.
        pytest.param((10, 30, 11, 15), ["09:00", "09:30", "11:30", "12:00"], id="overlapping"),
        # ... and so is one starting exactly when it ends.
        pytest.param((10, 30, 11, 0), ["09:00", "09:30", "11:00", "11:30", "12:00"], id="exact"),
        pytest.param((10, 10, 10, 20), ["09:00", "10:30", "11:00", "11:30", "12:00"], id="short"),
    ],
)
def test_participant_busy_blocks_overlapping_slots_but_not_adjacent_ones(busy, expected):
    rules = HostRules(windows={0: (window("09:00", "13:00"),)})
    h1, m1, h2, m2 = busy
    diary = Diary(participant_busy=[(at(MON, h1, m1), at(MON, h2, m2))])

    assert clock(find(rules, MON, diary=diary)) == expected


# --- Caps on visits per day and per ISO week ----------------------------------------------


def test_daily_cap_reached_closes_that_day_only():
    rules = HostRules(windows=weekdays("09:00", "10:00"), max_per_day=2)

    full = find(rules, MON, WED, diary=Diary(visit_days=[MON, MON]))
    one_short = find(rules, MON, WED, diary=Diary(visit_days=[MON, WED]))

    assert dated(full) == ["2026-06-02 09:00", "2026-06-03 09:00"]
    assert dated(one_short) == ["2026-06-01 09:00", "2026-06-02 09:00", "2026-06-03 09:00"]


def test_daily_cap_counts_visit_days_not_host_sessions():
    rules = HostRules(windows={0: (window("09:00", "12:00"),)}, max_per_day=1)
    diary = Diary(host_busy=[(at(MON, 11), at(MON, 12))])  # busy, but not a visit

    assert clock(find(rules, MON, diary=diary)) == ["09:00", "09:30", "10:00"]


def test_weekly_cap_reached_closes_the_rest_of_the_iso_week():
    rules = HostRules(windows=weekdays("09:00", "10:00"), max_per_week=3)
    diary = Diary(visit_days=[MON, MON, TUE])

    slots = find(rules, MON, date(2026, 6, 9), diary=diary)

    assert dated(slots) == ["2026-06-08 09:00", "2026-06-09 09:00"]


def test_weekly_cap_not_reached_leaves_the_week_open():
    rules = HostRules(windows=weekdays("09:00", "10:00"), max_per_week=3)
    # Two visits this week, and three in the week before (which must not count).
    diary = Diary(visit_days=[MON, TUE, date(2026, 5, 26), date(2026, 5, 27), date(2026, 5, 28)])

    assert len(find(rules, MON, FRI, diary=diary)) == 5


def test_weekly_cap_uses_iso_weeks_across_new_year():
    # ISO week 53 of 2026 runs from Monday 28 December 2026 to Sunday 3 January 2027.
    rules = HostRules(windows=weekdays("09:00", "10:00"), max_per_week=2)
    diary = Diary(visit_days=[date(2026, 12, 30), date(2027, 1, 2)])

    slots = find(rules, date(2026, 12, 29), date(2027, 1, 5), diary=diary)

    assert dated(slots) == ["2027-01-04 09:00", "2027-01-05 09:00"]


# --- Bank holidays (England and Wales) ----------------------------------------------------

ENGLISH_HOLIDAYS = [
    pytest.param(date(2026, 12, 25), "Christmas Day", id="christmas-2026-friday"),
    pytest.param(date(2026, 12, 28), "Boxing Day (observed)", id="boxing-day-substitute"),
    pytest.param(date(2027, 3, 29), "Easter Monday", id="easter-monday-2027"),
    pytest.param(date(2027, 8, 30), "Late Summer Bank Holiday", id="late-summer-2027"),
    pytest.param(date(2027, 12, 27), "Christmas Day (observed)", id="christmas-substitute"),
]


@pytest.mark.parametrize(("day", "name"), ENGLISH_HOLIDAYS)
def test_english_bank_holidays_have_no_slots(day, name):
    rules = HostRules(windows=weekdays("09:00", "17:00"))
    assert day.weekday() < 5

    assert bank_holiday(day) == name
    assert find(rules, day) == []
    assert why_not(at(day, 9), HOUR, rules=rules, diary=Diary()) == (
        f"{day:%-d %B %Y} is {name}, a bank holiday"
    )


def test_working_days_next_to_holidays_have_slots():
    rules = HostRules(windows=weekdays("09:00", "10:00"))

    # Christmas 2026: Friday 25 and (substitute) Monday 28 December are holidays.
    slots = find(rules, date(2026, 12, 24), date(2026, 12, 29))

    assert dated(slots) == ["2026-12-24 09:00", "2026-12-29 09:00"]
    assert bank_holiday(date(2026, 12, 29)) is None
    assert why_not(at(date(2026, 12, 29), 9), HOUR, rules=rules, diary=Diary()) is None


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2026, 1, 2), id="scottish-new-year-holiday"),
        pytest.param(date(2026, 8, 3), id="scottish-summer-bank-holiday"),
        pytest.param(date(2026, 11, 30), id="st-andrews-day"),
    ],
)
def test_scotland_only_holidays_are_working_days(day):
    rules = HostRules(windows=weekdays("09:00", "10:00"))
    assert day in SCOTLAND and day not in ENGLAND and day.weekday() < 5

    assert bank_holiday(day) is None
    assert find(rules, day) == [at(day, 9)]
    assert why_not(at(day, 9), HOUR, rules=rules, diary=Diary()) is None


def test_bank_holiday_matches_the_holidays_package_for_every_day():
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        assert bank_holiday(day) == ENGLAND.get(day), day
        day += timedelta(days=1)


# --- Leave, placements and notice ---------------------------------------------------------


def test_closed_days_have_no_slots():
    rules = HostRules(windows=weekdays("09:00", "10:00"), closed=frozenset({TUE, WED}))

    assert dated(find(rules, MON, FRI)) == [
        "2026-06-01 09:00", "2026-06-04 09:00", "2026-06-05 09:00",
    ]  # fmt: skip


def test_allowed_day_restricts_the_days():
    rules = HostRules(windows=weekdays("09:00", "10:00"))
    placement = {TUE, THU, SAT}

    slots = find(rules, MON, SUN, allowed_day=lambda day: day in placement)

    assert dated(slots) == ["2026-06-02 09:00", "2026-06-04 09:00"]


def test_not_before_drops_earlier_starts_and_keeps_the_exact_one():
    rules = HostRules(windows=weekdays("09:00", "12:00"))

    slots = find(rules, MON, TUE, not_before=at(TUE, 9, 30))

    assert dated(slots) == [
        "2026-06-02 09:30", "2026-06-02 10:00", "2026-06-02 10:30", "2026-06-02 11:00",
    ]  # fmt: skip


# --- Clock changes ------------------------------------------------------------------------

# (last working day before, first working day after, UTC hour of 09:00 London on each).
# Spring 2027 (Sunday 28 March) falls on Easter weekend: Good Friday 26 March and
# Easter Monday 29 March are bank holidays, so the nearest working days are Thursday and
# Tuesday, and the range between them must still give just two slots.
CLOCK_CHANGES = [
    pytest.param(date(2026, 3, 27), date(2026, 3, 30), 9, 8, id="spring-2026"),
    pytest.param(date(2026, 10, 23), date(2026, 10, 26), 8, 9, id="autumn-2026"),
    pytest.param(date(2027, 3, 25), date(2027, 3, 30), 9, 8, id="spring-2027-easter"),
    pytest.param(date(2027, 10, 29), date(2027, 11, 1), 8, 9, id="autumn-2027"),
]


@pytest.mark.parametrize(("before", "after", "utc_before", "utc_after"), CLOCK_CHANGES)
def test_nine_oclock_stays_nine_oclock_across_the_clock_change(
    before, after, utc_before, utc_after
):
    rules = HostRules(windows=weekdays("09:00", "10:00"))

    slots = find(rules, before, after)

    assert slots == [utc(before, utc_before), utc(after, utc_after)]
    assert [s.astimezone(LONDON).hour for s in slots] == [9, 9]
    assert [s.hour for s in slots] == [utc_before, utc_after]  # the UTC hour moves


@pytest.mark.parametrize(("before", "after", "utc_before", "utc_after"), CLOCK_CHANGES)
def test_why_not_uses_london_hours_on_both_sides_of_the_clock_change(
    before, after, utc_before, utc_after
):
    rules = HostRules(windows=weekdays("09:00", "10:00"))

    def outside(day):
        return f"That is outside {{host}}'s working hours on {day:%A}s (09:00 to 10:00)"

    for day, utc_hour in ((before, utc_before), (after, utc_after)):
        assert why_not(utc(day, utc_hour), HOUR, rules=rules, diary=Diary()) is None
        assert why_not(at(day, 8, 30), HOUR, rules=rules, diary=Diary()) == outside(day)
    # The UTC time that was 09:00 London before the change is an hour off after it.
    assert why_not(utc(after, utc_before), HOUR, rules=rules, diary=Diary()) == outside(after)


@pytest.mark.parametrize(
    ("sunday", "utc_hour"),
    [
        pytest.param(date(2026, 3, 29), 8, id="spring-2026"),
        pytest.param(date(2026, 10, 25), 9, id="autumn-2026"),
        pytest.param(date(2027, 3, 28), 8, id="spring-2027"),
        pytest.param(date(2027, 10, 31), 9, id="autumn-2027"),
    ],
)
def test_daytime_window_on_the_day_of_the_clock_change(sunday, utc_hour):
    rules = HostRules(windows={6: (window("09:00", "11:00"),)})

    slots = find(rules, sunday)

    assert clock(slots) == ["09:00", "09:30", "10:00"]
    assert slots[0] == utc(sunday, utc_hour)
    assert all(why_not(s, HOUR, rules=rules, diary=Diary()) is None for s in slots)


@pytest.mark.parametrize(
    ("sunday", "expected"),
    [
        # Clocks go forward at 01:00: 01:00-01:59 London never happens.
        pytest.param(date(2026, 3, 29), utc(date(2026, 3, 29), 1), id="spring-2026"),
        # Clocks go back at 02:00: 01:00-01:59 London happens twice.
        pytest.param(date(2026, 10, 25), utc(date(2026, 10, 24), 23), id="autumn-2026"),
    ],
)
def test_night_window_over_the_clock_change_is_consistent(sunday, expected):
    """A window over the missing or repeated hour offers each real time once, never
    running past closing, and ``why_not`` accepts every slot (regression: slots in the
    missing hour were offered with the winter offset, 01:00 UTC twice and 01:30 UTC
    running to 03:30 BST)."""
    rules = HostRules(windows={6: (window("00:00", "03:00"),)})

    slots = find(rules, sunday)

    assert expected in slots
    assert slots == sorted(set(slots))
    for start in slots:
        wall, wall_end = start.astimezone(LONDON), (start + HOUR).astimezone(LONDON)
        assert wall.date() == wall_end.date() == sunday
        assert wall_end.time() <= time(3)
        assert why_not(start, HOUR, rules=rules, diary=Diary()) is None


# --- why_not: one reason per rule ---------------------------------------------------------

NINE_TO_FIVE = HostRules(windows=weekdays("09:00", "17:00"))


def _check(start=None, *, rules=NINE_TO_FIVE, diary=None, length=HOUR, **kwargs):
    start = start or at(MON, 10)
    return why_not(start, length, rules=rules, diary=diary or Diary(), **kwargs)


def _rules(**changes) -> HostRules:
    return HostRules(**{"windows": NINE_TO_FIVE.windows, **changes})


WHY_NOT_CASES = [
    pytest.param({}, None, id="free"),
    pytest.param(
        {"start": at(MON, 8, 30)},
        "That is outside {host}'s working hours on Mondays (09:00 to 17:00)",
        id="before-opening",
    ),
    pytest.param(
        {"start": at(MON, 16, 30)},
        "That is outside {host}'s working hours on Mondays (09:00 to 17:00)",
        id="past-closing",
    ),
    pytest.param(
        {"start": at(SAT, 10)},
        "That is outside {host}'s working hours: they do not work on Saturdays",
        id="no-window-that-day",
    ),
    pytest.param(
        {"start": at(date(2026, 8, 31), 10)},
        "31 August 2026 is Late Summer Bank Holiday, a bank holiday",
        id="bank-holiday",
    ),
    pytest.param(
        {"rules": _rules(closed=frozenset({MON}))},
        "{host} is away on 1 June 2026",
        id="closed",
    ),
    pytest.param(
        {"allowed_day": lambda day: day != MON},
        "{participant} has no active, cleared placement on 1 June 2026",
        id="no-placement",
    ),
    pytest.param(
        {"rules": _rules(max_per_day=2), "diary": Diary(visit_days=[MON, MON, TUE])},
        "{host} already has 2 visits on 1 June 2026",
        id="cap-per-day",
    ),
    pytest.param(
        {"rules": _rules(max_per_week=2), "diary": Diary(visit_days=[TUE, WED])},
        "{host} already has 2 visits that week",
        id="cap-per-week",
    ),
    pytest.param(
        {
            "rules": _rules(buffer_before=minutes(30), buffer_after=minutes(30)),
            "diary": Diary(host_busy=[(at(MON, 11, 30), at(MON, 12, 30))]),
        },
        "{host} is busy then (allowing travel time before and after visits)",
        id="host-busy-within-buffers",
    ),
    pytest.param(
        {"diary": Diary(host_busy=[(at(MON, 10, 30), at(MON, 11))])},
        "{host} is busy then (allowing travel time before and after visits)",
        id="host-busy",
    ),
    pytest.param(
        {"diary": Diary(participant_busy=[(at(MON, 10, 59), at(MON, 12))])},
        "{participant} already has a session then",
        id="participant-busy",
    ),
    pytest.param(
        {"not_before": at(MON, 10, 1)},
        "Choose a time at least a day ahead",
        id="not-before",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), WHY_NOT_CASES)
def test_why_not_gives_the_reason_for_each_rule(kwargs, expected):
    assert _check(**kwargs) == expected


def test_why_not_accepts_the_edges_of_each_rule():
    buffered = _rules(buffer_before=minutes(30), buffer_after=minutes(30), max_per_day=2)
    diary = Diary(
        host_busy=[(at(MON, 12), at(MON, 13))],  # gap of exactly 60 minutes after 10:00-11:00
        participant_busy=[(at(MON, 9), at(MON, 10)), (at(MON, 11), at(MON, 12))],
        visit_days=[MON],  # one short of the daily cap
    )

    assert _check(rules=buffered, diary=diary, not_before=at(MON, 10)) is None
    assert _check(at(MON, 9)) is None  # opening time
    assert _check(at(MON, 16)) is None  # ends at closing time


def test_why_not_treats_host_buffers_as_a_gap_on_both_sides():
    rules = _rules(buffer_before=minutes(15), buffer_after=minutes(30))
    diary = Diary(host_busy=[(at(MON, 12), at(MON, 13))])

    # The gap must be 45 minutes either way: 10:15-11:15 or 13:45-14:45 are the closest.
    assert _check(at(MON, 10, 15), rules=rules, diary=diary) is None
    assert _check(at(MON, 10, 30), rules=rules, diary=diary) is not None
    assert _check(at(MON, 13, 30), rules=rules, diary=diary) is not None
    assert _check(at(MON, 13, 45), rules=rules, diary=diary) is None


# --- free_slots and why_not agree ---------------------------------------------------------


def test_free_slots_is_exactly_the_grid_times_why_not_accepts_over_several_weeks():
    """Five weeks across the autumn 2026 clock change, with every rule in play."""
    first_day, last_day = date(2026, 10, 12), date(2026, 11, 15)
    rules = HostRules(
        windows={
            **weekdays("09:00", "17:00"),
            2: (window("08:30", "12:00"), window("13:00", "16:30")),
        },
        closed=frozenset({date(2026, 10, 21), date(2026, 10, 22)}),
        buffer_before=minutes(15),
        buffer_after=minutes(30),
        max_per_day=2,
        max_per_week=4,
    )
    diary = Diary(
        host_busy=[
            (at(date(2026, 10, 13), 11), at(date(2026, 10, 13), 12, 30)),
            (at(date(2026, 10, 23), 9, 30), at(date(2026, 10, 23), 10, 30)),
            (at(date(2026, 10, 26), 14), at(date(2026, 10, 26), 15)),
            (at(date(2026, 11, 4), 8), at(date(2026, 11, 4), 9, 45)),
        ],
        # Two visits on Monday 19 October; four in the week of 2 November.
        visit_days=[date(2026, 10, 19)] * 2 + [date(2026, 11, d) for d in (2, 3, 3, 5)],
        participant_busy=[
            (at(date(2026, 10, 14), 10), at(date(2026, 10, 14), 11)),
            (at(date(2026, 10, 27), 13, 15), at(date(2026, 10, 27), 14, 45)),
        ],
    )
    placement_ends = date(2026, 11, 12)
    kwargs = dict(
        rules=rules,
        diary=diary,
        allowed_day=lambda day: day <= placement_ends,
        not_before=at(date(2026, 10, 12), 12),
    )
    length, step = minutes(90), minutes(30)

    slots = free_slots(first_day=first_day, last_day=last_day, length=length, step=step, **kwargs)

    accepted = [
        start
        for start in candidates(rules, first_day, last_day, length, step)
        if why_not(start, length, **kwargs) is None
    ]
    assert slots == accepted
    # Spot checks, so the test cannot pass with both sides wrong in the same way.
    afternoon = ["13:30", "14:00", "14:30", "15:00", "15:30"]
    assert on(slots, date(2026, 10, 12)) == ["12:00", "12:30", "13:00", *afternoon]  # not_before
    assert on(slots, date(2026, 10, 13)) == afternoon  # 45-minute gap after 11:00-12:30
    assert on(slots, date(2026, 10, 14)) == [  # two windows; participant busy 10:00-11:00
        "08:30", "13:00", "13:30", "14:00", "14:30", "15:00",
    ]  # fmt: skip
    assert on(slots, date(2026, 10, 19)) == []  # daily cap reached
    assert on(slots, date(2026, 10, 21)) == on(slots, date(2026, 10, 22)) == []  # closed
    assert on(slots, date(2026, 10, 23)) == ["11:30", "12:00", "12:30", "13:00", *afternoon]
    # After the clock change (GMT): host busy 14:00-15:00, so nothing after 11:30.
    assert on(slots, date(2026, 10, 26)) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots[slots.index(utc(date(2026, 10, 26), 9)) - 1] == utc(date(2026, 10, 23), 14, 30)
    assert all(on(slots, date(2026, 11, d)) == [] for d in range(2, 7))  # weekly cap
    assert len(on(slots, date(2026, 11, 12))) == 14  # 09:00 to 15:30
    assert on(slots, date(2026, 11, 13)) == []  # the placement has ended


# --- Properties ---------------------------------------------------------------------------

FIRST, LAST = date(2026, 1, 1), date(2027, 12, 17)


def _quarter_hour(n: int) -> time:
    return time(n // 4, n % 4 * 15)


@st.composite
def scenarios(draw):
    """Random rules and diaries over up to three weeks of 2026-27.

    Windows are daytime (06:00-22:00), so they never contain the missing or repeated
    hour of a clock change; ``test_night_window_over_the_clock_change_is_consistent``
    covers that case.
    """
    first_day = draw(st.dates(FIRST, LAST))
    last_day = first_day + timedelta(days=draw(st.integers(0, 20)))
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    nearby = st.dates(first_day - timedelta(days=7), last_day + timedelta(days=7))

    windows = {}
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1)):
        edges = sorted(draw(st.lists(st.integers(24, 88), min_size=2, max_size=4, unique=True)))
        pairs = zip(edges[0::2], edges[1::2], strict=False)
        windows[weekday] = tuple((_quarter_hour(a), _quarter_hour(b)) for a, b in pairs)

    def intervals():
        start = st.builds(
            lambda day, m: at(day, 6) + minutes(5 * m), st.sampled_from(days), st.integers(0, 200)
        )
        span = st.integers(1, 48).map(lambda n: minutes(5 * n))
        return st.lists(st.builds(lambda s, d: (s, s + d), start, span), max_size=8)

    rules = HostRules(
        windows=windows,
        closed=draw(st.frozensets(nearby, max_size=3)),
        buffer_before=minutes(draw(st.sampled_from([0, 5, 10, 15, 30, 45, 60]))),
        buffer_after=minutes(draw(st.sampled_from([0, 5, 10, 15, 30, 45, 60]))),
        max_per_day=draw(st.none() | st.integers(1, 3)),
        max_per_week=draw(st.none() | st.integers(1, 8)),
    )
    diary = Diary(
        host_busy=draw(intervals()),
        visit_days=draw(st.lists(nearby, max_size=10)),
        participant_busy=draw(intervals()),
    )
    barred = draw(st.frozensets(nearby, max_size=3))
    not_before = draw(st.none() | st.builds(at, st.sampled_from(days), st.integers(6, 21)))
    scenario = {
        "rules": rules,
        "diary": diary,
        "first_day": first_day,
        "last_day": last_day,
        "length": minutes(draw(st.sampled_from([15, 30, 45, 60, 90, 120, 180]))),
        "step": minutes(draw(st.sampled_from([15, 30, 60]))),
        "allowed_day": lambda day: day not in barred,
        "not_before": not_before,
    }
    return scenario, barred


def _checks(scenario) -> dict:
    """The keyword arguments ``why_not`` shares with ``free_slots``."""
    return {k: scenario[k] for k in ("rules", "diary", "allowed_day", "not_before")}


PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(scenarios())
def test_every_free_slot_passes_why_not_and_every_rule(drawn):
    scenario, barred = drawn
    rules, diary, length = scenario["rules"], scenario["diary"], scenario["length"]
    not_before = scenario["not_before"]

    slots = free_slots(**scenario)

    assert slots == sorted(set(slots))
    visits = list(diary.visit_days)
    gap = rules.buffer_before + rules.buffer_after
    for start in slots:
        end = start + length
        assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
        assert why_not(start, length, **_checks(scenario)) is None
        # The rules again, written out independently of slots.py.
        wall, wall_end = start.astimezone(LONDON), end.astimezone(LONDON)
        day = wall.date()
        assert scenario["first_day"] <= day <= scenario["last_day"]
        assert any(
            wall_end.date() == day and opens <= wall.time() and wall_end.time() <= closes
            for opens, closes in rules.windows[day.weekday()]
        )
        assert day not in ENGLAND and day not in rules.closed and day not in barred
        assert not_before is None or start >= not_before
        if rules.max_per_day is not None:
            assert visits.count(day) < rules.max_per_day
        if rules.max_per_week is not None:
            week = day.isocalendar()[:2]
            assert sum(v.isocalendar()[:2] == week for v in visits) < rules.max_per_week
        for busy_start, busy_end in diary.host_busy:
            assert end + gap <= busy_start or busy_end + gap <= start
        for busy_start, busy_end in diary.participant_busy:
            assert end <= busy_start or busy_end <= start


@PROPERTY
@given(scenarios())
def test_free_slots_misses_no_grid_time_that_why_not_accepts(drawn):
    scenario, _ = drawn
    checks = _checks(scenario)

    slots = free_slots(**scenario)

    grid = candidates(
        scenario["rules"],
        scenario["first_day"],
        scenario["last_day"],
        scenario["length"],
        scenario["step"],
    )
    length = scenario["length"]
    assert slots == [start for start in grid if why_not(start, length, **checks) is None]
