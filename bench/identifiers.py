"""Benchmark: how well the identifier check does on a labelled set of reflections.

    .venv/bin/python -m bench.identifiers [--data tests/data/identifier_examples.jsonl]

Runs ``portal.identifiers.find_identifiers`` on every example and prints
precision and recall, at the example level (an example is positive if it
should have any finding at all) and for each kind (the kinds found in an
example against the kinds it is labelled with), then lists every false
positive and false negative with its text. Nothing here needs a database or a
server; ``tests/test_identifiers.py`` reuses ``measure`` and asserts on it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from portal.identifiers import KINDS, Finding, find_identifiers

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "identifier_examples.jsonl"


@dataclass(frozen=True)
class Example:
    text: str
    kinds: frozenset[str]
    note: str = ""


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
        examples.append(Example(row["text"], frozenset(row["kinds"]), row.get("note", "")))
    return examples


def measure(examples: Iterable[Example]) -> Report:
    report = Report()
    for example in examples:
        found = tuple(find_identifiers(example.text))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="labelled JSON lines")
    args = parser.parse_args()
    print(measure(load_examples(args.data)).format())


if __name__ == "__main__":
    main()
