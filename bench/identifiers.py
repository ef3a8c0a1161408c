"""Benchmark: how well the identifier check does on labelled sets of reflections, and
how fast it is.

    .venv/bin/python -m bench.identifiers [--data FILE] [--show-held-out]

Two sets, written apart: ``tests/data/identifier_examples.jsonl`` (the first, which
the rules were tuned on: in-sample) and ``tests/data/identifier_reflections.jsonl``
(written later, from the shapes of real reflections with names from many
communities, by someone who had not seen the rules). A third of the second is held
out (``"split": "held_out"``): tuning never looks at it, so its figures are the honest
ones. Colleagues' names (``tests/data/identifier_colleagues.json``) are passed to the
check as the portal's own people.

For each set it prints precision and recall at the example level (an example is
positive if it should have any finding at all) and per kind (the kinds found in an
example against the kinds it is labelled with), then every false positive and false
negative with its text (for the held-out part only with ``--show-held-out``: reading
them is tuning on them). Last, the time for a 1,000-word reflection (target 5 ms).
Nothing here needs a database or a server; ``tests/test_identifiers.py`` and
``tests/test_identifier_reflections.py`` reuse ``measure`` and assert on it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from portal.identifiers import KINDS, Finding, find_identifiers

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "identifier_examples.jsonl"
REFLECTIONS = ROOT / "tests" / "data" / "identifier_reflections.jsonl"
TUNING = ROOT / "tests" / "data" / "identifier_tuning.jsonl"  # a third set, all for tuning
COLLEAGUES = ROOT / "tests" / "data" / "identifier_colleagues.json"


@dataclass(frozen=True)
class Example:
    text: str
    kinds: frozenset[str]
    note: str = ""
    split: str = "tune"  # or "held_out": never looked at while tuning


@dataclass(frozen=True)
class Miss:
    """An example the checker got wrong: what it should find and what it found."""

    text: str
    expected: tuple[str, ...]
    found: tuple[Finding, ...]
    kind: str = ""  # for a per-kind miss, the kind concerned
    note: str = ""

    def __str__(self) -> str:
        found = ", ".join(f"{f.kind} “{f.text}”" for f in self.found) or "nothing"
        expected = ", ".join(self.expected) or "nothing"
        label = f"[{self.kind}] " if self.kind else ""
        note = f"\n      note: {self.note}" if self.note else ""
        return f"  - {label}{self.text}\n      expected: {expected}; found: {found}{note}"


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)


@dataclass
class Report:
    examples: int = 0
    positives: int = 0
    overall: Score = field(default_factory=Score)
    per_kind: dict[str, Score] = field(default_factory=lambda: {k: Score() for k in KINDS})
    false_positives: list[Miss] = field(default_factory=list)  # clean, but flagged
    false_negatives: list[Miss] = field(default_factory=list)  # should be flagged, was not
    kind_false_positives: list[Miss] = field(default_factory=list)  # a kind found wrongly
    kind_false_negatives: list[Miss] = field(default_factory=list)  # a kind missed

    @property
    def precision(self) -> float:
        return self.overall.precision

    @property
    def recall(self) -> float:
        return self.overall.recall

    def misses(self) -> str:
        """Every false positive and false negative, example level then per kind."""
        parts = []
        for title, items in (
            ("False positives (clean, but flagged)", self.false_positives),
            ("False negatives (should be flagged, were not)", self.false_negatives),
            ("Kinds found that were not labelled", self.kind_false_positives),
            ("Kinds labelled that were not found", self.kind_false_negatives),
        ):
            parts.append(f"{title}: {len(items)}")
            parts.extend(str(item) for item in items)
        return "\n".join(parts)

    def format(self) -> str:
        o = self.overall
        lines = [
            f"{self.examples} examples, {self.positives} with identifiers, "
            f"{self.examples - self.positives} clean.",
            "",
            f"Example level: precision {o.precision:.3f}  recall {o.recall:.3f}  "
            f"(tp {o.tp}, fp {o.fp}, fn {o.fn})",
            "",
            f"{'kind':15} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}",
        ]
        for kind, s in self.per_kind.items():
            lines.append(f"{kind:15} {s.precision:9.3f} {s.recall:7.3f} {s.tp:4} {s.fp:4} {s.fn:4}")
        lines += ["", self.misses()]
        return "\n".join(lines)


def load_examples(path: Path | str = DATA) -> list[Example]:
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        unknown = set(row["kinds"]) - set(KINDS)
        if unknown:
            raise ValueError(f"line {number}: unknown kinds {sorted(unknown)}")
        examples.append(
            Example(
                row["text"],
                frozenset(row["kinds"]),
                row.get("note", ""),
                row.get("split", "tune"),
            )  # fmt: skip
        )
    return examples


def colleagues() -> list[str]:
    """The portal's own people the labelled sets name (as a board would pass them)."""
    return json.loads(COLLEAGUES.read_text(encoding="utf-8"))


def measure(examples: Iterable[Example], *, known: Iterable[str] = ()) -> Report:
    report = Report()
    known = list(known)
    for example in examples:
        found = tuple(find_identifiers(example.text, colleagues=known))
        found_kinds = {f.kind for f in found}
        expected = tuple(k for k in KINDS if k in example.kinds)
        report.examples += 1
        report.positives += bool(example.kinds)

        def miss(kind: str = "", *, ex=example, found=found, expected=expected) -> Miss:
            return Miss(ex.text, expected, found, kind, ex.note)

        if example.kinds and found:
            report.overall.tp += 1
        elif found:
            report.overall.fp += 1
            report.false_positives.append(miss())
        elif example.kinds:
            report.overall.fn += 1
            report.false_negatives.append(miss())
        for kind in KINDS:
            score = report.per_kind[kind]
            if kind in example.kinds and kind in found_kinds:
                score.tp += 1
            elif kind in found_kinds:
                score.fp += 1
                report.kind_false_positives.append(miss(kind))
            elif kind in example.kinds:
                score.fn += 1
                report.kind_false_negatives.append(miss(kind))
    return report


def speed(words: int = 1000, rounds: int = 50) -> float:
    """Milliseconds to check a reflection of ``words`` words, the best of ``rounds``
    (made of the labelled sentences, so it has names, numbers and places in it)."""
    sentences = [e.text for e in load_examples(DATA) + load_examples(REFLECTIONS)]
    text, i = [], 0
    while len(" ".join(text).split()) < words:
        text.append(sentences[i % len(sentences)])
        i += 1
    reflection = " ".join(" ".join(text).split()[:words])
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        find_identifiers(reflection, colleagues=colleagues())
        best = min(best, time.perf_counter() - started)
    return best * 1000


def summary(report: Report) -> str:
    """The figures without the misses (what may be read of a held-out set)."""
    return report.format().split("\n\nFalse positives", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="one labelled file only")
    parser.add_argument("--show-held-out", action="store_true", help="list held-out misses")
    args = parser.parse_args()
    known = colleagues()
    if args.data:
        print(measure(load_examples(args.data), known=known).format())
        return
    first = load_examples(DATA)
    second = load_examples(REFLECTIONS)
    tune = [e for e in second if e.split != "held_out"] + load_examples(TUNING)
    held_out = [e for e in second if e.split == "held_out"]
    for title, examples, full in (
        (f"First set, {DATA.name} (in-sample: the rules were tuned on it)", first, True),
        (f"Tuning: the second set's tuning part and {TUNING.name}", tune, True),
        ("Second set, HELD OUT (never tuned on)", held_out, args.show_held_out),
    ):
        report = measure(examples, known=known)
        print(f"=== {title}\n{report.format() if full else summary(report)}\n")
    print(f"A 1,000-word reflection takes {speed():.2f} ms (best of 50; target 5 ms).")


if __name__ == "__main__":
    main()
