"""The host partnership: its boroughs and the services partner staff spend time in."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Borough(enum.StrEnum):
    KENSINGTON_CHELSEA = "Kensington and Chelsea"
    WESTMINSTER = "Westminster"
    HAMMERSMITH_FULHAM = "Hammersmith and Fulham"


class HostService(db.Model):
    """A team in one host borough, with a placement capacity and a lead."""

    __tablename__ = "host_services"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    borough: Mapped[Borough] = mapped_column(Enum(Borough, native_enum=False, length=40))
    kind: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    office: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(default=2)
    # The lead is the person with the service-lead role whose service this is
    # (users.host_service_id), so there is one source of truth for it.

    def __str__(self) -> str:
        return f"{self.name} ({self.borough.value})"
