"""Sessions: time partner staff spend with host practitioners, and the hosts' availability.

A joint visit or case consultation belongs to the participant's authority
(``tenant_id``). Group sessions (supervision groups, seminars, the residential)
belong to the host (``tenant_id`` NULL): every authority in the cohort sees the
session, but each seat is owned by the participant's authority, so nobody sees
who else is coming from another authority.

Times are stored in UTC; availability windows are London wall-clock times.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db
from portal.tenancy import TenantOrHost, TenantOwned


class SessionKind(enum.StrEnum):
    JOINT_VISIT = "joint_visit"
    CONSULTATION = "consultation"
    SUPERVISION_GROUP = "supervision_group"
    SEMINAR = "seminar"
    RESIDENTIAL = "residential"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def is_group(self) -> bool:
        return self in GROUP_KINDS


KIND_LABELS = {
    SessionKind.JOINT_VISIT: "Joint visit",
    SessionKind.CONSULTATION: "Case consultation",
    SessionKind.SUPERVISION_GROUP: "Reflective supervision group",
    SessionKind.SEMINAR: "Seminar",
    SessionKind.RESIDENTIAL: "Residential",
}
ONE_TO_ONE_KINDS = (SessionKind.JOINT_VISIT, SessionKind.CONSULTATION)
GROUP_KINDS = frozenset(
    {SessionKind.SUPERVISION_GROUP, SessionKind.SEMINAR, SessionKind.RESIDENTIAL}
)


class SessionStatus(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for the host to confirm
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    SessionStatus.PROPOSED: "Waiting for the host to confirm",
    SessionStatus.CONFIRMED: "Confirmed",
    SessionStatus.CANCELLED: "Cancelled",
    SessionStatus.COMPLETED: "Completed",
    SessionStatus.NO_SHOW: "No-show",
}
# A session in these states takes up its people's time.
BUSY = (SessionStatus.PROPOSED, SessionStatus.CONFIRMED)


class PlaceStatus(enum.StrEnum):
    BOOKED = "booked"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return "Attended" if self is Attendance.ATTENDED else "Did not attend"


def _enum(kind, length=20):
    return Enum(kind, native_enum=False, length=length)


def new_uid() -> str:
    return uuid.uuid4().hex


class Session(TenantOrHost, db.Model):
    """Something that happens at a time, led by a host, with one participant or many seats."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
        CheckConstraint("seats >= 1", name="at_least_one_seat"),
        Index("ix_sessions_host_time", "host_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across reschedules and cancellation: calendar apps match events by it.
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    # Bumped on every change a calendar must notice (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind, 30))
    title: Mapped[str] = mapped_column(String(120))
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("host_services.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # An office, or "Online": never a family's address.
    location: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus), default=SessionStatus.CONFIRMED
    )
    seats: Mapped[int] = mapped_column(default=1)
    seats_per_authority: Mapped[int | None]
    # Occurrences of one recurring group share a series id.
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    occurrence: Mapped[int] = mapped_column(default=1)
    change_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    host = relationship("User", foreign_keys=[host_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    service = relationship("HostService")
    tenant = relationship("Tenant")
    places: Mapped[list[Place]] = relationship(back_populates="session", order_by="Place.id")

    @property
    def is_group(self) -> bool:
        return self.kind.is_group

    @property
    def is_open(self) -> bool:
        return self.status in BUSY

    def __str__(self) -> str:
        return self.title


class Place(TenantOwned, db.Model):
    """One participant's place in a session: booked, on the waiting list, or given up.

    Owned by the participant's authority, so other authorities never see it.
    """

    __tablename__ = "session_places"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id", name="one_place_each"),
        Index("ix_session_places_participant", "participant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[PlaceStatus] = mapped_column(_enum(PlaceStatus), default=PlaceStatus.BOOKED)
    attendance: Mapped[Attendance | None] = mapped_column(_enum(Attendance))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[Session] = relationship(back_populates="places")
    participant = relationship("User", foreign_keys=[participant_id])


class AvailabilitySettings(db.Model):
    """A host practitioner's rules for being booked (host data: not tenant-owned)."""

    __tablename__ = "availability_settings"
    __table_args__ = (
        CheckConstraint("buffer_before >= 0 AND buffer_after >= 0", name="buffers_not_negative"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    buffer_before: Mapped[int] = mapped_column(default=30)  # minutes, e.g. travel there
    buffer_after: Mapped[int] = mapped_column(default=30)  # minutes, travel back and notes
    max_per_day: Mapped[int | None]  # None: no limit (defaults in service.settings_for)
    max_per_week: Mapped[int | None]
    confirm_bookings: Mapped[bool] = mapped_column(default=False)


class AvailabilityWindow(db.Model):
    """A weekly working window in London time: Monday (0) 09:00 to 17:00."""

    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="window_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]


class ExceptionKind(enum.StrEnum):
    LEAVE = "leave"
    TRAINING = "training"
    OTHER = "other"


class AvailabilityException(db.Model):
    """Whole days a host cannot be booked: leave, training."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    kind: Mapped[ExceptionKind] = mapped_column(_enum(ExceptionKind))
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarFeed(db.Model):
    """A person's private calendar subscription. Only a hash of the token is kept;
    a new link replaces the old one, which stops working at once."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
