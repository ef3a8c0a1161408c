"""Names of children and family members.

Found next to a family or role word ("the mother, Sarah", "her son Jamie", "Mum
(Kerry)", "Kerry's daughter", "Kerry, the mother", "the Brennan family"), next to an age
("Jamie (7)", "Tyler, aged 6") or a title ("Mrs Okafor"), and common given names anywhere
("Jayden said"). Capitalised words are checked against a stop-list (sentence starters,
months, social-work terms, job titles, places), so "the child Protection Plan" is not a
name. Initials ("J", "J.S.") are normal practice and never flagged; nor are ``@Full
Name`` mentions of portal users, "Clare's Law" or the names of national case reviews
(see ``not_names``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from portal.identifiers.dates import NUMERIC_DATE
from portal.identifiers.finding import Candidate
from portal.identifiers.lexicon import (
    ADVERB_ENDINGS,
    CHILD_ROLES,
    COMMON_NAMES,
    FUNCTION_WORDS,
    GUARDED_NAMES,
    GUARDS,
    NOT_A_NAME,
    ORG_AFTER,
    PLACE_PREPOSITIONS,
    ROLE_WORDS,
    STOP,
    WORD_NAMES,
)
from portal.identifiers.messages import (
    MSG_DOB,
    MSG_NAME_AGE,
    MSG_NAME_COMMON,
    msg_child,
    msg_family,
    msg_family_name,
    msg_near,
    msg_title,
)
from portal.identifiers.tokens import (
    ANY_WORD,
    RUN,
    START,
    WORD,
    next_word,
    previous_word,
    strip_possessive,
    word_spans,
    words_in,
)

# --- Patterns -----------------------------------------------------------------------------------


def _role_pattern(words: Iterable[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\-", r"[\-]?") for w in ordered)


_ROLE = (
    r"(?i:foster[ \-]+(?:carers?|mum|mother|dad|father|parents?)|kinship[ \-]+carers?"
    r"|special[ ]+guardians?|young[ \-]+(?:person|people|carer)"
    r"|\d{1,2}[ \-](?:year|month|week)s?[ \-]old"
    rf"|{_role_pattern(ROLE_WORDS)})(?![\w'’\-])"
)
# A role word, then the name: "the mother, Sarah", "her son Jamie", "Mum (Kerry)".
_ROLE_THEN_NAME = re.compile(
    rf"(?=\w){START}(?P<role>{_ROLE})[ ]*(?:[,:(–—\-][ ]*)?[*_]{{0,2}}"
    r"(?:(?i:called|named|nicknamed|known(?:[ ]+[a-z]+){0,2}[ ]+as|whose[ ]name[ ]is"
    r"|is[ ]called|goes[ ]by)[ ]+)?"
)
_BEFORE_ROLE_ADJ = (
    r"(?:(?:little|baby|older|younger|eldest|youngest|oldest|new|twin|unborn|other|two|three"
    r"|four|birth|biological|own|half|ex|main|current|former)[ ]+){0,2}"
)
# The name, then the role: "Kerry's daughter", "Kerry, the mother", "Kerry and her son".
_NAME_THEN_ROLE = re.compile(
    rf"(?P<name>{RUN})(?:(?P<poss>['’]s)[ ]+|(?P<comma>,)[ ]+(?i:(?:the|her|his|their|our"
    rf"|a|an|my)[ ]+)?|[ ]+(?i:and[ ]+(?:her|his|their))[ ]+){_BEFORE_ROLE_ADJ}"
    rf"(?=(?P<role>{_ROLE}))"
)
# A surname as the family's name: "the Brennan family", "the Jones children".
_FAMILY_NAME = re.compile(
    rf"{START}(?i:the)[ ]+(?P<name>{WORD}(?:[ ]{WORD})?)[ ]+(?P<what>(?i:family|families"
    r"|children|household|siblings|boys|girls|twins|kids|brothers|sisters|parents"
    r"|grandparents))(?![\w'’\-])"
)
_AGE_UNIT = r"(?:years?[ ]old|years?|yrs?|y/?o|months?|mths?|mos?|weeks?|wks?|y|m|w)"
_DOB_IN_BRACKETS = rf"\([ ]*(?i:(?:dob|d\.o\.b\.?|born)[: ]*)?(?P<date>{NUMERIC_DATE})[ ]*\)"
# The name, then an age: "Jamie (7)", "Tyler, aged 6", "Ellie, 4,", "Jamie (12/03/2015)".
_NAME_THEN_AGE = re.compile(
    rf"(?P<name>{RUN})(?:[ ]*\([ ]*(?i:aged?[ ]*)?\d{{1,2}}[ ]*(?i:{_AGE_UNIT})?[ ]*\)"
    rf"|,?[ ]+(?i:aged?|who[ ]is)[ ]+\d{{1,2}}(?![\d])"
    rf"|,[ ]*(?P<bare>\d{{1,2}})(?:[ ]*(?i:{_AGE_UNIT}))?[ ]*(?:[,;)]|[ ]+and\b)"
    rf"|[ ]*{_DOB_IN_BRACKETS})"
)
_TITLE = re.compile(rf"{START}(?P<title>Mr|Mrs|Ms|Miss|Mx)\.?[ ]+")
_MENTION = re.compile(rf"(?<![\w.])@{WORD}(?:[ ](?=[A-Z]){WORD}){{0,2}}")


# --- Which words are names -----------------------------------------------------------------------


def _is_name_word(word: str, strong: bool = False) -> bool:
    """A capitalised word that could be someone's name: not a stop word, not initials.

    ``strong``: the word is right next to a role word or an age, so a stop word that is
    also a given name ("Summer") counts.
    """
    base = strip_possessive(word)
    if len(base) < 2 or not base[0].isupper() or base.isupper():
        return False
    low = base.lower()
    if strong and low in WORD_NAMES:
        return True
    if low in STOP or (low.endswith("s") and low[:-1] in STOP):
        return False
    if len(low) >= 6 and low.endswith(ADVERB_ENDINGS):
        return False
    return not low.endswith("ing") or len(low) < 6


def _leading_name(text: str, pos: int, strong: bool = True) -> tuple[int, int] | None:
    """Up to three name words starting at ``pos`` (a possessive ends them), as a span.

    None if there are none, or if the words run on into a place, organisation or event
    ("Baby Loss Awareness Week"): that is a title, not a name.
    """
    spans: list[tuple[int, int]] = []
    m = ANY_WORD.match(text, pos)
    while m and len(spans) < 3 and _is_name_word(m.group(), strong):
        base = strip_possessive(m.group())
        spans.append((m.start(), m.start() + len(base)))
        if base != m.group():
            break
        m = next_word(text, m.end())
    if not spans:
        return None
    after = next_word(text, spans[-1][1])
    if after and after.group().lower() in ORG_AFTER:
        return None
    return spans[0][0], spans[-1][1]


def _trailing_name(run: str, offset: int, strong: bool = True) -> tuple[int, int] | None:
    """The longest run of name words at the end of ``run``."""
    spans = []
    for start, _end, word in reversed(word_spans(run, offset)):
        base = strip_possessive(word)
        if not _is_name_word(word, strong) or (spans and base != word):
            break
        spans.append((start, start + len(base)))
    return (spans[-1][0], spans[0][1]) if spans else None


def _role_message(role: str) -> str:
    low = role.lower()
    shown = " ".join(role.split())
    if low[0].isdigit() or low.replace("-", "") in {r.replace("-", "") for r in CHILD_ROLES}:
        return msg_child(shown)
    if low.startswith("young"):
        return msg_child(shown)
    return msg_family(shown)


def _after_function_word(text: str, start: int, words: frozenset[str]) -> bool:
    before = previous_word(text, start)
    return bool(before) and text[before[0] : before[1]].lower() in words


def _word_name_ok(text: str, span: tuple[int, int]) -> bool:
    """A stop word that is also a name ("Summer") counts, but not "this Summer"."""
    first = ANY_WORD.match(text, span[0])
    if first and strip_possessive(first.group()).lower() in WORD_NAMES:
        return not _after_function_word(text, span[0], FUNCTION_WORDS)
    return True


# --- The rules ----------------------------------------------------------------------------------


def names(text: str) -> Iterator[Candidate]:
    """Every name candidate, rule by rule (the order settles ties between equal candidates)."""
    yield from _role_then_name(text)
    yield from _name_then_role(text)
    yield from _family_names(text)
    yield from _name_then_age(text)
    yield from _titled_names(text)
    yield from _common_names(text)


# The words a role can start with (``_ROLE``'s first words, hyphens or not), so that the
# pattern is only tried where one stands rather than at every word.
_ROLE_STARTS = frozenset(
    {w.replace("-", "") for w in ROLE_WORDS} | {"foster", "kinship", "special", "young"}
)
_AGED_ROLE = re.compile(r"(?<![\w])\d{1,2}[ \-](?:year|month|week)s?[ \-]old", re.IGNORECASE)


def _role_starts(text: str) -> list[int]:
    starts = [
        m.start()
        for m in words_in(text)
        if m.group().lower().replace("-", "") in _ROLE_STARTS
        or m.group().lower().split("-", 1)[0] in _ROLE_STARTS
    ]
    return sorted(starts + [m.start() for m in _AGED_ROLE.finditer(text)])


def _at_capitals(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern`` (which starts with a name) tried only where a capitalised word starts:
    a name's first letter is a capital, and most words' is not."""
    for word in words_in(text):
        if word.group()[0].isupper():
            m = pattern.match(text, word.start())
            if m is not None:
                yield m


def _role_then_name(text: str) -> Iterator[Candidate]:
    matches = (_ROLE_THEN_NAME.match(text, start) for start in _role_starts(text))
    for m in filter(None, matches):
        span = _leading_name(text, m.end())
        if span and _word_name_ok(text, span):
            yield Candidate(*span, "name", _role_message(m.group("role")), 30)


def _name_then_role(text: str) -> Iterator[Candidate]:
    for m in _at_capitals(_NAME_THEN_ROLE, text):
        span = _trailing_name(m.group("name"), m.start("name"))
        if span is None or span[1] != m.end("name") or not _word_name_ok(text, span):
            continue
        if m.group("comma") and _after_function_word(text, span[0], PLACE_PREPOSITIONS):
            continue  # "At Oakfield, the children ..." is a place
        yield Candidate(*span, "name", msg_near(" ".join(m.group("role").split())), 30)


def _family_names(text: str) -> Iterator[Candidate]:
    for m in _FAMILY_NAME.finditer(text):
        span = _leading_name(text, m.start("name"), strong=False)
        if span == m.span("name"):
            what = m.group("what").lower()
            yield Candidate(*span, "name", msg_family_name(what), 30)


def _name_then_age(text: str) -> Iterator[Candidate]:
    """The name, and a date of birth when the "age" is one in brackets."""
    for m in _at_capitals(_NAME_THEN_AGE, text):
        span = _trailing_name(m.group("name"), m.start("name"))
        if span is None or span[1] != m.end("name") or not _word_name_ok(text, span):
            continue
        if m.group("bare") and int(m.group("bare")) > 18:
            continue
        yield Candidate(*span, "name", MSG_NAME_AGE, 30)
        if m.group("date"):
            yield Candidate(m.start("date"), m.end("date"), "date_of_birth", MSG_DOB, 90)


def _titled_names(text: str) -> Iterator[Candidate]:
    for m in _TITLE.finditer(text):
        span = _leading_name(text, m.end(), strong=False)
        if span:
            yield Candidate(m.start(), span[1], "name", msg_title(m.group("title")), 28)


def _common_names(text: str) -> Iterator[Candidate]:
    """A common given name anywhere, with the name word after it ("Jayden Smith")."""
    for m in words_in(text):
        word = m.group()
        base = strip_possessive(word)
        if not _is_common_name(text, m.start(), base):
            continue
        end = m.start() + len(base)
        following = next_word(text, end)
        if following and following.group().lower() in ORG_AFTER:
            continue  # part of the name of a place, an organisation or an event
        if base == word and following and _is_name_word(following.group()):
            end = _surname_end(text, following, end)
        yield Candidate(m.start(), end, "name", MSG_NAME_COMMON, 25)


def _is_common_name(text: str, start: int, base: str) -> bool:
    """A capitalised common given name, or a guarded one not after "in", "from", "the" ..."""
    if not base[0].isupper() or base.isupper():
        return False
    low = base.lower()
    if low in COMMON_NAMES:
        return True
    return low in GUARDED_NAMES and not _after_function_word(text, start, GUARDS)


def _surname_end(text: str, following: re.Match[str], end: int) -> int:
    """Where the name ends if it takes in ``following``: not if that runs into a place."""
    after = next_word(text, following.end())
    if after and after.group().lower() in ORG_AFTER:
        return end
    return following.start() + len(strip_possessive(following.group()))


def not_names(text: str) -> list[tuple[int, int]]:
    """Spans where no name may be found: phrases like "Clare's Law", and @mentions."""
    spans = [m.span() for m in NOT_A_NAME.finditer(text)]
    spans += [m.span() for m in _MENTION.finditer(text)]  # "@Tom Okafor": a portal user
    return spans
