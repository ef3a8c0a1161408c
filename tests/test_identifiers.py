"""Tests for ``portal.identifiers``: details that could identify a child or family.

The module is pure (no database, no network), so these tests replace the suite's
autouse ``db`` fixture. Three layers:

- the labelled set (``tests/data/identifier_examples.jsonl``), measured with
  ``bench.identifiers.measure``: overall precision and recall at the example level;
- each rule on a few sentences, with exact kinds, offsets and text;
- properties: findings slice back to the text, are sorted and never overlap, and
  random or adversarial text (20,000 characters) never crashes or hangs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.identifiers import load_examples, measure
from portal.identifiers import KINDS, Finding, find_identifiers, nhs_number_is_valid


@pytest.fixture(autouse=True)
def db():
    """These tests need no database: replace the suite's autouse ``db`` fixture."""
    yield None


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_identifiers(text)]


def kinds(text: str) -> set[str]:
    return {f.kind for f in find_identifiers(text)}


def assert_well_formed(text: str, findings: list[Finding]) -> None:
    last_end = 0
    for f in findings:
        assert f.kind in KINDS
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.text
        assert f.start >= last_end, "findings must be sorted and must not overlap"
        assert f.message
        last_end = f.end


# --- The labelled set ---------------------------------------------------------------------------


def test_labelled_set_precision_and_recall():
    examples = load_examples()
    assert len(examples) >= 120
    assert sum(1 for e in examples if not e.kinds) >= 60, "plenty of clean writing"
    assert {k for e in examples for k in e.kinds} == set(KINDS), "every kind is exercised"
    report = measure(examples)
    print("\n" + report.format())
    # Measured on 383 examples (182 with identifiers, 201 clean): precision 0.995, recall
    # 1.000 at the example level; the one false positive is a colleague's first name ("My
    # manager Sarah"). The set was written in three batches; before tuning, the two later
    # (held-out) batches measured precision 0.976 / recall 0.820 (100 examples) and 1.000 /
    # 0.967 (60 examples): expect real text to do worse than this set, mostly on names.
    assert report.precision >= 0.90, report.misses()
    assert report.recall >= 0.95, report.misses()


# --- Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I visited the mother, Sarah, at home.", "Sarah"),
        ("Her son Jamie has not been to school.", "Jamie"),
        ("Jamie (7) was quiet throughout.", "Jamie"),
        ("Mum (Kerry) explained the boiler was broken.", "Kerry"),
        ("Kerry's daughter was upset.", "Kerry"),
        ("Tyler, aged 6, drew his family.", "Tyler"),
        ("The father, Darren Whitfield, did not attend.", "Darren Whitfield"),
        ("Kerry, the mother, said she was frightened.", "Kerry"),
        ("Leanne and her partner have separated.", "Leanne"),
        ("The 3-year-old, Lily-Mae, clung to her carer.", "Lily-Mae"),
        ("Mrs Okonkwo came to the meeting.", "Mrs Okonkwo"),
        ("We visited the Brennan family on Monday.", "Brennan"),
        ("Summer, the youngest, asked to stay.", "Summer"),
        ("Mum's boyfriend, known locally as Bones, has links to a gang.", "Bones"),
        ("I asked Jayden what he wanted to happen next.", "Jayden"),
    ],
)
def test_names_next_to_roles_ages_and_titles(text, name):
    assert found(text) == [("name", name)]
    finding = find_identifiers(text)[0]
    assert finding.start == text.index(name) and finding.end == text.index(name) + len(name)


def test_name_message_says_which_word_it_followed():
    (finding,) = find_identifiers("Her son Jamie has not been to school.")
    assert "child's name" in finding.message and "“son”" in finding.message
    (finding,) = find_identifiers("I spoke to the mother, Sarah.")
    assert "family member's name" in finding.message and "“mother”" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "The child J.S. was seen alone.",
        "J told me he feels safest at his nan's house.",
        "The mother, J, asked for the minutes in Portuguese.",
        "Mum (K) said she felt judged.",
        "The children, A and B, are placed together.",
        "The mother told me she had not slept since the Section 47 began.",
        "We held a Team Around the Family meeting with both parents.",
        "The child Protection Plan ended in May.",
        "However, the mother was clear about what she wanted.",
        "At Eastmere, the children's services front door is busy.",
        "Kensington and Chelsea share a Front Door with Westminster.",
        "We shared information under Clare's Law.",
        "Baby Loss Awareness Week made me think about one family.",
        "Father Christmas visited the contact centre.",
        "This helped. @Ama Boateng and @Tom Okafor, worth a read.",
        "@Jack Whitfield look",
        "The Virtual School Head joined the PEP meeting.",
        "Mum (32) and Dad (35) are both out of work.",
    ],
)
def test_initials_roles_and_ordinary_capitalised_words_are_not_names(text):
    assert found(text) == []


# --- Dates of birth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("DOB 12/03/2015 - check the chronology.", "12/03/2015"),
        ("The child (d.o.b. 03.11.2019) was not brought.", "03.11.2019"),
        ("She was born on 3 March 2016 in Eastmere.", "3 March 2016"),
        ("Born 2016-03-03, he is the youngest.", "2016-03-03"),
        ("Date of birth: 21st June 2012.", "21st June 2012"),
        ("He was born in April 2014.", "April 2014"),
        ("EDD 02/09/2025; conference booked.", "02/09/2025"),
        ("The baby is due on 14 October 2025.", "14 October 2025"),
    ],
)
def test_labelled_dates_of_birth(text, date):
    assert found(text) == [("date_of_birth", date)]


def test_a_date_in_brackets_after_a_name_is_a_date_of_birth():
    text = "Jamie (12/03/2015) lives with his nan."
    assert found(text) == [("name", "Jamie"), ("date_of_birth", "12/03/2015")]
    assert [f.start for f in find_identifiers(text)] == [0, 7]


@pytest.mark.parametrize(
    "text",
    [
        "On 12 March we met at the children's centre.",
        "The ICPC on 4 March 2024 was the third in two years.",
        "The ICPC is on 12/05/2025 at 10am.",
        "The baby was born in 2019, just before lockdown.",
        "The baby is due in the spring.",
        "The baby was born early and on 12 March 2024 the ICPC met.",
    ],
)
def test_bare_dates_are_not_dates_of_birth(text):
    assert "date_of_birth" not in kinds(text)


# --- Addresses and postcodes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("The family moved to 14 Hornton Road last week.", "14 Hornton Road"),
        ("I visited Flat 4, Alder Court, on Tuesday.", "Flat 4, Alder Court"),
        ("They live at 27b Mortlake Avenue.", "27b Mortlake Avenue"),
        ("The property at 45-47 Cedar Crescent is damp.", "45-47 Cedar Crescent"),
        ("He has a room at Flat 3, 19 Ashby Street.", "Flat 3, 19 Ashby Street"),
        ("Grandad lives at 2 The Crescent.", "2 The Crescent"),
        ("The flat is on the fourth floor of Pevensey House.", "Pevensey House"),
    ],
)
def test_addresses(text, address):
    assert found(text) == [("address", address)]


@pytest.mark.parametrize(
    "text",
    [
        "There were 2 Family Court hearings in March.",
        "3 children in the household are on a Child Protection Plan.",
        "The Section 47 on 4 March Court was adjourned.",
        "We met at the family centre on Church Street.",
    ],
)
def test_numbers_before_capitalised_words_are_not_addresses(text):
    assert "address" not in kinds(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("They were rehoused to W9 3QZ.", "W9 3QZ"),
        ("Somewhere in SE15 4RJ.", "SE15 4RJ"),
        ("The postcode e14 3tp is wrong.", "e14 3tp"),
        ("She gave NW107QL when asked.", "NW107QL"),
        ("A flat in SW1A 1AA.", "SW1A 1AA"),
    ],
)
def test_full_postcodes(text, code):
    assert found(text) == [("postcode", code)]


@pytest.mark.parametrize(
    "text",
    ["They live in W8, near the high street.", "Meet at the SE1 office.", "in Y6 2nd term"],
)
def test_districts_and_ordinals_are_not_postcodes(text):
    assert found(text) == []


def test_address_and_postcode_together():
    text = "The mother, Kerry Smith, lives at 14 Elm Road, W8 7NX."
    findings = find_identifiers(text)
    assert [(f.kind, f.start, f.end) for f in findings] == [
        ("name", 12, 23),
        ("address", 34, 45),
        ("postcode", 47, 53),
    ]
    assert findings[2].message == (
        "This looks like a postcode. Remove it or use a general area instead."
    )


# --- NHS numbers and case references --------------------------------------------------------


def test_nhs_check_digit():
    assert nhs_number_is_valid("4010232137")
    assert nhs_number_is_valid("5738563913")
    assert not nhs_number_is_valid("4010232138")
    assert not nhs_number_is_valid("1234567890")
    assert not nhs_number_is_valid("12345")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("I found 573 856 3913 on the old referral.", "573 856 3913"),
        ("The record lists 480-986-5347 for the baby.", "480-986-5347"),
        ("Listed as 4010232137 in the letter.", "4010232137"),
        ("NHS number 485 777 3456 is on the form.", "485 777 3456"),  # labelled: no check
        ("Her NHS no: 4857773456.", "4857773456"),
    ],
)
def test_nhs_numbers(text, number):
    assert found(text) == [("nhs_number", number)]


def test_ten_digits_failing_the_check_are_not_nhs_numbers():
    assert found("The total was 485 777 3456 across the year.") == []
    assert found("Ten ones 1111111111 and zeros 0000000000.") == []


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("Case ref 123456 has the chronology.", "123456"),
        ("Mosaic ID 1234567 - the assessment.", "1234567"),
        ("See LCS 98765 for the notes.", "98765"),
        ("For the panel, child ref: AB12345 is older.", "AB12345"),
        ("The file (ID: 556677) shows referrals.", "556677"),
        ("Case number 2023/04417 was closed.", "2023/04417"),
        ("Please look at CHI-204518 first.", "CHI-204518"),
        ("Saved as CP-2024-0117 on the drive.", "CP-2024-0117"),
        ("The court case number is ZW24C00871.", "ZW24C00871"),
        ("Her NI number, JT 48 21 93 B, was on the letter.", "JT 48 21 93 B"),
    ],
)
def test_case_references(text, ref):
    assert found(text) == [("case_id", ref)]


@pytest.mark.parametrize(
    "text",
    [
        "Case ref numbers must never be shared.",
        "I recorded each one on Mosaic within 24 hours.",
        "The Section 47 and s.17 guidance, PLO and ICPC.",
        "Working Together 2023 and the 2019 guidance.",
        "COVID-19 changed how we visit.",
        "Mosaic 2024 upgrade notes.",
    ],
)
def test_ordinary_numbers_are_not_case_references(text):
    assert found(text) == []


# --- Schools ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "school"),
    [
        ("He attends Oakfield Primary School.", "Oakfield Primary School"),
        ("A place at St Mary's C of E Primary from September.", "St Mary's C of E Primary"),
        ("Excluded from Riverside Academy in Year 9.", "Riverside Academy"),
        ("The DSL at Hollybrook High School called.", "Hollybrook High School"),
        ("Little Acorns Nursery noticed the bruising.", "Little Acorns Nursery"),
        ("At Our Lady of Lourdes Catholic Primary.", "Our Lady of Lourdes Catholic Primary"),
        ("Moved to the Beacon PRU last term.", "Beacon PRU"),
        ("Now at Southwick College doing plumbing.", "Southwick College"),
        ("She goes to St John's, where she has a mentor.", "St John's"),
    ],
)
def test_named_schools(text, school):
    assert found(text) == [("school", school)]


@pytest.mark.parametrize(
    "text",
    [
        "The primary school raised concerns.",
        "The Primary School raised concerns.",
        "The Virtual School agreed funding.",
        "The Forest School sessions helped him regulate.",
        "She wants to go to college next year.",
        "The Nursery Nurse noticed the flinch.",
        "She sat her GCSEs at a Further Education College.",
        "The Royal College of Psychiatrists guidance.",
    ],
)
def test_unnamed_schools_are_not_findings(text):
    assert found(text) == []


# --- Phones and emails --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Mum's mobile is 07700 900123 if needed.", "07700 900123"),
        ("Call on 020 7946 0321 after 6pm.", "020 7946 0321"),
        ("His number is +44 7700 900456.", "+44 7700 900456"),
        ("Ring 07700900789 after 5pm.", "07700900789"),
        ("Reached on (0161) 496 0000 by day.", "(0161) 496 0000"),
        ("Landline +44 (0)20 7946 0999.", "+44 (0)20 7946 0999"),
        ("Mobile 07700-900-111.", "07700-900-111"),
        ("Ring 07700 900123 2 times a day.", "07700 900123"),
    ],
)
def test_phone_numbers(text, phone):
    assert found(text) == [("phone", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "Call Childline on 0800 1111.",
        "I rang the 101 number and waited.",
        "Call 111 or 999 in an emergency.",
        "The meeting ran from 09:30 to 11:00.",
        "Dates: 01/03/2015 and 02.04.2016.",
    ],
)
def test_short_numbers_and_times_are_not_phone_numbers(text):
    assert "phone" not in kinds(text)


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Her email is kerry.smith1986@example.com, please.", "kerry.smith1986@example.com"),
        (
            "Contact office+safeguarding@oakfield.example.org.",
            "office+safeguarding@oakfield.example.org",
        ),
        ("From DAZZA_W@EXAMPLE.COM at midnight.", "DAZZA_W@EXAMPLE.COM"),
    ],
)
def test_email_addresses(text, email):
    assert found(text) == [("email", email)]


# --- Overlaps, order and properties --------------------------------------------------------


def test_many_kinds_in_one_text_are_sorted_and_do_not_overlap():
    text = (
        "The mother, Sarah Jones (DOB 04/07/1990), lives at 22 Kestrel Way, EM2 5DF, "
        "mobile 07700 900222, email sj@example.com. Her son Kai (9) attends Greenfields "
        "Primary. NHS no 401 023 2137, Mosaic ID 7654321."
    )
    findings = find_identifiers(text)
    assert_well_formed(text, findings)
    assert [f.kind for f in findings] == [
        "name", "date_of_birth", "address", "postcode", "phone", "email", "name", "school",
        "nhs_number", "case_id",
    ]  # fmt: skip


def test_the_more_specific_finding_wins_an_overlap():
    # "Mary" is a common name, but here it is part of a school's name.
    assert found("She has a place at St Mary's C of E Primary.") == [
        ("school", "St Mary's C of E Primary")
    ]
    # A labelled case reference wins over the NHS check digit on the same digits.
    assert found("ID: 4010232137") == [("case_id", "4010232137")]


def test_empty_and_clean_text():
    assert find_identifiers("") == []
    assert find_identifiers("   \n\n  ") == []
    assert find_identifiers("We talked about strengths.") == []


def test_findings_are_frozen():
    (finding,) = find_identifiers("Her son Jamie.")
    with pytest.raises(AttributeError):
        finding.kind = "email"  # type: ignore[misc]


_TOKENS = st.sampled_from(
    [
        "the", "mother", "Mum", "son", "Jamie", "Kerry's", "(7)", "aged", "6", ",", ".",
        "Flat", "4", "12", "Hornton", "Road", "W8", "7NX", "DOB", "12/03/2015", "born",
        "on", "3", "March", "2016", "NHS", "no", "4010232137", "Mosaic", "ID", "1234567",
        "St", "Mary's", "Primary", "School", "07700", "900123", "+44", "(0)20", "a@b.co",
        "@Tom", "Okafor", "Mrs", "Patel", "J.S.", "the Brennan family", "\n", "  ", "’s",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_crashes_and_offsets_are_valid(text):
    assert_well_formed(text, find_identifiers(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKENS, max_size=60))
def test_text_made_of_identifier_pieces_gives_valid_offsets(tokens):
    text = " ".join(tokens)
    assert_well_formed(text, find_identifiers(text))


@pytest.mark.parametrize(
    "text",
    [
        "a" * 20_000,
        "1 " * 10_000,
        "0 " * 10_000,
        "1" * 20_000,
        "A" * 20_000,
        "Aa " * 7_000,
        "(" * 20_000,
        "a@" * 10_000,
        "a." * 10_000,
        "x'" * 10_000,
        "0-" * 10_000,
        "+44 " * 5_000,
        "12 Oak " * 3_000,
        "Flat 1 " * 3_000,
        "born 1 " * 3_000,
        "NHS 1 " * 4_000,
        "ID 1/" * 5_000,
        "St " * 7_000,
        "Oakfield Primary " * 1_500,
        "mum Kerry " * 2_000,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_long_adversarial_input_finishes(text):
    """No catastrophic backtracking: each of these is 20,000 characters or so.

    Every pattern that starts with a repeat is anchored to the start of a word or
    number and inner repeats are bounded or possessive, so this takes a fraction of
    a second; a regression would hang here rather than fail an assertion on time.
    """
    assert_well_formed(text, find_identifiers(text))
