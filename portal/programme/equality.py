"""Equality monitoring: an optional form apart from the application.

Every question can be left or answered "Prefer not to say". The answers are the
applicant's and the admins' only (``scope.ApplicantOnly``: no endorser or reviewer
query can reach them), and the admins see them only as counts for a whole round, with
any count from 1 to 4 shown as "fewer than 5". Where a question has exactly one such
cell, the next smallest is hidden too, so no hidden count can be found by subtracting
the others from the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.programme.models import Application, EqualityReturn

SUPPRESS_UNDER = 5
PREFER_NOT = ("prefer_not", "Prefer not to say")

# key -> (question, options); the categories follow the 2021 census's broad groups.
QUESTIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "age": ("What is your age?", (
        ("under_35", "Under 35"), ("35_44", "35 to 44"), ("45_54", "45 to 54"),
        ("55_plus", "55 or over"), PREFER_NOT,
    )),
    "sex": ("What is your sex?", (("female", "Female"), ("male", "Male"), PREFER_NOT)),
    "gender_identity": (
        "Is the gender you identify with the same as your sex registered at birth?",
        (("yes", "Yes"), ("no", "No"), PREFER_NOT),
    ),
    "ethnicity": ("What is your ethnic group?", (
        ("asian", "Asian or Asian British"),
        ("black", "Black, Black British, Caribbean or African"),
        ("mixed", "Mixed or multiple ethnic groups"), ("white", "White"),
        ("other", "Another ethnic group"), PREFER_NOT,
    )),
    "disability": (
        "Do you have a physical or mental health condition or illness lasting or expected "
        "to last 12 months or more?",
        (("yes", "Yes"), ("no", "No"), PREFER_NOT),
    ),
    "sexual_orientation": ("Which of the following best describes your sexual orientation?", (
        ("straight", "Straight or heterosexual"), ("gay_lesbian", "Gay or lesbian"),
        ("bisexual", "Bisexual"), ("other", "Another sexual orientation"), PREFER_NOT,
    )),
    "religion": ("What is your religion?", (
        ("none", "No religion"), ("christian", "Christian"), ("buddhist", "Buddhist"),
        ("hindu", "Hindu"), ("jewish", "Jewish"), ("muslim", "Muslim"), ("sikh", "Sikh"),
        ("other", "Any other religion"), PREFER_NOT,
    )),
    "caring": ("Do you look after or care for anyone because of a condition, illness or age?", (
        ("no", "No"), ("yes", "Yes"), PREFER_NOT,
    )),
}  # fmt: skip


def return_for(application: Application) -> EqualityReturn | None:
    return db.session.scalar(
        select(EqualityReturn).where(EqualityReturn.application_id == application.id)
    )


def save(application: Application, *, actor: User, answers: dict[str, str | None]) -> None:
    """Keep the applicant's answers (any may be left out); only known options are kept."""
    if application.applicant_id != actor.id:
        raise RuleError("Only the applicant answers their equality monitoring form")
    kept = {}
    for key, value in answers.items():
        if key not in QUESTIONS or not value:
            continue
        if value not in {option for option, _ in QUESTIONS[key][1]}:
            raise RuleError("Choose one of the answers given", key)
        kept[key] = value
    held = return_for(application)
    if held is None:
        held = EqualityReturn(application_id=application.id)
        db.session.add(held)
    held.answers, held.updated_at = kept, utcnow()


@dataclass
class Cell:
    label: str
    count: int | None  # None: hidden
    small: bool = False  # hidden because it is fewer than 5 (else: to protect one that is)


@dataclass
class Tally:
    question: str
    cells: list[Cell]
    unanswered: Cell


def report(round_id: int, *, actor: User) -> tuple[int, list[Tally]]:
    """How many returns a round has, and each question's counts with small ones hidden."""
    if actor.role != Role.CENTRE_ADMIN:
        raise RuleError("Only the centre's admins see equality monitoring")
    rows = list(
        db.session.scalars(
            select(EqualityReturn.answers)
            .join(Application, Application.id == EqualityReturn.application_id)
            .where(Application.round_id == round_id)
        )
    )
    tallies = []
    for key, (question, options) in QUESTIONS.items():
        counts = [sum(1 for r in rows if r.get(key) == option) for option, _ in options]
        counts.append(sum(1 for r in rows if not r.get(key)))
        shown = suppress(counts)
        labels = [label for _, label in options] + ["Not answered"]
        cells = [Cell(label, n, 0 < real < SUPPRESS_UNDER)
                 for label, n, real in zip(labels, shown, counts, strict=True)]  # fmt: skip
        tallies.append(Tally(question, cells[:-1], cells[-1]))
    total = len(rows)
    return (total if total == 0 or total >= SUPPRESS_UNDER else None), tallies


def suppress(counts: list[int]) -> list[int | None]:
    """Hide counts from 1 to 4; if only one is hidden, hide the next smallest non-zero
    count too, so the total minus the rest does not give it away."""
    shown: list[int | None] = [None if 0 < n < SUPPRESS_UNDER else n for n in counts]
    hidden = [i for i, n in enumerate(shown) if n is None]
    if len(hidden) == 1:
        rest = [(n, i) for i, n in enumerate(counts) if shown[i] is not None and n > 0]
        if rest:
            shown[min(rest)[1]] = None
    return shown
