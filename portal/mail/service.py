"""Queueing and delivering email.

A message row is written in the same transaction as the change that needs it, so
nothing is sent for a change that rolled back and nothing is lost for one that
committed. After the commit, :func:`deliver_pending` sends what is waiting when
a mail server is configured; otherwise messages stay in the portal's mailbox,
readable by the centre admin (useful for the demo and local work).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.mail.models import MailMessage
from portal.timeutil import utcnow


def queue_mail(
    *, to: str, subject: str, body: str, kind: str, tenant_id: int | None
) -> MailMessage:
    """Add a message to the session; it is sent only if the transaction commits."""
    message = MailMessage(
        recipient=to, subject=subject, body_text=body, kind=kind, tenant_id=tenant_id
    )
    db.session.add(message)
    return message


# Until the background-work issue adds the outbox relay, messages committed by a
# request are sent when that request finishes. The ids are collected on commit,
# so a message whose transaction rolled back is never sent.


def _after_flush(session: Session, flush_context) -> None:
    flushed = session.info.setdefault("portal_mail_flushed", [])
    flushed += [obj.id for obj in session.new if isinstance(obj, MailMessage)]


def _after_commit(session: Session) -> None:
    ids = session.info.pop("portal_mail_flushed", [])
    if ids and has_app_context():
        g.setdefault("portal_mail_committed", []).extend(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop("portal_mail_flushed", None)


def _deliver_after_request(response):
    ids = g.pop("portal_mail_committed", [])
    if ids and current_app.config.get("MAIL_SERVER"):
        deliver_pending(ids)
    return response


def init_app(app: Flask) -> None:
    if not getattr(Session, "_portal_mail_installed", False):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _after_rollback(s))
        Session._portal_mail_installed = True
    app.after_request(_deliver_after_request)


def deliver_pending(ids: list[int]) -> int:
    """Send the given messages if a mail server is configured; returns how many went."""
    config = current_app.config
    if not config.get("MAIL_SERVER") or not ids:
        return 0
    sent = 0
    messages = db.session.scalars(
        select(MailMessage).where(MailMessage.id.in_(ids), MailMessage.sent_at.is_(None))
    )
    for message in messages:
        email = EmailMessage()
        email["From"] = config["MAIL_FROM"]
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = (
            f"<portal-mail-{message.id}@{config['PORTAL_BASE_URL'].split('//')[-1]}>"
        )
        email.set_content(message.body_text)
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            message.error = str(error)[:300]
            current_app.logger.warning("mail %s not sent: %s", message.id, error)
            continue
        message.sent_at = utcnow()
        message.error = None
        sent += 1
    db.session.commit()
    return sent
