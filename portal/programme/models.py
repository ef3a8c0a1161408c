"""A programme round and what it judges applications on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db


class Stage(enum.StrEnum):
    """Which stage of selection judges a criterion."""

    APPLICATION = "application"
    ASSESSMENT = "assessment"

    @property
    def label(self) -> str:
        return {"application": "The written application", "assessment": "The assessment"}[
            self.value
        ]


class Round(db.Model):
    """One year's round of the programme. Host data, seen by the centre's admins and (its
    criteria and dates) by the public page of the round that is open."""

    __tablename__ = "programme_rounds"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_it_opens"),
        CheckConstraint("places BETWEEN 1 AND 500", name="places_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150), unique=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]  # the last second at which an application is accepted
    places: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[EligibilityQuestion]] = relationship(
        back_populates="round", order_by="EligibilityQuestion.position",
        cascade="all, delete-orphan",
    )  # fmt: skip

    def __str__(self) -> str:
        return self.title


class Criterion(db.Model):
    """What an application is judged on: a descriptor for each score from 1 to 4, a
    weight, the stage that judges it, and whether it counts towards the total (an
    "independent" criterion is shown and scored but left out of it)."""

    __tablename__ = "programme_criteria"
    __table_args__ = (
        UniqueConstraint("round_id", "title"),
        CheckConstraint("weight BETWEEN 1 AND 10", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("programme_rounds.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))
    descriptors: Mapped[list] = mapped_column(JSON)  # what scores 1, 2, 3 and 4 mean
    weight: Mapped[int]
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=20))
    independent: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="criteria")


class EligibilityQuestion(db.Model):
    """A yes-or-no question that screens an application at once, with the reason shown
    to an applicant whose answer makes them ineligible."""

    __tablename__ = "programme_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("programme_rounds.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(300))
    eligible_answer: Mapped[bool]  # the answer that keeps an applicant eligible
    reason: Mapped[str] = mapped_column(String(300))

    round: Mapped[Round] = relationship(back_populates="questions")
