"""Contact details: email addresses and UK phone numbers (10 or 11 digits, so not "0800 1111")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from portal.identifiers.finding import Candidate
from portal.identifiers.messages import MSG_EMAIL, MSG_PHONE

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]++@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+"
)


def emails(text: str) -> Iterator[Candidate]:
    for m in _EMAIL.finditer(text):
        tld = m.group().rsplit(".", 1)[-1]
        if tld.isalpha() and len(tld) >= 2:
            yield Candidate(m.start(), m.end(), "email", MSG_EMAIL, 100)


# A "0" or "+44" and 9 to 12 more digits, single spaces, hyphens or a ")" between them.
_PHONE = re.compile(
    r"(?<![\w+/.\-])(?P<prefix>\+44[ ]?(?:\(0\)[ ]?)?|\(0|0)"
    r"(?P<rest>\d(?:(?:[ \-]|\)[ ]?)?\d){8,11})(?![\d])"
)
_PHONE_SPLIT = re.compile(r"[ \-)]+")


def phones(text: str) -> Iterator[Candidate]:
    for m in _PHONE.finditer(text):
        rest = m.group("rest")
        end = m.end()
        # Too many digits: probably a number after the phone number ("07700 900123 2 kids").
        while sum(c.isdigit() for c in rest) > 10:
            cut = [g.start() for g in _PHONE_SPLIT.finditer(rest)]
            if not cut:
                break
            end -= len(rest) - cut[-1]
            rest = rest[: cut[-1]]
        digits = "".join(c for c in rest if c.isdigit())
        if 9 <= len(digits) <= 10 and digits[0] in "123578":
            yield Candidate(m.start(), end, "phone", MSG_PHONE, 75)
