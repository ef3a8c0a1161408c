"""What the check reports (``Finding``), and the candidates its rules put forward."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = (
    "name",
    "date_of_birth",
    "address",
    "postcode",
    "nhs_number",
    "case_id",
    "school",
    "phone",
    "email",
)


@dataclass(frozen=True)
class Finding:
    """One detail that could identify someone, as character offsets into the text."""

    kind: str
    start: int
    end: int
    text: str
    message: str


# A detector's proposal, before overlaps are settled: the rank decides which of two
# overlapping candidates is kept.
@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    kind: str
    message: str
    rank: int  # higher wins an overlap: the more specific, labelled rule
