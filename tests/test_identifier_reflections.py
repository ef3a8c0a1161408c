"""The identifier check on sentences written apart from its rules (issue 14).

``tests/data/identifier_reflections.jsonl`` was written from the shapes of real
reflections, with names from the communities the tri-borough serves, by someone who had
not seen the rules; a third of it (``"split": "held_out"``) is never looked at while
tuning. ``identifier_tuning.jsonl``, written the same way with other communities'
names and harder sentence shapes, is for tuning only. Both parts are measured and every
miss is listed in the output.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bench.identifiers import (
    COLLEAGUES,
    REFLECTIONS,
    TUNING,
    colleagues,
    load_examples,
    measure,
)
from portal.identifiers import KINDS, find_identifiers
from portal.identifiers.lexicon import COMMON_NAMES

EXAMPLES = load_examples(REFLECTIONS)
TUNE = [e for e in EXAMPLES if e.split == "tune"] + load_examples(TUNING)
HELD_OUT = [e for e in EXAMPLES if e.split == "held_out"]


def test_the_set_is_large_varied_and_a_third_is_held_out():
    assert len(EXAMPLES) >= 300
    assert 0.3 <= len(HELD_OUT) / len(EXAMPLES) <= 0.36
    assert {k for e in EXAMPLES for k in e.kinds} == set(KINDS)
    assert sum(1 for e in EXAMPLES if not e.kinds) >= 150, "plenty of clean writing"
    assert json.loads(COLLEAGUES.read_text()) == colleagues()


def test_the_tuning_part():
    report = measure(TUNE, known=colleagues())
    print("\nTuning part\n" + report.format())
    # 488 examples (1 December 2026): precision 0.992, recall 0.936 (names 0.90).
    assert report.precision >= 0.95, report.misses()
    assert report.recall >= 0.92, report.misses()


def test_the_held_out_part():
    """The issue's targets, on sentences no rule was tuned on. Measured (1 December
    2026): the check as it was before the issue, precision 0.630 / recall 0.537; with
    the colleague and "where a person stands" rules written from the issue before the
    set existed, 1.000 / 0.889; tuned on the second set's other part, 1.000 / 0.944; then
    on the third set too, 0.982 / 1.000 (115 examples, 54 with identifiers)."""
    report = measure(HELD_OUT, known=colleagues())
    print("\nHeld-out part (never tuned on)\n" + report.format())
    assert report.precision >= 0.90, report.misses()
    assert report.recall >= 0.97, report.misses()


GIVEN_NAMES = sorted(
    {n.title() for n in COMMON_NAMES}
    | {
        "Ayodele",
        "Hodan",
        "Wiktoria",
        "Tesfay",
        "Ionut",
        "Nusrat",
        "Zahra",
        "Oluwaseun",
        "Abdirahman",
        "Małgorzata",
        "Senait",
        "Florin",
        "Deeqa",
        "Temitope",
    }  # fmt: skip
)
VERBS = ["said", "told us", "explained", "asked me", "whispered", "shouted"]
ENDINGS = [
    " that she sleeps on the sofa.", " he did not want to go home.", " it was fine at school.",
    " nothing about the weekend.",
]  # fmt: skip


@given(name=st.sampled_from(GIVEN_NAMES), verb=st.sampled_from(VERBS),
       ending=st.sampled_from(ENDINGS), lead=st.sampled_from(["", "When I visited, ",
                                                             "In the car, "]))  # fmt: skip
def test_a_name_as_the_subject_of_a_reporting_verb_is_always_flagged(name, verb, ending, lead):
    text = f"{lead}{name} {verb}{ending}"
    assert any(f.kind == "name" and name in f.text for f in find_identifiers(text)), text


@given(person=st.sampled_from(colleagues()), verb=st.sampled_from(VERBS),
       ending=st.sampled_from(ENDINGS))  # fmt: skip
def test_a_portal_users_name_as_the_subject_is_not(person, verb, ending):
    text = f"{person} {verb}{ending}"
    found = find_identifiers(text, colleagues=colleagues())
    assert not [f for f in found if f.kind == "name"], (text, found)
