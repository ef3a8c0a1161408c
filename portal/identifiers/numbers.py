"""Numbers and references that point at one person or case.

NHS numbers (the modulus 11 check digit, or labelled "NHS number"), and case-system
references: labelled ("Mosaic ID 1234567") or shaped like one ("CHI-123456"), family
court case numbers and National Insurance numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from portal.identifiers.finding import Candidate
from portal.identifiers.lexicon import words
from portal.identifiers.messages import MSG_CASE, MSG_COURT, MSG_NHS, MSG_NINO
from portal.identifiers.tokens import words_in

# --- NHS numbers --------------------------------------------------------------------------------

_NHS = re.compile(r"(?<![\w/.\-])(\d{3})([ \-]?)(\d{3})\2(\d{4})(?![\w/\-]|\.\d)")
_NHS_LABELLED = re.compile(
    r"(?<![\w])NHS[ \t]*(?:number|num|no\.?|\#)?[ \t]*(?:is[ \t]+)?[:\#\-–]?[ \t]*"
    r"(?P<value>\d(?:[ \-]?\d){8,10})(?![\d])",
    re.IGNORECASE,
)


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number modulus 11 check on ten digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def nhs_numbers(text: str) -> Iterator[Candidate]:
    for m in _NHS_LABELLED.finditer(text):
        yield Candidate(m.start("value"), m.end("value"), "nhs_number", MSG_NHS, 85)
    for m in _NHS.finditer(text):
        digits = m.group(1) + m.group(3) + m.group(4)
        if digits[0] != "0" and len(set(digits)) > 1 and nhs_number_is_valid(digits):
            yield Candidate(m.start(), m.end(), "nhs_number", MSG_NHS, 70)


# --- Case-system references ---------------------------------------------------------------------

_CASE_LABELLED = re.compile(
    r"""(?=\w)(?<![\w])
    (?:
        (?:case|child|client|person|family|referral|file|record|court|cp|cin|lac|yp)
            [ \t]*(?:ref(?:erence)?|id|number|no|num|\#)
      | (?:mosaic|lcs|ll|eclipse|ecl|escr|liquid[ ]?logic|care[ ]?first|paris|swift
           |frameworki|azeus|ics|upn|urn|uln)(?:[ \t]*(?:ref(?:erence)?|id|number|no|num|\#))?
      | case
      | ref(?:erence)?(?:[ \t]*(?:number|no|num))?
      | id(?:[ \t]*(?:number|no|num))?
    )
    \.?[ \t]*(?:is[ \t]+|was[ \t]+)?[:\#=\-–]?[ \t]*
    (?P<value>(?:[a-z]{1,4}[\-/]?)?\d[\d/\-]{0,20}+[a-z]?)(?![\w])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# The words a case label starts with: the pattern is tried only where one stands.
_LABEL_STARTS = words(
    """case child client person family referral file record court cp cin lac yp mosaic lcs
    ll eclipse ecl escr liquid liquidlogic care carefirst paris swift frameworki azeus ics
    upn urn uln ref reference id"""
)
_CASE_CODE = re.compile(  # CHI-123456, CP-2024-0117
    r"(?<![\w\-/])[A-Z]{2,5}(?:-\d{5,10}|[\-/](?:19|20)\d\d[\-/]\d{3,7})(?![\w\-/])"
)
_COURT_NUMBER = re.compile(r"(?<![\w])[A-Z]{2}\d{2}[A-Z]\d{5}(?![\w])")  # ZW24C00871
_NINO = re.compile(
    r"(?<![\w])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D](?![\w])"
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def case_ids(text: str) -> Iterator[Candidate]:
    labels = (w.start() for w in words_in(text) if w.group().lower() in _LABEL_STARTS)
    for m in filter(None, (_CASE_LABELLED.match(text, start) for start in labels)):
        value = m.group("value").rstrip("/-")
        digits = sum(c.isdigit() for c in value)
        if digits >= 4 and not _YEAR.fullmatch(value):
            start = m.start("value")
            yield Candidate(start, start + len(value), "case_id", MSG_CASE, 80)
    for m in _CASE_CODE.finditer(text):
        yield Candidate(m.start(), m.end(), "case_id", MSG_CASE, 60)
    for m in _COURT_NUMBER.finditer(text):
        yield Candidate(m.start(), m.end(), "case_id", MSG_COURT, 60)
    for m in _NINO.finditer(text):
        yield Candidate(m.start(), m.end(), "case_id", MSG_NINO, 60)
