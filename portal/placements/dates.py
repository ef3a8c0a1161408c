"""A placement's dates: in the future, at most six months, and never overlapping another
placement of the same participant (their row is locked while that is checked)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.clock import today
from portal.errors import RuleError
from portal.extensions import db
from portal.placements import weekdays
from portal.placements.models import Placement, PlacementStatus

MAX_LENGTH = timedelta(days=183)


def check_dates(starts_on: date | None, ends_on: date | None, days: int) -> None:
    """Refuse dates that cannot be a placement on weekdays ``days`` (bits): missing, past,
    the wrong way round, longer than six months, or starting or ending on a day the
    participant is not there (a Saturday, or a Wednesday for a Monday-Tuesday one)."""
    if starts_on is None:
        raise RuleError("Enter the first day of the placement", "starts_on")
    if ends_on is None:
        raise RuleError("Enter the last day of the placement", "ends_on")
    if starts_on < today():
        raise RuleError("The first day must be today or in the future", "starts_on")
    if ends_on < starts_on:
        raise RuleError("The last day must be the same as or after the first day", "ends_on")
    if ends_on - starts_on > MAX_LENGTH:
        raise RuleError("A placement can be at most 6 months long", "ends_on")
    for day, field, which in ((starts_on, "starts_on", "first"), (ends_on, "ends_on", "last")):
        if not weekdays.uses(days, day):
            raise RuleError(
                f"The {which} day, {day:%A %-d %B}, is not one of the days they will be "
                f"there ({weekdays.in_words(days)})",
                field,
            )


def lock_participant(user_id: int) -> None:
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def check_no_overlap(
    participant_id: int, starts_on: date, ends_on: date, placement_id: int | None,
    states: Iterable[PlacementStatus],
) -> None:  # fmt: skip
    """Refuse dates that overlap another of the participant's placements in ``states``."""
    clash = db.session.scalar(
        select(Placement).where(
            Placement.participant_id == participant_id,
            Placement.status.in_(list(states)),
            Placement.starts_on <= ends_on,
            Placement.ends_on >= starts_on,
            Placement.id != (placement_id or 0),
        )
    )
    if clash is not None:
        raise RuleError(
            f"{clash.participant.name} already has a placement from "
            f"{clash.starts_on:%-d %B} to {clash.ends_on:%-d %B %Y} ({clash.status.label.lower()})"
        )
