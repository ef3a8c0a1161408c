"""Words for numbers: "1 finding", "3 findings", "1 person", "2 people"."""

from __future__ import annotations

IRREGULAR = {"person": "people", "day": "days", "child": "children"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, in the plural unless it is one: ``plural(1, "problem")`` is
    "1 problem", ``plural(2, "person")`` "2 people". Thousands get commas."""
    word = noun if count == 1 else (many or IRREGULAR.get(noun) or f"{noun}s")
    return f"{count:,} {word}"


def joined(words: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
