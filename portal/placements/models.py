"""Placements: a participant's time in a tri-borough service, from request to evaluation."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db
from portal.placements import weekdays
from portal.tenancy import TenantOwned


class PlacementStatus(enum.StrEnum):
    REQUESTED = "requested"
    PROPOSED = "proposed"  # the service lead proposed other dates
    APPROVED = "approved"
    CLEARED = "cleared"  # compliance checklist done
    ACTIVE = "active"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    PlacementStatus.REQUESTED: "Requested",
    PlacementStatus.PROPOSED: "Other dates proposed",
    PlacementStatus.APPROVED: "Approved",
    PlacementStatus.CLEARED: "Cleared",
    PlacementStatus.ACTIVE: "Active",
    PlacementStatus.COMPLETED: "Completed",
    PlacementStatus.EVALUATED: "Evaluated",
    PlacementStatus.DECLINED: "Declined",
    PlacementStatus.WITHDRAWN: "Withdrawn",
    PlacementStatus.CANCELLED: "Cancelled",
}
# A placement in these states holds a place in its service on every day of its dates.
HOLDS_A_PLACE = frozenset(
    {PlacementStatus.APPROVED, PlacementStatus.CLEARED, PlacementStatus.ACTIVE}
)
OPEN = HOLDS_A_PLACE | {PlacementStatus.REQUESTED, PlacementStatus.PROPOSED}
# A placement in these states went through its clearance checklist: every item is done.
PAST_CLEARANCE = frozenset(
    {
        PlacementStatus.CLEARED,
        PlacementStatus.ACTIVE,
        PlacementStatus.COMPLETED,
        PlacementStatus.EVALUATED,
    }
)
ENDED = frozenset(
    {
        PlacementStatus.EVALUATED,
        PlacementStatus.DECLINED,
        PlacementStatus.WITHDRAWN,
        PlacementStatus.CANCELLED,
    }
)

_status_type = Enum(PlacementStatus, native_enum=False, length=20)


class Placement(TenantOwned, db.Model):
    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("weekdays BETWEEN 1 AND 31", name="weekdays_monday_to_friday"),
        Index("ix_placements_service_dates", "service_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("host_services.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[PlacementStatus] = mapped_column(_status_type, default=PlacementStatus.REQUESTED)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Which days of the week the participant is in the service: bit 0 Monday … bit 4
    # Friday (portal.placements.weekdays). Capacity counts a placement on those only.
    weekdays: Mapped[int] = mapped_column(SmallInteger)
    learning_goals: Mapped[str] = mapped_column(Text)
    proposed_starts_on: Mapped[date | None]
    proposed_ends_on: Mapped[date | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))
    dbs_confirmed_at: Mapped[datetime | None]
    dbs_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sharing_agreement_at: Mapped[datetime | None]
    sharing_agreement_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    induction_at: Mapped[datetime | None]
    induction_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    participant_evaluation: Mapped[str | None] = mapped_column(Text)
    host_feedback: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participant = relationship("User", foreign_keys=[participant_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    service = relationship("HostService")
    tenant = relationship("Tenant")
    events: Mapped[list[PlacementEvent]] = relationship(
        back_populates="placement", order_by="PlacementEvent.id"
    )

    @property
    def cleared(self) -> bool:
        return None not in (self.dbs_confirmed_at, self.sharing_agreement_at, self.induction_at)

    @property
    def days_per_week(self) -> int:
        return len(weekdays.days_of(self.weekdays))

    @property
    def days(self) -> str:
        """The days of the week it uses, in words: "Mondays and Tuesdays"."""
        return weekdays.in_words(self.weekdays)

    def __str__(self) -> str:
        return f"{self.participant} in {self.service}"


class PlacementEvent(TenantOwned, db.Model):
    """One change of a placement: who, when, from and to which state, and why."""

    __tablename__ = "placement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[PlacementStatus | None] = mapped_column(_status_type)
    to_status: Mapped[PlacementStatus] = mapped_column(_status_type)
    note: Mapped[str | None] = mapped_column(String(500))

    placement: Mapped[Placement] = relationship(back_populates="events")
    actor = relationship("User")
