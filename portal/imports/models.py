"""An uploaded file of participants, kept only until its import job has read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.clock import utcnow
from portal.extensions import db
from portal.tenancy import TenantOwned


class ParticipantImport(TenantOwned, db.Model):
    __tablename__ = "participant_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    # The file's text: names and work emails. Emptied as soon as the import has run.
    content: Mapped[str | None] = mapped_column(Text)
    job_run_id: Mapped[str] = mapped_column(String(64), index=True)
