"""Spotting details in a reflection that could identify a child or family.

Before a reflection is shared beyond its author it is checked here; the author
sees each finding highlighted, with a plain-English reason, and can edit. The
checker is deliberately cautious (a finding is a prompt to look again, not a
verdict) but tuned against a labelled set of social-work reflections
(``tests/data/identifier_examples.jsonl``, measured by ``bench/identifiers.py``)
so that ordinary reflective writing, full of mothers, fathers, schools, dates
and numbers, is rarely flagged.

What is looked for:

- names next to a family or role word ("the mother, Sarah", "her son Jamie",
  "Mum (Kerry)", "Kerry's daughter", "Kerry, the mother", "the Brennan
  family"), next to an age ("Jamie (7)", "Tyler, aged 6") or a title ("Mrs
  Okafor"), and common given names anywhere ("Jayden said"). Capitalised words
  are checked against a stop-list (sentence starters, months, social-work
  terms, job titles, places), so "the child Protection Plan" is not a name.
  Initials ("J", "J.S.") are normal practice and never flagged; nor are
  ``@Full Name`` mentions of portal users, "Clare's Law" or the names of
  national case reviews;
- dates of birth and due dates, only when labelled ("DOB", "born on",
  "date of birth", "EDD"), or in brackets straight after a name: a bare date
  ("on 12 March we met") is not one;
- home addresses (a house or flat number, a street name and a street word),
  and a named block where the words say it is a home ("the fourth floor of
  Pevensey House");
- full UK postcodes (a district alone, such as "W8", is not enough);
- NHS numbers (the modulus 11 check digit, or labelled "NHS number");
- case-system references (labelled, like "Mosaic ID 1234567", or shaped like
  one: "CHI-123456", family court numbers, National Insurance numbers);
- named schools, nurseries, academies, colleges, pupil referral units and
  children's centres ("Oakfield Primary", not "the primary school");
- UK phone numbers (10 or 11 digits, so not "0800 1111") and email addresses.

Where two rules match the same words, the more specific one is kept (a
labelled reference over a bare number, a school's name over a given name in
it), so findings never overlap.

Everything is plain ``re`` and string work: no network, no models. Every
pattern that starts with a repeat is anchored with a look-behind so a match can
only start where a word or number starts, and every inner repeat is bounded or
possessive, so the time taken grows in line with the length of the text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["KINDS", "Finding", "find_identifiers", "nhs_number_is_valid"]

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


# --- Messages (GOV.UK style: what was found, and what to do) --------------------------------

MSG_DOB = "This looks like a date of birth. Remove it, or give an age instead, such as ‘aged 7’."
MSG_DUE = (
    "This looks like a baby's due date. Remove it, or say roughly when, such as ‘due in the "
    "autumn’."
)
MSG_ADDRESS = (
    "This looks like a home address. Remove it, or describe the area in general terms instead."
)
MSG_POSTCODE = "This looks like a postcode. Remove it or use a general area instead."
MSG_NHS = "This looks like an NHS number. Remove it: an NHS number identifies one person."
MSG_CASE = (
    "This looks like a case or record reference. Remove it: anyone with access to the "
    "records could use it to find the family."
)
MSG_COURT = "This looks like a family court case number. Remove it: it identifies the case."
MSG_NINO = "This looks like a National Insurance number. Remove it: it identifies one person."
MSG_SCHOOL = (
    "This looks like the name of a school, nursery or college. Say ‘their school’ instead: "
    "a school's name can show where a child lives."
)
MSG_PHONE = "This looks like a phone number. Remove it before sharing."
MSG_EMAIL = "This looks like an email address. Remove it before sharing."
MSG_NAME_AGE = (
    "This looks like a child's name (next to their age). Use initials instead, such as ‘J (7)’."
)
MSG_NAME_COMMON = (
    "This looks like a person's name. If it's a child or family member, use initials or "
    "their role instead, such as ‘J’ or ‘the mother’."
)


def _msg_child(role: str) -> str:
    return (
        f"This looks like a child's name (after “{role}”). Use initials or a description "
        "instead, such as ‘J’ or ‘the child’."
    )


def _msg_family(role: str) -> str:
    return (
        f"This looks like a family member's name (after “{role}”). Use their role instead, "
        "such as ‘the mother’."
    )


def _msg_near(role: str) -> str:
    return (
        f"This looks like the name of a child or family member (next to “{role}”). Use "
        "initials or their role instead."
    )


def _msg_family_name(what: str) -> str:
    return (
        f"This looks like a family's surname (before “{what}”). Use a description instead, "
        "such as ‘the family’."
    )


def _msg_title(title: str) -> str:
    return (
        f"This looks like a person's name (after “{title}”). If it's a family member or "
        "carer, use their role instead, such as ‘the grandmother’."
    )


# --- Word lists ---------------------------------------------------------------------------------


def _words(block: str) -> frozenset[str]:
    return frozenset(block.lower().split())


_MONTHS = _words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec"""
)
_WEEKDAYS = _words(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur
    thurs fri sat sun"""
)

# Family and role words. Children first: a name after one of these is a child's.
_CHILD_ROLES = _words(
    """child children kid kids baby babies son sons daughter daughters brother brothers
    sister sisters sibling siblings half-brother half-sister stepson stepdaughter
    stepbrother stepsister step-son step-daughter step-brother step-sister grandson
    granddaughter grandchild grandchildren nephew niece girl girls boy boys toddler
    toddlers infant infants newborn teenager teen youngster yp cyp twin twins pupil
    eldest youngest oldest"""
)
_ADULT_ROLES = _words(
    """mother mothers mum mums mummy mam mom father fathers dad dads daddy stepfather
    stepmother stepdad stepmum step-father step-mother step-dad step-mum grandmother
    grandma granny gran nan nana nanna nanny grandfather grandad granddad grandpa
    grandparent grandparents great-grandmother great-grandfather uncle uncles aunt aunts
    auntie aunty cousin cousins carer carers boyfriend girlfriend partner ex-partner
    husband wife ex-husband ex-wife parent parents godmother godfather guardian"""
)
_ROLE_WORDS = _CHILD_ROLES | _ADULT_ROLES

# Capitalised words that are not names: sentence starters, months, social-work terms,
# roles and job titles, organisations and places. Compared in lower case.
_FUNCTION_WORDS = _words(
    """
    a an the this that these those her his their our my your its he she they we i it you
    him them us me who whom whose what which when where why how and but or so yet nor for
    if then than because although though while whilst after before since until unless as
    at by in on of to from with without within about above below into onto over under
    between through during across around against along among amongst behind beside
    besides beyond despite except like near off out outside inside past per plus towards
    upon via also however therefore meanwhile moreover furthermore nevertheless
    nonetheless otherwise instead still later earlier today tomorrow yesterday tonight now
    next last first second third fourth fifth finally initially afterwards afterward
    overall again already always never often sometimes usually perhaps maybe indeed only
    just even both each every either neither all any some many much most more few several
    other another such same no not yes please thanks thank here there everyone someone
    anyone nobody everybody somebody nothing something anything everything one two three
    four five six seven eight nine ten eleven twelve once twice soon whether whatever
    whenever wherever thus hence else ever very quite rather really actually clearly sadly
    thankfully hopefully unfortunately fortunately interestingly importantly similarly
    additionally consequently currently eventually recently previously subsequently
    ultimately specifically generally reflecting looking having being following given
    throughout regarding re ok okay hi hello dear regards best kind sorry well is was are
    were be been has have had do does did will would could should may might must can
    cannot shall said says told asked felt thought think know knew saw seen met went came
    got made took gave"""
)
_PLACES = _words(
    """
    london england britain wales scotland ireland europe africa asia uk westminster
    kensington hammersmith fulham camden islington hackney lambeth southwark lewisham
    greenwich tower hamlets newham barking dagenham havering redbridge waltham forest
    enfield haringey barnet harrow brent ealing hounslow hillingdon richmond kingston
    merton sutton croydon bromley bexley wandsworth manchester birmingham leeds liverpool
    bristol sheffield newcastle nottingham leicester coventry bradford kent surrey essex
    sussex hertfordshire norfolk suffolk devon cornwall yorkshire lancashire cumbria
    durham midlands eastmere northbrook southwick tri-borough romania poland somalia
    eritrea afghanistan syria ukraine nigeria ghana jamaica pakistan bangladesh turkey
    iran iraq sudan albania vietnam portugal spain italy france germany"""
)
_STOP = (
    _MONTHS
    | _WEEKDAYS
    | _ROLE_WORDS
    | _FUNCTION_WORDS
    | _PLACES
    | _words(
        """
    note notes update summary reflection reflections learning
    action actions outcome outcomes background context analysis question questions answer
    feedback comments comment observation session supervision key point points issue
    issues concern concerns strengths strength risks risk needs need voice view views
    wishes feelings hope hopes goal goals good great new old big small young little older younger
    eldest youngest oldest own birth biological maternal paternal extended wider whole
    day days week weeks month months year years morning afternoon evening night weekend
    term half christmas easter eid diwali ramadan hanukkah halloween spring summer autumn
    winter holiday holidays bank
    social care worker workers work working manager managers team teams practice
    supervisor educator officer officers lead head headteacher teacher teachers nurse
    nurses midwife midwives doctor doctors gp consultant paediatrician psychologist
    psychiatrist therapist therapists counsellor mentor assessor director directors
    assistant deputy principal senior advanced practitioner practitioners coordinator
    co-ordinator visitor visitors adviser advisor advisers solicitor solicitors barrister
    judge judges magistrate magistrates police constable sergeant inspector detective
    chair reviewing independent student students apprentice apprentices trainee trainees
    volunteer volunteers advocate advocates advocacy interpreter interpreters
    receptionist administrator admin duty caseworker keyworker personal youth family
    families support supported supporting outreach housing benefit benefits probation
    senco dsl educational speech language occupational clinician health mental staff
    colleague colleagues professional professionals agency agencies partner partners
    partnership partnerships network networks hub hubs forum programme project projects
    scheme framework model approach approaches systemic signs safety restorative graded
    profile tool toolkit genogram ecomap chronology chronologies record records recording
    system systems mosaic liquidlogic eclipse protocol act acts regulations guidance
    together legal gateway pre proceedings outline letter letters threshold public law
    private interim final hearing hearings court courts crown county order orders
    assessment assessments section strategy meeting meetings discussion discussions
    enquiry enquiries safeguarding protection plan plans conference conferences review
    reviews reviewed services service looked need early help around centre centres
    panel panels referral referrals contact contacts visit visits statutory initial core
    group groups board boards authority authorities council councils borough city local
    national government department education school schools academy nursery college
    university hospital hospitals clinic ward unit placement placements leaving leavers
    pathway passport allowance credit universal home homes residential fostering foster
    adoption adoptive adopted kinship special guardianship secure missing return
    interview exploitation exploited sexual criminal domestic abuse violence neglect
    harm significant gang gangs lines trafficking modern slavery prevent channel asylum
    seeking unaccompanied refugee refugees office immigration offending justice crime
    minded development developmental disability disabilities autism adhd sen send ehcp
    plan camhs emotional physical wellbeing behaviour attendance exclusion
    attachment trauma therapy play direct parenting parental capacity resilience
    maintenance arrangements payment payments trust foundation charity charities
    ofsted cafcass barnardo barnardos coram nspcc childline frontline step up ahead teach
    ilacs jtai mash edge transition transitions pledge covenant participation
    consultation audit audits data quality performance inspection inspections
    english arabic polish romanian somali urdu bengali portuguese spanish french turkish
    kurdish farsi dari pashto tigrinya amharic albanian punjabi gujarati tamil chinese
    mandarin cantonese russian ukrainian lithuanian latvian bulgarian italian german
    muslim christian catholic jewish hindu sikh buddhist british black white asian mixed
    irish traveller travellers gypsy roma european african caribbean eritrean afghan
    syrian sudanese iraqi iranian kurdish nigerian ghanaian jamaican indian pakistani
    bangladeshi vietnamese brazilian hungarian czech slovak moroccan algerian ethiopian
    yemeni filipino lankan scottish welsh orthodox congolese somalian libyan egyptian
    kosovan serbian croatian bosnian greek cypriot japanese korean reception loss awareness
    street road avenue lane close court house estate park square station town hall
    minecraft fortnite tiktok instagram snapchat facebook whatsapp youtube
    xbox playstation google teams zoom
    """
    )
)

# Given names common in England across ages and communities, that are rarely anything
# else. Names that are also everyday words or places (Grace, Hope, Will, Mark, Jordan,
# Chelsea, India, Amber) are left out: they are only found next to a role or an age.
_COMMON_NAMES = _words(
    """
    oliver harry george noah jack leo arthur muhammad mohammed mohammad mohamed ahmed ali
    omar yusuf ibrahim hamza adam oscar charlie jacob thomas james william joshua alfie
    freddie archie henry theo theodore isaac lucas ethan finley logan mason riley dylan
    tyler kai jayden kayden liam callum connor kieran ryan luke daniel samuel benjamin
    joseph alexander jamie lewis reece rhys aaron bradley brandon jake nathan owen tom
    ben danny darren wayne shane craig gary kevin paul steven stephen michael david john
    peter andrew richard robert christopher anthony matthew jason jamal tyrone marcus
    kyle reggie ronnie stanley albert louis louie kian ezra zayn ayaan rayan musa
    harvey jenson jaxon jayson ashton kacper jakub szymon andrei alexandru ionut mateusz
    olivia amelia isla ava mia ivy lily isabella sophia sophie freya emily ella evie
    poppy ruby rosie millie daisy phoebe chloe jessica charlotte hannah lauren megan
    bethany courtney jade kayleigh shannon stacey leanne kerry tracy tracey sharon karen
    donna michelle nicola lisa sarah emma rebecca laura amy rachel claire clare gemma
    natalie samantha katie kelly zoe leah aisha fatima maryam amira zainab hafsa ayesha
    layla nadia chantelle tia tiana keira kayla maisie ellie holly abigail alice elsie
    matilda sienna esme harper aria eva niamh siobhan aoife ciara mary margaret susan
    julie joanne kirsty hayley jodie danielle demi paige oliwia zuzanna ioana elena
    shanice jasmine yasmin precious destiny kacey lacey tianna leighton kayden
    """
)

# Stop words that are also given names: a name only right next to a role word or an age
# ("Summer, the youngest"), and not after "this", "in", "the" and the like.
_WORD_NAMES = _words("summer autumn hope faith")
# Given names that are also places or words: a name unless after "in", "from", "the" ...
_GUARDED_NAMES = _words("grace jordan chelsea india georgia florence")
_GUARDS = _words(
    """in from to via at near across through around of the a an visit visited visiting fled
    left by"""
)

# Multi-word phrases that contain name-like words but are not a person's name.
_NOT_A_NAME = re.compile(
    r"Kensington\s+(?:and|&)\s+Chelsea|Chelsea\s+(?:and|&)\s+Westminster"
    r"|(?:Clare|Sarah)['’]s\s+Law|Baby\s+P\b|Victoria\s+Climbi[ée]|Peter\s+Connelly"
    r"|Daniel\s+Pelka|Arthur\s+Labinjo-Hughes|Star\s+Hobson|Logan\s+Mwangi|Finley\s+Boden"
    r"|Khyra\s+Ishaq|(?<![\w.])St\.?\s+\w+|Saint\s+\w+|Queen\s+\w+|King\s+\w+"
    r"|Prince(?:ss)?\s+\w+|Duke\s+of\s+\w+",
)

# Words after a name that make it a place, an organisation or an event ("Thomas Coram
# Centre", "Baby Loss Awareness Week").
_ORG_AFTER = _words(
    """hospital house centre center road street lane avenue close court school primary
    academy college nursery trust foundation unit ward park square estate library church
    mosque temple gurdwara synagogue hall hub clinic surgery practice building tower
    gardens place way drive grove terrace crescent mews week day month group project
    service services team plan bank fund scheme programme network awareness campaign
    appeal club cafe café festival fair award awards act law review charity partnership
    board forum"""
)

# --- Shared pieces ----------------------------------------------------------------------------

_L = r"[^\W\d_]"  # one letter, in any alphabet
_WORD = rf"{_L}++(?:['’\-]{_L}++)*"  # "Lily-Mae", "O'Neill", "Kerry's"
_START = r"(?<![\w'’\-])"  # only where a word starts
_RUN = rf"{_START}{_WORD}(?:[ ]{_WORD}){{0,2}}"  # up to three words: "Darren Lee Whitfield"

_ADVERB_ENDINGS = (
    "ally", "ately", "ently", "antly", "ously", "ively", "fully", "ably", "ibly", "ingly",
    "edly", "ictly", "ectly", "ually", "tely",
)  # fmt: skip


def _strip_possessive(word: str) -> str:
    return word[:-2] if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS" else word


def _is_name_word(word: str, strong: bool = False) -> bool:
    """A capitalised word that could be someone's name: not a stop word, not initials.

    ``strong``: the word is right next to a role word or an age, so a stop word that is
    also a given name ("Summer") counts.
    """
    base = _strip_possessive(word)
    if len(base) < 2 or not base[0].isupper() or base.isupper():
        return False
    low = base.lower()
    if strong and low in _WORD_NAMES:
        return True
    if low in _STOP or (low.endswith("s") and low[:-1] in _STOP):
        return False
    if len(low) >= 6 and low.endswith(_ADVERB_ENDINGS):
        return False
    return not low.endswith("ing") or len(low) < 6


def _word_spans(run: str, offset: int) -> list[tuple[int, int, str]]:
    return [(offset + m.start(), offset + m.end(), m.group()) for m in re.finditer(_WORD, run)]


def _next_word(text: str, end: int) -> re.Match[str] | None:
    """The word after a single space at ``end``."""
    return _ANY_WORD.match(text, end + 1) if text[end : end + 1] == " " else None


def _leading_name(text: str, pos: int, strong: bool = True) -> tuple[int, int] | None:
    """Up to three name words starting at ``pos`` (a possessive ends them), as a span.

    None if there are none, or if the words run on into a place, organisation or event
    ("Baby Loss Awareness Week"): that is a title, not a name.
    """
    spans: list[tuple[int, int]] = []
    m = _ANY_WORD.match(text, pos)
    while m and len(spans) < 3 and _is_name_word(m.group(), strong):
        base = _strip_possessive(m.group())
        spans.append((m.start(), m.start() + len(base)))
        if base != m.group():
            break
        m = _next_word(text, m.end())
    if not spans:
        return None
    after = _next_word(text, spans[-1][1])
    if after and after.group().lower() in _ORG_AFTER:
        return None
    return spans[0][0], spans[-1][1]


def _trailing_name(run: str, offset: int, strong: bool = True) -> tuple[int, int] | None:
    """The longest run of name words at the end of ``run``."""
    spans = []
    for start, _end, word in reversed(_word_spans(run, offset)):
        base = _strip_possessive(word)
        if not _is_name_word(word, strong) or (spans and base != word):
            break
        spans.append((start, start + len(base)))
    return (spans[-1][0], spans[0][1]) if spans else None


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    kind: str
    message: str
    rank: int  # higher wins an overlap: the more specific, labelled rule


# --- Email and phone ----------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]++@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+"
)


def _emails(text: str) -> Iterator[_Candidate]:
    for m in _EMAIL.finditer(text):
        tld = m.group().rsplit(".", 1)[-1]
        if tld.isalpha() and len(tld) >= 2:
            yield _Candidate(m.start(), m.end(), "email", MSG_EMAIL, 100)


# A "0" or "+44" and 9 to 12 more digits, single spaces, hyphens or a ")" between them.
_PHONE = re.compile(
    r"(?<![\w+/.\-])(?P<prefix>\+44[ ]?(?:\(0\)[ ]?)?|\(0|0)"
    r"(?P<rest>\d(?:(?:[ \-]|\)[ ]?)?\d){8,11})(?![\d])"
)
_PHONE_SPLIT = re.compile(r"[ \-)]+")


def _phones(text: str) -> Iterator[_Candidate]:
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
            yield _Candidate(m.start(), end, "phone", MSG_PHONE, 75)


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


def _nhs_numbers(text: str) -> Iterator[_Candidate]:
    for m in _NHS_LABELLED.finditer(text):
        yield _Candidate(m.start("value"), m.end("value"), "nhs_number", MSG_NHS, 85)
    for m in _NHS.finditer(text):
        digits = m.group(1) + m.group(3) + m.group(4)
        if digits[0] != "0" and len(set(digits)) > 1 and nhs_number_is_valid(digits):
            yield _Candidate(m.start(), m.end(), "nhs_number", MSG_NHS, 70)


# --- Postcodes ----------------------------------------------------------------------------------

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?P<out>[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)[ ]?"
    r"(?P<in>\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"1st|2nd|3rd|\dth")


def _postcodes(text: str) -> Iterator[_Candidate]:
    for m in _POSTCODE.finditer(text):
        code = m.group()
        if code.isupper() or (code.islower() and not _ORDINAL.fullmatch(m.group("in"))):
            yield _Candidate(m.start(), m.end(), "postcode", MSG_POSTCODE, 65)


# --- Dates of birth -----------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
_NUMERIC_DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?![\d])|\d{4}-\d{1,2}-\d{1,2}(?![\d])"
_FULL_DATE = (
    rf"(?:{_NUMERIC_DATE}"
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


def _dates_of_birth(text: str) -> Iterator[_Candidate]:
    for m in _DOB_LABEL.finditer(text):
        message = MSG_DUE if m.group("due") else MSG_DOB
        yield _Candidate(m.start("date"), m.end("date"), "date_of_birth", message, 90)
    for m in _BORN.finditer(text):
        yield _Candidate(m.start("date"), m.end("date"), "date_of_birth", MSG_DOB, 90)


# --- Case-system references ---------------------------------------------------------------------

_CASE_LABELLED = re.compile(
    r"""(?=\w)(?<![\w])
    (?:
        (?:case|child|client|person|family|referral|file|record|court|cp|cin|lac|yp)
            [ \t]*(?:ref(?:erence)?|id|number|no|num|\#)
      | (?:mosaic|lcs|eclipse|liquid[ ]?logic|care[ ]?first|paris|swift|frameworki|azeus|ics
           |upn|urn|uln)(?:[ \t]*(?:ref(?:erence)?|id|number|no|num|\#))?
      | ref(?:erence)?(?:[ \t]*(?:number|no|num))?
      | id(?:[ \t]*(?:number|no|num))?
    )
    \.?[ \t]*(?:is[ \t]+|was[ \t]+)?[:\#=\-–]?[ \t]*
    (?P<value>(?:[a-z]{1,4}[\-/]?)?\d[\d/\-]{0,20}+[a-z]?)(?![\w])
    """,
    re.IGNORECASE | re.VERBOSE,
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


def _case_ids(text: str) -> Iterator[_Candidate]:
    for m in _CASE_LABELLED.finditer(text):
        value = m.group("value").rstrip("/-")
        digits = sum(c.isdigit() for c in value)
        if digits >= 4 and not _YEAR.fullmatch(value):
            start = m.start("value")
            yield _Candidate(start, start + len(value), "case_id", MSG_CASE, 80)
    for m in _CASE_CODE.finditer(text):
        yield _Candidate(m.start(), m.end(), "case_id", MSG_CASE, 60)
    for m in _COURT_NUMBER.finditer(text):
        yield _Candidate(m.start(), m.end(), "case_id", MSG_COURT, 60)
    for m in _NINO.finditer(text):
        yield _Candidate(m.start(), m.end(), "case_id", MSG_NINO, 60)


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
# "2 Family Court hearings", "4 March House" are not addresses.
_COURT_TYPES = _words("family crown county youth magistrates magistrates' high supreme appeal")
_NOT_STREET = _MONTHS | _WEEKDAYS | _words("section year years weeks months days times visits")


# A named block of flats with no number, where the words around it say it is a home:
# "on the fourth floor of Pevensey House", "she lives at Alder Court".
_NAMED_BLOCK = re.compile(
    r"(?=\w)(?<![\w])(?i:(?:floor|block|flat|flats|landing)[ ]+(?:of|in|at)"
    r"|(?:lives?|living|staying|stays|moved|moving|rehoused|placed)[ ]+(?:in|at|to|into)"
    r"(?:[ ]+a[ ]+flat[ ]+(?:in|at))?)[ ]+"
    rf"(?P<block>{_STREET_NAME_WORD}(?:[ ]+{_STREET_NAME_WORD})?[ ]+"
    r"(?:House|Tower|Court|Mansions|Heights|Buildings|Lodge))(?![\w'’])"
)


def _addresses(text: str) -> Iterator[_Candidate]:
    for m in _NAMED_BLOCK.finditer(text):
        words = m.group("block").split()[:-1]
        if not any(w.lower() in _STOP for w in words):
            yield _Candidate(m.start("block"), m.end("block"), "address", MSG_ADDRESS, 50)
    for m in _ADDRESS.finditer(text):
        street = m.group("street").lower().split()
        if any(word in _NOT_STREET for word in street):
            continue
        if m.group("suffix") == "Court" and street[-1] in _COURT_TYPES:
            continue
        yield _Candidate(m.start(), m.end(), "address", MSG_ADDRESS, 50)


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
# Words that may be part of a school's name but do not name one on their own.
_SCHOOL_MODIFIERS = _words(
    """c e of ce rc c.e. r.c. cofe church england catholic roman methodist jewish islamic
    muslim sikh hindu christian community foundation free primary secondary junior infant
    infants high middle first upper lower nursery day special st st. saint va vc
    voluntary aided controlled girls boys girls' boys' prep preparatory grammar and &
    the"""
)
# Words that end a school's name, reading backwards ("attends the Oakfield Primary").
_SCHOOL_STOP = (
    _MONTHS
    | _WEEKDAYS
    | _ROLE_WORDS
    | (_FUNCTION_WORDS - _SCHOOL_MODIFIERS)
    | _words(
        """attends attended attending joined left starts started moved local new
    current previous old former same other another each every which what whose any some
    mainstream virtual forest sunday summer night home boarding private state independent
    faith alternative provision year years reception key stage designated safeguarding
    lead head headteacher teacher teachers staff senco dsl police social work worker
    practice learning leadership teaching frontline step up think ahead football music
    dance drama art sports driving language english maths science family families
    parenting parents mum's dad's when while whilst after before since until if because
    so but i we she he they it you also then now today yesterday christmas easter term
    holiday holidays early further education higher fe royal national open sure start
    ofsted outstanding good requires improvement inadequate local hospital"""
    )
)


def _previous_word(text: str, pos: int) -> tuple[int, int] | None:
    """The word before a single space at ``pos - 1``, as (start, end)."""
    if pos < 2 or text[pos - 1] != " " or text[pos - 2].isspace():
        return None
    end = start = pos - 1
    while start > 0 and not text[start - 1].isspace() and end - start < 40:
        start -= 1
    return start, end


def _schools(text: str) -> Iterator[_Candidate]:
    for m in _SCHOOL_END.finditer(text):
        kept: list[tuple[int, str]] = []  # (start, word), reading backwards
        pos = m.start()
        for _ in range(7):
            span = _previous_word(text, pos)
            if span is None:
                break
            word = text[span[0] : span[1]]
            low = word.lower()
            if low in ("of", "and", "&", "the") and kept:
                pass
            elif not word[0].isupper() or low in _SCHOOL_STOP:
                if low == "our" and kept and kept[-1][1] == "Lady":
                    kept.append((span[0], word))
                break
            elif word[-1] in ',;:!?)("“”' or (word.endswith(".") and low not in _SCHOOL_MODIFIERS):
                break
            kept.append((span[0], word))
            pos = span[0]
        while kept and kept[-1][1].lower() in ("of", "and", "&", "the"):
            kept.pop()
        distinctive = [w for _, w in kept if w.lower() not in _SCHOOL_MODIFIERS and len(w) > 1]
        if distinctive:
            yield _Candidate(kept[-1][0], m.end(), "school", MSG_SCHOOL, 45)


# --- Names --------------------------------------------------------------------------------------


def _role_pattern(words: Iterable[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\-", r"[\-]?") for w in ordered)


_ROLE = (
    r"(?i:foster[ \-]+(?:carers?|mum|mother|dad|father|parents?)|kinship[ \-]+carers?"
    r"|special[ ]+guardians?|young[ \-]+(?:person|people|carer)"
    r"|\d{1,2}[ \-](?:year|month|week)s?[ \-]old"
    rf"|{_role_pattern(_ROLE_WORDS)})(?![\w'’\-])"
)
# A role word, then the name: "the mother, Sarah", "her son Jamie", "Mum (Kerry)".
_ROLE_THEN_NAME = re.compile(
    rf"(?=\w){_START}(?P<role>{_ROLE})[ ]*(?:[,:(–—\-][ ]*)?[*_]{{0,2}}"
    r"(?:(?i:called|named|nicknamed|known(?:[ ]+[a-z]+){0,2}[ ]+as|whose[ ]name[ ]is"
    r"|is[ ]called|goes[ ]by)[ ]+)?"
)
_BEFORE_ROLE_ADJ = (
    r"(?:(?:little|baby|older|younger|eldest|youngest|oldest|new|twin|unborn|other|two|three"
    r"|four|birth|biological|own|half|ex|main|current|former)[ ]+){0,2}"
)
# The name, then the role: "Kerry's daughter", "Kerry, the mother", "Kerry and her son".
_NAME_THEN_ROLE = re.compile(
    rf"(?P<name>{_RUN})(?:(?P<poss>['’]s)[ ]+|(?P<comma>,)[ ]+(?i:(?:the|her|his|their|our"
    rf"|a|an|my)[ ]+)?|[ ]+(?i:and[ ]+(?:her|his|their))[ ]+){_BEFORE_ROLE_ADJ}"
    rf"(?=(?P<role>{_ROLE}))"
)
# A surname as the family's name: "the Brennan family", "the Jones children".
_FAMILY_NAME = re.compile(
    rf"{_START}(?i:the)[ ]+(?P<name>{_WORD}(?:[ ]{_WORD})?)[ ]+(?P<what>(?i:family|families"
    r"|children|household|siblings|boys|girls|twins|kids|brothers|sisters|parents"
    r"|grandparents))(?![\w'’\-])"
)
_PLACE_PREPOSITIONS = _words("at in near across within around throughout")
_AGE_UNIT = r"(?:years?[ ]old|years?|yrs?|y/?o|months?|mths?|mos?|weeks?|wks?|y|m|w)"
_DOB_IN_BRACKETS = rf"\([ ]*(?i:(?:dob|d\.o\.b\.?|born)[: ]*)?(?P<date>{_NUMERIC_DATE})[ ]*\)"
# The name, then an age: "Jamie (7)", "Tyler, aged 6", "Ellie, 4,", "Jamie (12/03/2015)".
_NAME_THEN_AGE = re.compile(
    rf"(?P<name>{_RUN})(?:[ ]*\([ ]*(?i:aged?[ ]*)?\d{{1,2}}[ ]*(?i:{_AGE_UNIT})?[ ]*\)"
    rf"|,?[ ]+(?i:aged?|who[ ]is)[ ]+\d{{1,2}}(?![\d])"
    rf"|,[ ]*(?P<bare>\d{{1,2}})(?:[ ]*(?i:{_AGE_UNIT}))?[ ]*(?:[,;)]|[ ]+and\b)"
    rf"|[ ]*{_DOB_IN_BRACKETS})"
)
_TITLE = re.compile(rf"{_START}(?P<title>Mr|Mrs|Ms|Miss|Mx)\.?[ ]+")
_MENTION = re.compile(rf"(?<![\w.])@{_WORD}(?:[ ](?=[A-Z]){_WORD}){{0,2}}")
_ANY_WORD = re.compile(rf"{_START}{_WORD}")
# A school named after a saint, without "School": "she goes to St John's".
_SAINT_SCHOOL = re.compile(
    r"(?=\w)(?<![\w])(?i:attends|attended|attending|goes[ ]to|went[ ]to|going[ ]to|started[ ]at"
    r"|starts[ ]at|excluded[ ]from|moved[ ]to|a[ ]place[ ]at|pupil[ ]at|year[ ]\d{1,2}[ ]at)"
    r"[ ]+(?P<school>(?:St\.?|Saint)[ ]+[A-Z][a-z]+(?:['’]s?)?(?:[ ][A-Z][a-z]+)?)"
)


def _role_message(role: str) -> str:
    low = role.lower()
    shown = " ".join(role.split())
    if low[0].isdigit() or low.replace("-", "") in {r.replace("-", "") for r in _CHILD_ROLES}:
        return _msg_child(shown)
    if low.startswith("young"):
        return _msg_child(shown)
    return _msg_family(shown)


def _after_function_word(text: str, start: int, words: frozenset[str]) -> bool:
    before = _previous_word(text, start)
    return bool(before) and text[before[0] : before[1]].lower() in words


def _word_name_ok(text: str, span: tuple[int, int]) -> bool:
    """A stop word that is also a name ("Summer") counts, but not "this Summer"."""
    first = _ANY_WORD.match(text, span[0])
    if first and _strip_possessive(first.group()).lower() in _WORD_NAMES:
        return not _after_function_word(text, span[0], _FUNCTION_WORDS)
    return True


def _names(text: str) -> Iterator[_Candidate]:
    for m in _ROLE_THEN_NAME.finditer(text):
        span = _leading_name(text, m.end())
        if span and _word_name_ok(text, span):
            yield _Candidate(*span, "name", _role_message(m.group("role")), 30)
    for m in _NAME_THEN_ROLE.finditer(text):
        span = _trailing_name(m.group("name"), m.start("name"))
        if span is None or span[1] != m.end("name") or not _word_name_ok(text, span):
            continue
        if m.group("comma") and _after_function_word(text, span[0], _PLACE_PREPOSITIONS):
            continue  # "At Oakfield, the children ..." is a place
        yield _Candidate(*span, "name", _msg_near(" ".join(m.group("role").split())), 30)
    for m in _FAMILY_NAME.finditer(text):
        span = _leading_name(text, m.start("name"), strong=False)
        if span == m.span("name"):
            what = m.group("what").lower()
            yield _Candidate(*span, "name", _msg_family_name(what), 30)
    for m in _NAME_THEN_AGE.finditer(text):
        span = _trailing_name(m.group("name"), m.start("name"))
        if span is None or span[1] != m.end("name") or not _word_name_ok(text, span):
            continue
        if m.group("bare") and int(m.group("bare")) > 18:
            continue
        yield _Candidate(*span, "name", MSG_NAME_AGE, 30)
        if m.group("date"):
            yield _Candidate(m.start("date"), m.end("date"), "date_of_birth", MSG_DOB, 90)
    for m in _TITLE.finditer(text):
        span = _leading_name(text, m.end(), strong=False)
        if span:
            yield _Candidate(m.start(), span[1], "name", _msg_title(m.group("title")), 28)
    for m in _ANY_WORD.finditer(text):
        word = m.group()
        base = _strip_possessive(word)
        low = base.lower()
        if not base[0].isupper() or base.isupper():
            continue
        if low not in _COMMON_NAMES and (
            low not in _GUARDED_NAMES or _after_function_word(text, m.start(), _GUARDS)
        ):
            continue
        end = m.start() + len(base)
        following = _next_word(text, end)
        if following and following.group().lower() in _ORG_AFTER:
            continue
        if base == word and following and _is_name_word(following.group()):
            after = _next_word(text, following.end())
            if not (after and after.group().lower() in _ORG_AFTER):
                end = following.start() + len(_strip_possessive(following.group()))
        yield _Candidate(m.start(), end, "name", MSG_NAME_COMMON, 25)


def _saint_schools(text: str) -> Iterator[_Candidate]:
    for m in _SAINT_SCHOOL.finditer(text):
        yield _Candidate(m.start("school"), m.end("school"), "school", MSG_SCHOOL, 44)


def _not_names(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _NOT_A_NAME.finditer(text)]
    spans += [m.span() for m in _MENTION.finditer(text)]  # "@Tom Okafor": a portal user
    return spans


# --- Putting it together ------------------------------------------------------------------------

_DETECTORS = (
    _emails,
    _phones,
    _nhs_numbers,
    _postcodes,
    _dates_of_birth,
    _case_ids,
    _addresses,
    _schools,
    _saint_schools,
)


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, non-overlapping spans."""
    i = bisect.bisect_right(starts, start)
    return (i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end)


def find_identifiers(text: str) -> list[Finding]:
    """Details in ``text`` that could identify a child or family, in order.

    Findings never overlap: where two rules match the same words, the more specific
    (labelled, checked) one is kept, then the longer.
    """
    if not text:
        return []
    candidates = [c for detect in _DETECTORS for c in detect(text)]
    blocked = bytearray(len(text))
    for start, end in _not_names(text):
        blocked[start:end] = b"\x01" * (end - start)
    candidates += [c for c in _names(text) if 1 not in blocked[c.start : c.end]]
    starts: list[int] = []
    ends: list[int] = []
    kept: list[_Candidate] = []
    for c in sorted(candidates, key=lambda c: (-c.rank, c.start - c.end, c.start)):
        if c.end > c.start and not _overlaps(starts, ends, c.start, c.end):
            i = bisect.bisect_right(starts, c.start)
            starts.insert(i, c.start)
            ends.insert(i, c.end)
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return [Finding(c.kind, c.start, c.end, text[c.start : c.end], c.message) for c in kept]
