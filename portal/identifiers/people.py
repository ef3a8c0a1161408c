"""Who is a colleague, and where a name stands for a person.

Reflections name colleagues all the time ("my supervisor Funmi", "Dr Okonkwo from
CAMHS", "the practice educator, Marek"), and the portal's own people by their full
names: those are not a child or family. A name with no family word next to it still is
one when it stands where a person stands in the sentence: the subject of "said" or
"told us" ("Ayodele told us she sleeps on the sofa"), after "with" or "saw" ("I played
cards with Tesfay"), or joined to another name ("Hodan and Abdi came").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from portal.identifiers.finding import Candidate
from portal.identifiers.lexicon import ADVERB_ENDINGS, STOP, WORD_NAMES, words
from portal.identifiers.messages import MSG_NAME_PERSON
from portal.identifiers.tokens import START, WORD, next_word, previous_word, words_in

# Professional roles: a name next to one is a colleague's.
PROFESSIONS = (
    "practice educator", "practice supervisor", "team manager", "service manager",
    "head teacher", "headteacher", "deputy head", "class teacher", "teacher", "senco",
    "health visitor", "school nurse", "social worker", "family support worker",
    "support worker", "youth worker", "key worker", "keyworker", "personal adviser",
    "supervisor", "manager", "iro", "gp", "doctor", "nurse", "midwife", "paediatrician",
    "psychologist", "psychiatrist", "therapist", "counsellor", "mentor", "advocate",
    "solicitor", "barrister", "judge", "magistrate", "interpreter", "consultant",
    "practitioner", "colleague", "student", "apprentice", "chair", "dsl", "coordinator",
    "co-ordinator", "assessor", "director", "principal", "officer", "detective",
    "sergeant", "constable", "clinician", "lead", "educator", "worker", "adviser",
    "advisor", "head", "cafcass guardian", "children's guardian", "guardian ad litem",
    "reviewing officer", "inspector", "caseworker", "housing officer", "designated lead",
    "facilitator", "trainer", "tutor", "lecturer", "coach", "priest", "imam", "chaplain",
    "vicar", "rabbi", "pastor",
)  # fmt: skip
_PROFESSION = "|".join(re.escape(p).replace(r"\ ", "[ ]+") for p in PROFESSIONS)
# Teams and services a professional is "from": "Kwame (YOT)", "Dr Ali (CAMHS)".
_TEAM = "camhs|yot|yos|mash|cafcass|nspcc|edt|police|housing|health|school|the team"
# Titles only professionals carry ("Dr Okonkwo", "PC Daniels", "Imam Yusuf"), and those
# anyone may ("Mrs Patel", a colleague only next to a role).
PROFESSIONAL_TITLES = (
    "Dr", "Prof", "PC", "DC", "DS", "DI", "Sgt", "Cllr", "Sister", "Imam", "Rabbi",
    "Reverend", "Rev", "Pastor",
)  # fmt: skip
_TITLE = rf"(?:(?:{'|'.join(PROFESSIONAL_TITLES[:8])}|Mr|Mrs|Ms|Miss|Mx)\.?[ ]+)"
_NAME = rf"{_TITLE}?(?=[A-Z]){WORD}(?:[ ](?=[A-Z]){WORD}){{0,2}}"
# "my supervisor Funmi", "the practice educator, Marek,", "our IRO (Bridget)", "the DSL
# at the secondary school, Mr Baptiste".
_ROLE_THEN_NAME = re.compile(
    rf"{START}(?i:{_PROFESSION})(?:['’]s)?"
    r"(?:[ ]+(?i:at|from|for|in|on|with)[ ]+(?:(?i:the|our|their|her|his)[ ]+)?(?:[\w\-]+[ ]+){0,2}"
    r"[\w\-]+(?=,))?"
    rf"[ ]*(?P<comma>[,(][ ]*)?(?P<name>{_NAME})(?P<after>,|[ ]+(?P<verb>[a-z]+))?"
)
# "Funmi, my supervisor", "Kwame from the YOT", "Marek (practice educator)".
_NAME_THEN_ROLE = re.compile(
    rf"{START}(?=[A-Z])(?P<name>{_NAME})(?:,[ ]+(?i:(?:my|our|the|their|her|his|a)[ ]+)"
    rf"(?:[\w\-]+[ ]+){{0,2}}(?i:{_PROFESSION})(?![\w])"
    rf"|[ ]+\((?i:(?:my|our|the)[ ]+)?(?i:{_PROFESSION}|{_TEAM})(?![\w])[^)]{{0,30}}\)"
    rf"|[ ]+(?i:from|of|at)[ ]+(?:the[ ]+)?(?P<org>[A-Z][\w&\-]*(?:[ ][A-Z][\w&\-]*){{0,3}})"
    r"|[ ]+(?i:from|of|at|in)[ ]+(?:the|our|their)[ ]+(?:[a-z\-]+[ ]+){0,4}"
    r"(?:team|service|unit|hub|clinic|practice|department|office|project)(?![\w]))"
)
# A titled professional: "Dr Okonkwo", "PC Daniels".
_TITLED_PROFESSIONAL = re.compile(rf"{START}(?:{'|'.join(PROFESSIONAL_TITLES)})\.?[ ]+{_NAME}")
# Writers and trainers: "reading Harry Ferguson", "the material by Andrew Turnell", "the
# course with Carlene Firmin", "As Kübler-Ross describes".
_WORK = (
    r"(?i:book|books|article|articles|model|material|materials|workshop|course|training"
    r"|session|research|theory|framework|paper|talk|lecture|chapter|podcast|webinar|module)"
)
_AUTHOR = re.compile(
    rf"{START}(?:(?i:reading|read|quoting|quoted)[ ]+"
    rf"|{_WORK}(?:[ ]+[a-z]+){{0,3}}[ ]+(?i:by|with|from|of)[ ]+"
    rf"|(?i:as)[ ]+(?=(?P<cited>{_NAME})[ ]+(?i:describes|argues|writes|suggests|says|puts it)))"
    rf"(?P<name>{_NAME})"
)

# Where a person stands: the name before a verb of saying or doing, or after a verb of
# meeting, "with", or another name and "and".
SAYING = words(
    """said says told tells explained explains asked asks shared shares described describes
    disclosed discloses replied answered shouted cried cries laughed laughs smiled smiles
    agreed agrees refused refuses wanted wants showed shows drew draws talked talks spoke
    speaks admitted admits denied denies mentioned mentions whispered insisted insists
    seemed seems looked looks came comes went goes sleeps slept lives lived stays stayed
    hid hides ran runs screamed screams hit hits kicked punched ate eats plays played
    walked walks sat sits stood cuddled hugged clung refused became becomes felt feels
    loves loved hates hated misses missed worries worried thinks thought knows knew
    confided wrote writes sang sings asked opened opens"""
)
SPEAKING = words("said says told tells asked asks replied answered shouted whispered explained")
MEETING = words(
    """with saw see seeing met meet meeting visited visit visiting asked ask told tell
    phoned called call helped help helping supported support watched watch collected
    collect played play and gave give giving bought buy noticed notice found find hear
    heard get got about for beside behind taught teach drove drive took take brought
    bring showed show reassured"""
)


_TITLE_STARTS = frozenset(title.lower() for title in PROFESSIONAL_TITLES)
_AUTHOR_STARTS = words(
    """reading read quoting quoted as book books article articles model material materials
    workshop course training session research theory framework paper talk lecture chapter
    podcast webinar module"""
)
_PROFESSION_STARTS = frozenset(p.split()[0].lower() for p in PROFESSIONS)


@lru_cache(maxsize=64)
def _known_names(colleagues: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for every colleague's full name (the longest first)."""
    names = sorted({" ".join(n.split()) for n in colleagues if " " in n.strip()}, key=len)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in reversed(names))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def colleague_spans(text: str, colleagues: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where colleagues are named: the portal's own people by full name, and anyone next
    to a professional role or title. No name finding may start there."""
    spans = []
    known = _known_names(tuple(colleagues))
    if known is not None:
        spans += [m.span() for m in known.finditer(text)]
    for word in words_in(text):  # a role can only start at one of its first words
        if word.group().lower() not in _PROFESSION_STARTS:
            continue
        m = _ROLE_THEN_NAME.match(text, word.start())
        if m is None or (m.group("comma") and (m.group("verb") or "") in SAYING):
            continue  # none, or "with my supervisor, Wiktoria said ...": her own words
        spans.append(m.span("name"))
    capitals = (w.start() for w in words_in(text) if w.group()[0].isupper())
    for m in filter(None, (_NAME_THEN_ROLE.match(text, start) for start in capitals)):
        org = m.group("org")
        if org is None or org.split()[0].lower() in STOP or org.isupper():
            spans.append(m.span("name"))
    for word in words_in(text):  # titles and citations, where their first word stands
        first = word.group().lower()
        if first in _TITLE_STARTS and (m := _TITLED_PROFESSIONAL.match(text, word.start())):
            spans.append(m.span())
        if first in _AUTHOR_STARTS and (m := _AUTHOR.match(text, word.start())):
            spans.append(m.span("name"))
    return spans


def standing_names(text: str) -> Iterator[Candidate]:
    """A capitalised word that is not a known word, where a person stands."""
    found = words_in(text)
    for i, m in enumerate(found):
        word = m.group()
        if not word[0].isupper():
            continue
        after = found[i + 1] if i + 1 < len(found) and _joined(text, m, found[i + 1]) else None
        before = found[i - 1] if i and _joined(text, found[i - 1], m) else None
        speaking = after is not None and after.group().lower() in SPEAKING
        if not _could_be_a_name(word, speaking=speaking):
            continue
        if _stands_as_a_person(text, found, i, before, after):
            yield Candidate(m.start(), m.end(), "name", MSG_NAME_PERSON, 20)


def _stands_as_a_person(text, found, i, before, after) -> bool:
    m = found[i]
    if after is not None:
        low = after.group().lower()
        if low in SAYING or low in DOING or _was_doing(text, after):
            return True  # "Ayodele told us", "Mbuyi has asked", "Nyabol arrived late"
        if low.endswith("ed") and len(low) >= 5 and low not in NOT_VERBS:
            return True
        if after.group() == "and" and _next_is_name(text, after):
            return True  # "Hodan and Abdi"
    if before is not None and (before.group().lower() in MEETING or _spoke_to(text, before.span())):
        return True  # "with Tesfay", "I gave Amani", "spoke to Temitope"
    rest = text[m.end() : m.end() + 3]
    if rest[:2] in ("'s", "’s") and _then_lowercase(text, m.end() + 2):
        return True  # "Kwame's bedroom"
    if rest[:1] == "," and i + 1 < len(found):
        following = found[i + 1]
        if (
            following.group() in CLAUSE
            or (  # "Akosua, when I asked", "Tomasz, from what"
                following.group()[0].isupper()
                and _could_be_a_name(following.group())
                and text[following.end() : following.end() + 4] == " and"
            )
        ):  # "Dritan, Valbona and the twins"
            return following.start() == m.end() + 2
    return False


def _then_lowercase(text: str, at: int) -> bool:
    return text[at : at + 1] == " " and text[at + 1 : at + 2].islower()


def _joined(text: str, first: re.Match[str], second: re.Match[str]) -> bool:
    """Two words with one space between them (nothing else: no comma, no full stop)."""
    return second.start() == first.end() + 1 and text[first.end()] == " "


# After a name: a verb that says it is someone ("Mbuyi has asked", "Yaman keeps").
DOING = words(
    """has had have is was keeps kept spent spends started starts arrived arrives answered
    hardly never still always began begun translated comforted picked held stopped
    didn't doesn't wasn't isn't can't won't wouldn't couldn't would could will can might
    seemed gets got took takes gave gives made makes ran told"""
)
NOT_VERBS = words("red bed shed need seed breed speed indeed embed united based led")
CLAUSE = words("when from who whose while as after before because although though if I")
FEELINGS = words(
    """proud happy sad upset angry quiet tired scared frightened worried excited calm shy
    withdrawn anxious keen relieved nervous cross distressed tearful chatty confident
    hungry unwell poorly ill lonely bored"""
)
TALKING = words("spoke talked listened wrote explained read sang chatted talking speaking")


def _was_doing(text: str, after: re.Match[str]) -> bool:
    """ "Andreea was holding the baby", "Tanvir was proud", "Dawit was excited"."""
    if after.group().lower() not in ("was", "is", "seemed", "looked", "felt", "became"):
        return False
    state = next_word(text, after.end())
    if state is None:
        return False
    low = state.group().lower()
    return low in FEELINGS or (len(low) > 4 and low.endswith(("ing", "ed")) and low != "being")


def _spoke_to(text: str, before: tuple[int, int]) -> bool:
    """ "I spoke to Temitope", "we talked with ...": the word before the name is "to"."""
    if text[before[0] : before[1]].lower() != "to":
        return False
    two = previous_word(text, before[0])
    return two is not None and text[two[0] : two[1]].lower() in TALKING


def _could_be_a_name(word: str, *, speaking: bool = False) -> bool:
    """A capitalised word that is no known word (``speaking``: the subject of "said",
    where a word that is also a name, "Hope", is one)."""
    if len(word) < 2 or not word[0].isupper() or word.isupper() or "'" in word or "’" in word:
        return False
    low = word.lower()
    if speaking and low in WORD_NAMES:
        return True
    if low in STOP or (low.endswith("s") and low[:-1] in STOP):
        return False
    if len(low) >= 6 and low.endswith(ADVERB_ENDINGS):
        return False
    return not (len(low) >= 6 and low.endswith("ing"))


def _next_is_name(text: str, conjunction: re.Match[str]) -> bool:
    following = next_word(text, conjunction.end())
    return following is not None and _could_be_a_name(following.group())
