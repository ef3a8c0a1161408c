"""A programme round and what it judges applications on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db
from portal.programme import councils
from portal.programme.scope import ApplicantOnly, ApplicantsOwn, WithItsApplication


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

    @property
    def application_criteria(self) -> list[Criterion]:
        """The criteria an applicant writes a statement for."""
        return [c for c in self.criteria if c.stage == Stage.APPLICATION]


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
    # The most words an applicant may write for it (application-stage criteria).
    word_limit: Mapped[int] = mapped_column(default=500, server_default="500")

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


class ApplicationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "submitted": "Submitted", "withdrawn": "Withdrawn"}[self.value]


class Application(ApplicantsOwn, db.Model):
    """One person's application to one round: a draft until they submit it. Seen by
    its applicant, its endorser (by link) and the centre's admins; reviewers see a
    redacted copy instead (``portal.programme.scope``)."""

    __tablename__ = "programme_applications"
    __table_args__ = (
        UniqueConstraint("round_id", "applicant_id"),
        CheckConstraint("management_years BETWEEN 0 AND 60", name="management_years_range"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("programme_rounds.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[ApplicationState] = mapped_column(
        Enum(ApplicationState, native_enum=False, length=20), default=ApplicationState.DRAFT
    )
    full_name: Mapped[str] = mapped_column(String(120), default="")
    job_title: Mapped[str] = mapped_column(String(150), default="")
    council_code: Mapped[str | None] = mapped_column(String(9))  # GSS code, from the register
    management_years: Mapped[int | None]
    management_summary: Mapped[str] = mapped_column(Text, default="")
    swe_number: Mapped[str | None] = mapped_column(String(12))
    # An admin may give one applicant longer (audited): their last accepted second.
    extended_until: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    applicant = relationship("User")
    statements: Mapped[list[Statement]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )

    @property
    def council_name(self) -> str:
        """The council's name from the register ("" when none is chosen)."""
        return councils.name_of(self.council_code)


class Statement(WithItsApplication, db.Model):
    """What an applicant writes for one application-stage criterion."""

    __tablename__ = "programme_statements"
    __table_args__ = (UniqueConstraint("application_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("programme_criteria.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="statements")
    criterion: Mapped[Criterion] = relationship()


class Answer(WithItsApplication, db.Model):
    """An applicant's answer to one eligibility question."""

    __tablename__ = "programme_answers"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("programme_questions.id", ondelete="CASCADE")
    )
    answer: Mapped[bool]

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[EligibilityQuestion] = relationship()


class EqualityReturn(ApplicantOnly, db.Model):
    """The optional equality monitoring form: apart from the application, never shown
    to an endorser or a reviewer, and reported only in aggregate
    (``portal.programme.equality``)."""

    __tablename__ = "programme_equality"

    id: Mapped[int] = mapped_column(primary_key=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # question key -> option key
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship()
