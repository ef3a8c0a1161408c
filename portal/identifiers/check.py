"""Putting it together: every rule's candidates, then the overlaps settled.

Where two rules match the same words, the more specific one is kept (a labelled
reference over a bare number, a school's name over a given name in it), so findings
never overlap.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from portal.identifiers.contact import emails, phones
from portal.identifiers.dates import dates_of_birth
from portal.identifiers.finding import Candidate, Finding
from portal.identifiers.names import names, not_names
from portal.identifiers.numbers import case_ids, nhs_numbers
from portal.identifiers.people import colleague_spans, standing_names
from portal.identifiers.places import addresses, postcodes, saint_schools, schools

# Every rule but the names, which run last and only outside ``not_names``. The order
# settles ties between candidates of equal rank and span: keep it.
_DETECTORS = (
    emails,
    phones,
    nhs_numbers,
    postcodes,
    dates_of_birth,
    case_ids,
    addresses,
    schools,
    saint_schools,
)


def find_identifiers(text: str, *, colleagues: Iterable[str] = ()) -> list[Finding]:
    """Details in ``text`` that could identify a child or family, in order.

    ``colleagues``: full names of the portal's own people, never a finding. Findings
    never overlap: where two rules match the same words, the more specific (labelled,
    checked) one is kept, then the longer.
    """
    if not text:
        return []
    candidates = [c for detect in _DETECTORS for c in detect(text)]
    candidates += _names_allowed(text, colleagues)
    kept = _without_overlaps(candidates)
    return [Finding(c.kind, c.start, c.end, text[c.start : c.end], c.message) for c in kept]


def _names_allowed(text: str, colleagues: Iterable[str]) -> list[Candidate]:
    """The names rules' candidates, less any touching a ``not_names`` span or a
    colleague (portal/identifiers/people.py)."""
    blocked = bytearray(len(text))
    for start, end in not_names(text) + colleague_spans(text, colleagues):
        blocked[start:end] = b"\x01" * (end - start)
    found = [*names(text), *standing_names(text)]
    return [c for c in found if 1 not in blocked[c.start : c.end]]


def _without_overlaps(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The highest-ranked, then longest, then earliest candidates that do not overlap,
    in order of where they start. Empty candidates are dropped."""
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-c.rank, c.start - c.end, c.start)):
        if c.end > c.start and not _overlaps(starts, ends, c.start, c.end):
            i = bisect.bisect_right(starts, c.start)
            starts.insert(i, c.start)
            ends.insert(i, c.end)
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return kept


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, non-overlapping spans."""
    i = bisect.bisect_right(starts, start)
    return (i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end)
