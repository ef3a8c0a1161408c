"""Cohorts (programme years) and tenants (partner authorities)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    tenants: Mapped[list[Tenant]] = relationship(back_populates="cohort", order_by="Tenant.name")

    def __str__(self) -> str:
        return f"Cohort {self.year}"


class Tenant(db.Model):
    """A partner authority. Its identity comes from ``tenants/<slug>.toml``."""

    __tablename__ = "tenants"
    __table_args__ = (UniqueConstraint("custom_domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    brand_colour: Mapped[str] = mapped_column(String(7))
    logo: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    retention_months: Mapped[int]
    custom_domain: Mapped[str | None] = mapped_column(String(253))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="tenants")

    def __str__(self) -> str:
        return self.name
