"""Email the portal has to send, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.clock import utcnow
from portal.extensions import db
from portal.tenancy import TenantOrHost


class MailMessage(TenantOrHost, db.Model):
    """One email. Without a mail server configured it stays here, in the portal's mailbox."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    # Emptied (with ``calendar``) once older than MAIL_BODY_RETENTION_DAYS: see retention.py.
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    # An iCalendar file sent along (a session booked, moved or cancelled).
    calendar: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))

    tenant = relationship("Tenant")

    @property
    def body_removed(self) -> bool:
        """True once the nightly purge has removed the body (the column is never NULL)."""
        return self.body_text == ""
