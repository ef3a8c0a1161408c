"""Opening a round: its dates, places, eligibility questions and criteria.

Times are entered as London wall-clock times and stored in UTC. A closing time is exact
to the second and is the last second at which an application is accepted: a round
closing at 23:59:59 takes an application sent at 23:59:59.4 and refuses one at
00:00:00. A London time that does not happen (the hour the clocks go forward) or happens
twice (the hour they go back) is refused with a reason, never guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.common.clock import LONDON, as_utc, utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.programme.models import Criterion, EligibilityQuestion, Round, Stage

MAX_CRITERIA = 20
MAX_QUESTIONS = 20
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def london_moment(day: date | None, clock: str | None, *, field: str, what: str) -> datetime:
    """``day`` at the London wall-clock time ``clock`` ("23:59:59" or "9:00"), in UTC."""
    if day is None:
        raise RuleError(f"Enter the day the round {what}", f"{field}_on")
    found = _TIME.match((clock or "").strip())
    if found is None:
        raise RuleError(
            f"Enter the time the round {what} as hours, minutes and seconds, like 23:59:59",
            f"{field}_time",
        )
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    wall = datetime.combine(day, time(hours, minutes, seconds), tzinfo=LONDON)
    first, second = wall.replace(fold=0).utcoffset(), wall.replace(fold=1).utcoffset()
    if first > second:  # the clocks go back: this wall time happens twice
        raise RuleError(
            f"{found.group(0)} happens twice in London on {day:%-d %B %Y}, when the clocks "
            "go back: choose a time outside 1am to 2am",
            f"{field}_time",
        )
    if first < second:  # the clocks go forward: this wall time never happens
        raise RuleError(
            f"{found.group(0)} does not happen in London on {day:%-d %B %Y}, when the "
            "clocks go forward: choose a time outside 1am to 2am",
            f"{field}_time",
        )
    return wall.astimezone(UTC)


def _require_admin(actor: User) -> None:
    if actor.role != Role.CENTRE_ADMIN:
        raise RuleError("Only the centre's admins run the programme's rounds")


def open_round(
    *,
    actor: User,
    title: str,
    opens_on: date | None,
    opens_time: str | None,
    closes_on: date | None,
    closes_time: str | None,
    places: int | None,
) -> Round:
    _require_admin(actor)
    title = " ".join((title or "").split())
    if not title:
        raise RuleError("Enter a title for the round, like “Practice leaders 2027”", "title")
    if len(title) > 150:
        raise RuleError("The title must be 150 characters or fewer", "title")
    if db.session.scalar(select(Round.id).where(func.lower(Round.title) == title.lower())):
        raise RuleError("There is already a round with this title", "title")
    opens_at = london_moment(opens_on, opens_time, field="opens", what="opens")
    closes_at = london_moment(closes_on, closes_time, field="closes", what="closes")
    if closes_at <= opens_at:
        raise RuleError("The round must close after it opens", "closes_on")
    if places is None or not 1 <= places <= 500:
        raise RuleError("Enter the number of places, from 1 to 500", "places")
    made = Round(
        title=title, opens_at=opens_at, closes_at=closes_at, places=places,
        created_by_id=actor.id,
    )  # fmt: skip
    db.session.add(made)
    db.session.flush()
    record("programme.round_opened", obj=made, actor=actor, summary=title)
    return made


def get_round(round_id: int) -> Round:
    found = db.session.get(Round, round_id)
    if found is None:
        raise NotFound(round_id)
    return found


def add_criterion(
    round_id: int,
    *,
    actor: User,
    title: str,
    descriptors: list[str],
    weight: int | None,
    stage: str | None,
    independent: bool,
    word_limit: int | None = 500,
) -> Criterion:
    """A criterion, with what each score from 1 to 4 means, its weight and its stage."""
    _require_admin(actor)
    held = get_round(round_id)
    title = " ".join((title or "").split())
    if not title:
        raise RuleError("Enter what the criterion judges", "title")
    if len(title) > 150:
        raise RuleError("The criterion must be 150 characters or fewer", "title")
    if any(c.title.lower() == title.lower() for c in held.criteria):
        raise RuleError("This round already has a criterion with this title", "title")
    written = [" ".join((d or "").split()) for d in descriptors]
    for score, text in enumerate(written, start=1):
        if not text:
            raise RuleError(f"Describe what a score of {score} means", f"score_{score}")
        if len(text) > 500:
            raise RuleError(f"The score {score} description is too long", f"score_{score}")
    if len(written) != 4:
        raise RuleError("Describe what each score from 1 to 4 means", "score_1")
    if weight is None or not 1 <= weight <= 10:
        raise RuleError("Enter a weight from 1 to 10", "weight")
    if stage not in {s.value for s in Stage}:
        raise RuleError("Select the stage that judges it", "stage")
    if word_limit is None or not 50 <= word_limit <= 2000:
        raise RuleError("Enter a word limit from 50 to 2,000", "word_limit")
    if len(held.criteria) >= MAX_CRITERIA:
        raise RuleError(f"A round can have at most {MAX_CRITERIA} criteria")
    criterion = Criterion(
        round=held, position=len(held.criteria) + 1, title=title, descriptors=written,
        weight=weight, stage=Stage(stage), independent=bool(independent),
        word_limit=word_limit,
    )  # fmt: skip
    db.session.add(criterion)
    db.session.flush()
    record("programme.criterion_added", obj=held, actor=actor, summary=f"{held}: {title}")
    return criterion


def add_question(
    round_id: int, *, actor: User, text: str, eligible_answer: str | None, reason: str
) -> EligibilityQuestion:
    """A yes-or-no eligibility question, the answer that keeps an applicant eligible, and
    the reason an applicant who answers otherwise is told."""
    _require_admin(actor)
    held = get_round(round_id)
    text, reason = " ".join((text or "").split()), " ".join((reason or "").split())
    if not text:
        raise RuleError("Enter the question", "text")
    if len(text) > 300:
        raise RuleError("The question must be 300 characters or fewer", "text")
    if eligible_answer not in ("yes", "no"):
        raise RuleError("Select the answer that keeps an applicant eligible", "eligible_answer")
    if not reason:
        raise RuleError("Enter why another answer makes an applicant ineligible", "reason")
    if len(reason) > 300:
        raise RuleError("The reason must be 300 characters or fewer", "reason")
    if len(held.questions) >= MAX_QUESTIONS:
        raise RuleError(f"A round can have at most {MAX_QUESTIONS} eligibility questions")
    question = EligibilityQuestion(
        round=held, position=len(held.questions) + 1, text=text,
        eligible_answer=eligible_answer == "yes", reason=reason,
    )  # fmt: skip
    db.session.add(question)
    db.session.flush()
    record("programme.question_added", obj=held, actor=actor, summary=f"{held}: {text}")
    return question


def accepts_at(held: Round, at: datetime) -> bool:
    """Whether an application sent at ``at`` is in time: from the opening instant to the
    last second of the closing time, that second included."""
    at = as_utc(at)
    return as_utc(held.opens_at) <= at < as_utc(held.closes_at) + timedelta(seconds=1)


def open_round_now() -> Round | None:
    """The round taking applications now, if one is (the soonest to close first)."""
    now = utcnow()
    return db.session.scalar(
        select(Round)
        .where(Round.opens_at <= now, Round.closes_at > now - timedelta(seconds=1))
        .order_by(Round.closes_at)
        .limit(1)
    )


def next_round() -> Round | None:
    return db.session.scalar(
        select(Round).where(Round.opens_at > utcnow()).order_by(Round.opens_at).limit(1)
    )


def rounds_newest_first() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.opens_at.desc())))


def total_weight(held: Round) -> int:
    """The weights that count towards an application's total (not the independent ones)."""
    return sum(c.weight for c in held.criteria if not c.independent)
