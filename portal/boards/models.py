"""Learning boards: reflections, and the conversation on them.

Who may see a reflection is decided in two layers:

- between authorities, by the tenancy mixin ``CohortShared`` (ORM filter and
  PostgreSQL row-level security): a reflection is its author's authority's, and is
  visible to the rest of the cohort only while ``shared_cohort_id`` is set, which
  the service does only for a published, cohort-wide reflection;
- within an authority, by its visibility (only me, me and my coach, my authority),
  in ``service.visible_to``.

Comments, reactions and flags follow the reflection: they are shared with the
cohort exactly when it is.

Moderation is the host's: a facilitator's decisions (hide, pin, hide a comment,
resolve a flag) are rows of the host's own tables, never writes to the authority's
rows. A facilitator may moderate a cohort-wide post from an authority they do not
work with (it is shared with their cohort), and must not need that authority's
scope to do it. Approving a waiting post is the exception: it changes the
authority's own row (see ``moderation.approve``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db
from portal.tenancy import CohortShared, TenantOrHost


def _enum(kind, length=20):
    return Enum(kind, native_enum=False, length=length)


class Board(TenantOrHost, db.Model):
    """A cohort board (no tenant: shared by every authority in the cohort) or an
    authority's internal board. Read-only once archived or the cohort has ended."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text, default="")
    prompts: Mapped[str] = mapped_column(Text, default="")  # one per line
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    cohort = relationship("Cohort")
    tenant = relationship("Tenant")

    @property
    def is_cohort_wide(self) -> bool:
        return self.tenant_id is None

    def archived_on(self, today: date) -> bool:
        return self.archived_at is not None or self.cohort.ends_on < today

    @property
    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.prompts.splitlines() if line.strip()]

    def __str__(self) -> str:
        return self.title


class Visibility(enum.StrEnum):
    PRIVATE = "private"
    COACH = "coach"
    AUTHORITY = "authority"
    COHORT = "cohort"

    @property
    def label(self) -> str:
        return VISIBILITY_LABELS[self]


VISIBILITY_LABELS = {
    Visibility.PRIVATE: "Only me",
    Visibility.COACH: "Me and my coach",
    Visibility.AUTHORITY: "My authority",
    Visibility.COHORT: "The whole cohort",
}


class ReflectionStatus(enum.StrEnum):
    """The author's side of it. Hidden is not a status: it is a facilitator's decision,
    a :class:`ReflectionModeration` row (migration 0006 moved the old HIDDEN ones)."""

    DRAFT = "draft"
    PENDING = "pending"  # cohort-wide with possible identifiers: waits for a facilitator
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "pending": "Waiting for a facilitator",
            "published": "Shared",
        }[self.value]


HIDDEN_LABEL = "Hidden by a facilitator"


class Reflection(CohortShared, db.Model):
    __tablename__ = "reflections"
    __table_args__ = (
        Index("ix_reflections_board_published", "board_id", "published_at"),
        # A board's "newest first" (boards/search.py NEWEST): a page reads ~21 rows.
        Index(
            "ix_reflections_board_newest",
            "board_id",
            text("coalesce(published_at, updated_at) DESC"),
            text("id DESC"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(150), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    template: Mapped[str | None] = mapped_column(String(20))
    # Normalised themes, comma-delimited with a comma at each end: ",risk,supervision,".
    themes: Mapped[str] = mapped_column(String(400), default="")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.PRIVATE)
    status: Mapped[ReflectionStatus] = mapped_column(
        _enum(ReflectionStatus), default=ReflectionStatus.DRAFT
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placements.id", ondelete="SET NULL")
    )
    findings: Mapped[int] = mapped_column(default=0)  # identifier check, when last shared
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    board: Mapped[Board] = relationship()
    author = relationship("User", foreign_keys=[author_id])
    tenant = relationship("Tenant")
    session = relationship("Session")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="reflection", order_by="Comment.id", passive_deletes=True
    )
    # Read-only from here: decisions are written as the host's rows, never through the
    # authority's reflection (which would put it in the session's dirty set).
    moderation: Mapped[ReflectionModeration | None] = relationship(viewonly=True)

    @property
    def theme_list(self) -> list[str]:
        return [t for t in self.themes.split(",") if t]

    @property
    def is_hidden(self) -> bool:
        return self.moderation is not None and self.moderation.hidden_at is not None

    @property
    def hidden_reason(self) -> str | None:
        return self.moderation.hidden_reason if self.is_hidden else None

    @property
    def pinned_at(self) -> datetime | None:
        return self.moderation.pinned_at if self.moderation is not None else None

    @property
    def state_label(self) -> str:
        return HIDDEN_LABEL if self.is_hidden else self.status.label

    def __str__(self) -> str:
        return self.title or "Untitled reflection"


class Comment(CohortShared, db.Model):
    """A comment, owned by the commenter's authority (the post's, for host staff)."""

    __tablename__ = "reflection_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reflection: Mapped[Reflection] = relationship(back_populates="comments")
    author = relationship("User")
    moderation: Mapped[CommentModeration | None] = relationship(viewonly=True)

    @property
    def hidden_reason(self) -> str | None:
        return self.moderation.hidden_reason if self.moderation is not None else None


class Reaction(CohortShared, db.Model):
    """ "This helped me": one per person per reflection."""

    __tablename__ = "reflection_reactions"
    __table_args__ = (UniqueConstraint("reflection_id", "user_id", name="one_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flag(CohortShared, db.Model):
    """Someone thinks a reflection or comment needs a facilitator's eye."""

    __tablename__ = "reflection_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflection_comments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reflection: Mapped[Reflection] = relationship()
    comment = relationship("Comment")
    user = relationship("User", foreign_keys=[user_id])


# --- The host's moderation decisions (not tenant-owned: see the module docstring) ----------


class ReflectionModeration(db.Model):
    """A facilitator's decisions on one reflection: hidden (with the reason its author is
    shown), pinned. A hidden one is seen by its author and the moderators only."""

    __tablename__ = "reflection_moderation"

    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), primary_key=True
    )
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None]
    pinned_at: Mapped[datetime | None]
    pinned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CommentModeration(db.Model):
    """A comment a facilitator hid, and why (shown in its place)."""

    __tablename__ = "comment_moderation"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_comments.id", ondelete="CASCADE"), primary_key=True
    )
    hidden_reason: Mapped[str] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagOutcome(enum.StrEnum):
    DISMISSED = "dismissed"  # looked at, nothing to do
    HIDDEN = "hidden"  # the reflection was hidden
    RESTORED = "restored"  # the reflection was looked at again and restored
    RESOLVED = "resolved"  # resolved before outcomes were kept (migration 0006)


class FlagResolution(db.Model):
    """A flag a facilitator has dealt with: it leaves the moderation queue."""

    __tablename__ = "flag_resolutions"

    flag_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_flags.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[FlagOutcome] = mapped_column(_enum(FlagOutcome))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestPreference(db.Model):
    """Whether a person wants the weekly digest (yes unless they opt out)."""

    __tablename__ = "digest_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    weekly: Mapped[bool] = mapped_column(default=True)
    last_sent_at: Mapped[datetime | None]
