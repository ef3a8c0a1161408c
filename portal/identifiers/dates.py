"""Dates of birth and due dates, only when labelled ("DOB", "born on", "EDD").

A bare date ("on 12 March we met") is not one. A date in brackets straight after a name
("Jamie (12/03/2015)") is found with the name, in ``names``, from ``NUMERIC_DATE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from portal.identifiers.finding import Candidate
from portal.identifiers.messages import MSG_DOB, MSG_DUE

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
NUMERIC_DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?![\d])|\d{4}-\d{1,2}-\d{1,2}(?![\d])"
_FULL_DATE = (
    rf"(?:{NUMERIC_DATE}"
    rf"|(?:the[ ]+)?\d{{1,2}}(?:st|nd|rd|th)?(?:[ ]+of)?[ ]+{_MONTH}\.?,?[ ]+\d{{4}}(?![\d])"
    rf"|{_MONTH}\.?[ ]+(?:the[ ]+)?\d{{1,2}}(?:st|nd|rd|th)?,?[ ]+\d{{4}}(?![\d]))"
)
_DOB_LABEL = re.compile(
    r"(?=\w)(?<![\w.])(?:(?P<due>e\.?d\.?d\b\.?|due[ ]+date|(?:expected|estimated)[ ]+"
    r"(?:date[ ]+of[ ]+)?(?:delivery|birth)(?:[ ]+date)?|baby[ ]+(?:is[ ]+|was[ ]+)?due)"
    r"|d\.?[ ]?o\.?[ ]?b\b\.?|date[ ]+of[ ]+birth|birth[ ]?date|birthday)"
    r"[ \t]*(?:is[ ]+|was[ ]+|of[ ]+|on[ ]+)?[:\-–=]?[ \t]*\(?[ \t]*"
    rf"(?P<date>{_FULL_DATE})",
    re.IGNORECASE,
)
# "born on 3 March 2016", "born prematurely on ...", "born in April 2014" (up to 4 words).
_BORN = re.compile(
    r"(?<![\w])born(?:[ ]+(?!(?:and|but|then|so|after|before|when|while|until|since|we|i)"
    r"(?![a-z0-9]))[a-z0-9]+){0,4}?[ ]+"
    rf"(?P<date>{_FULL_DATE}|{_MONTH}[ ]+\d{{4}}(?![\d])"
    r"|(?:Christmas|Boxing|New[ ]Year['’]?s|Valentine['’]?s|Bonfire)[ ]+(?:Day|Eve|Night),?[ ]+"
    r"\d{4}(?![\d]))",
    re.IGNORECASE,
)


def dates_of_birth(text: str) -> Iterator[Candidate]:
    for m in _DOB_LABEL.finditer(text):
        message = MSG_DUE if m.group("due") else MSG_DOB
        yield Candidate(m.start("date"), m.end("date"), "date_of_birth", message, 90)
    for m in _BORN.finditer(text):
        yield Candidate(m.start("date"), m.end("date"), "date_of_birth", MSG_DOB, 90)
