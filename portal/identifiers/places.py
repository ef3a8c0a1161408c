"""Where a child lives or learns: postcodes, home addresses and named schools.

- full UK postcodes (a district alone, such as "W8", is not enough);
- home addresses (a house or flat number, a street name and a street word), and a
  named block where the words say it is a home ("the fourth floor of Pevensey House");
- named schools, nurseries, academies, colleges, pupil referral units and children's
  centres ("Oakfield Primary", not "the primary school"), and schools named after a
  saint when the words say it is a school ("she goes to St John's").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from portal.identifiers.finding import Candidate
from portal.identifiers.lexicon import (
    COURT_TYPES,
    NOT_STREET,
    SCHOOL_MODIFIERS,
    SCHOOL_STOP,
    STOP,
    words,
)
from portal.identifiers.messages import MSG_ADDRESS, MSG_POSTCODE, MSG_SCHOOL
from portal.identifiers.tokens import previous_word, words_in

# --- Postcodes ----------------------------------------------------------------------------------

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?P<out>[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)[ ]?"
    r"(?P<in>\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"1st|2nd|3rd|\dth")


def postcodes(text: str) -> Iterator[Candidate]:
    for m in _POSTCODE.finditer(text):
        code = m.group()
        if code.isupper() or (code.islower() and not _ORDINAL.fullmatch(m.group("in"))):
            yield Candidate(m.start(), m.end(), "postcode", MSG_POSTCODE, 65)


# --- Addresses ----------------------------------------------------------------------------------

_STREET_WORD = (
    r"(?:Road|Rd\.?|Street|St\.?|Avenue|Ave\.?|Close|Lane|Way|Drive|Court|Crescent|Cres\.?"
    r"|Gardens|Gdns\.?"
    r"|Place|Grove|Terrace|Estate|House|Tower|Mews|Square|Sq\.?|Walk|Row|Hill|Rise|Parade"
    r"|Mansions|Villas|Heights|Green|Park|Cottages|Buildings|Lodge|Wharf|Yard|Vale|Gate)"
)
_STREET_NAME_WORD = r"[A-Z][a-z'’]++(?:-[A-Z][a-z'’]++)?"
_ADDRESS = re.compile(
    r"(?<![\w/.\-])"
    r"(?:(?:[Ff]lat|Apartment|Apt\.?|Unit|Room|Maisonette)[ ]+\d{1,4}[A-Za-z]?(?:,[ ]*|[ ]+)"
    r"(?:\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?,?[ ]+)?"
    r"|\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?,?[ ]+)"
    rf"(?P<street>(?:The[ ]+)?{_STREET_NAME_WORD}(?:[ ]+{_STREET_NAME_WORD}){{0,2}}?)"
    rf"[ ]+(?P<suffix>{_STREET_WORD})(?![\w'’])"
)


# A named block of flats with no number, where the words around it say it is a home:
# "on the fourth floor of Pevensey House", "she lives at Alder Court".
_NAMED_BLOCK = re.compile(
    r"(?=\w)(?<![\w])(?i:(?:floor|block|flat|flats|landing)[ ]+(?:of|in|at|on)"
    r"|(?:lives?|living|staying|stays|moved|moving|rehoused|placed)[ ]+(?:in|at|to|into|on)"
    r"(?:[ ]+a[ ]+flat[ ]+(?:in|at|on))?)[ ]+"
    rf"(?P<block>{_STREET_NAME_WORD}(?:[ ]+{_STREET_NAME_WORD})?[ ]+"
    r"(?:House|Tower|Court|Mansions|Heights|Buildings|Lodge|Point|Walk|Estate))(?![\w'’])"
)
# A street where the family lives, with no number: "the family live on Clement Walk",
# "moved out of Edenham Way", "Grandma lives on Wornington Road".
_HOME_STREET = re.compile(
    r"(?=\w)(?<![\w])(?i:lives?|living|stays?|staying|moved|moving|rehoused)[ ]+"
    r"(?i:on|in|at|to|into|out[ ]+of|from|off)[ ]+(?:(?i:the)[ ]+)?"
    rf"(?P<block>{_STREET_NAME_WORD}(?:[ ]+{_STREET_NAME_WORD})?[ ]+{_STREET_WORD})(?![\w'’])"
)


def addresses(text: str) -> Iterator[Candidate]:
    yield from _named_blocks(text)
    yield from _numbered_addresses(text)


# The words a named block's or a home street's phrase starts with.
_BLOCK_STARTS = words(
    "floor block flat flats landing live lives living staying stays stay moved moving rehoused"
    " placed"
)


def _named_blocks(text: str) -> Iterator[Candidate]:
    starts = [w.start() for w in words_in(text) if w.group().lower() in _BLOCK_STARTS]
    found = [pattern.match(text, at) for at in starts for pattern in (_NAMED_BLOCK, _HOME_STREET)]
    for m in filter(None, found):
        words = m.group("block").split()[:-1]
        if not any(w.lower() in STOP for w in words):
            yield Candidate(m.start("block"), m.end("block"), "address", MSG_ADDRESS, 50)


def _numbered_addresses(text: str) -> Iterator[Candidate]:
    for m in _ADDRESS.finditer(text):
        street = m.group("street").lower().split()
        if any(word in NOT_STREET for word in street):
            continue
        if m.group("suffix") == "Court" and street[-1] in COURT_TYPES:
            continue
        yield Candidate(m.start(), m.end(), "address", MSG_ADDRESS, 50)


# --- Schools ----------------------------------------------------------------------------------

_SCHOOL_END = re.compile(
    r"(?=[A-Z])(?<![\w'’])(?:"
    r"(?:(?:Primary|Junior|Infants?|Secondary|High|Grammar|Prep(?:aratory)?|Community|Free"
    r"|Special|Nursery|Middle|First|Upper|Lower|Girls['’]?|Boys['’]?)[ ]+)?School"
    r"|Primary(?:[ ]+Academy)?|Academy|Infants|(?:Day[ ]+)?Nursery(?![ ]+(?:Nurse|Class))"
    r"|College(?![ ]+of\b)|Pupil[ ]+Referral[ ]+Unit|PRU|Children['’]s[ ]+Centre"
    r"|Sixth[ ]+Form(?:[ ]+College)?"
    r")(?![\w'’])"
)
_CONNECTORS = ("of", "and", "&", "the")  # inside a name, never at its start


def schools(text: str) -> Iterator[Candidate]:
    for m in _SCHOOL_END.finditer(text):
        kept = _school_name_words(text, m.start())
        distinctive = [w for _, w in kept if w.lower() not in SCHOOL_MODIFIERS and len(w) > 1]
        if distinctive:
            yield Candidate(kept[-1][0], m.end(), "school", MSG_SCHOOL, 45)


def _school_name_words(text: str, pos: int) -> list[tuple[int, str]]:
    """The words of a school's name ending at ``pos``, as (start, word), reading backwards.

    Up to seven capitalised words, stopping at a word in ``SCHOOL_STOP`` or at
    punctuation; "of", "and", "&" and "the" are kept inside a name but not at its start.
    """
    kept: list[tuple[int, str]] = []
    for _ in range(7):
        span = previous_word(text, pos)
        if span is None:
            break
        word = text[span[0] : span[1]]
        low = word.lower()
        if low in _CONNECTORS and kept:
            pass
        elif not word[0].isupper() or low in SCHOOL_STOP:
            if low == "our" and kept and kept[-1][1] == "Lady":
                kept.append((span[0], word))
            break
        elif word[-1] in ',;:!?)("“”' or (word.endswith(".") and low not in SCHOOL_MODIFIERS):
            break
        kept.append((span[0], word))
        pos = span[0]
    while kept and kept[-1][1].lower() in _CONNECTORS:
        kept.pop()
    return kept


# A school named after a saint, without "School": "she goes to St John's".
_SAINT_SCHOOL = re.compile(
    r"(?=\w)(?<![\w])(?i:attends|attended|attending|goes[ ]to|went[ ]to|going[ ]to|started[ ]at"
    r"|starts[ ]at|excluded[ ]from|moved[ ]to|a[ ]place[ ]at|pupil[ ]at|year[ ]\d{1,2}[ ]at)"
    r"[ ]+(?P<school>(?:St\.?|Saint)[ ]+[A-Z][a-z]+(?:['’]s?)?(?:[ ][A-Z][a-z]+)?)"
)


def saint_schools(text: str) -> Iterator[Candidate]:
    for m in _SAINT_SCHOOL.finditer(text):
        yield Candidate(m.start("school"), m.end("school"), "school", MSG_SCHOOL, 44)
