"""Email: written in the transaction that causes it, sent by a background job.

:func:`queue_mail` adds the message and a ``mail.send`` outbox row to the
caller's transaction, so nothing is sent for a change that rolled back and
nothing is lost for one that committed. With a mail server configured the job
sends it over SMTP once (a second run finds it sent and does nothing); without
one, the message stays in the portal's mailbox for the centre admin to read.

The mailbox shows a message without its secret links, and the HTML part links only
the portal's own pages (``portal.mail.links``); old bodies are removed nightly
(``portal.mail.retention``).
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import func, select

from portal.common.clock import utcnow
from portal.extensions import db
from portal.jobs.service import enqueue
from portal.mail.links import html_paragraphs, without_secret_links
from portal.mail.models import MailMessage


def queue_mail(
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    tenant_id: int | None,
    calendar: bytes | None = None,
) -> MailMessage:
    """Add a message (and the job that sends it) to the caller's transaction; ``calendar``
    is an iCalendar file to attach.

    ``kind`` says what the message is. A kind in ``portal.mail.links.SECRET_LINK_KINDS`` marks every
    link in the body as a secret: the email keeps it, the mailbox shows only that it was
    sent. (A link to a page that takes a token is hidden there whatever the kind.)
    """
    message = MailMessage(
        recipient=to,
        subject=subject,
        body_text=body,
        kind=kind,
        tenant_id=tenant_id,
        calendar=calendar.decode() if calendar else None,
    )
    db.session.add(message)
    db.session.flush()
    enqueue("mail.send", tenant_id=tenant_id, message_id=message.id)
    return message


def sent_lately(recipient: str, kind: str, *, within: timedelta) -> int:
    """How many emails of ``kind`` went to ``recipient`` in the last ``within``: for the
    limits on resets and invitations, however often they are asked for."""
    return db.session.scalar(
        select(func.count(MailMessage.id)).where(
            MailMessage.recipient == recipient,
            MailMessage.kind == kind,
            MailMessage.created_at > utcnow() - within,
        )
    )


def render_html(message: MailMessage) -> str:
    """The HTML part: the body as paragraphs, in which only the portal's links are links."""
    organisation = message.tenant.name if message.tenant else "Centre for Social Work"
    return render_template(
        "mail/message.html",
        subject=message.subject,
        organisation=organisation,
        paragraphs=html_paragraphs(message.body_text),
    )


def send_message(message_id: int) -> bool:
    """Send one message over SMTP unless it was sent already; True if sent now."""
    config = current_app.config
    message = db.session.scalar(
        select(MailMessage).where(MailMessage.id == message_id).with_for_update()
    )
    if message is None or message.sent_at is not None or message.body_removed:
        return False  # sent already, or kept so long its body was removed: never sent empty
    if not config.get("MAIL_SERVER"):
        return False  # embedded: it stays in the portal's mailbox
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    domain = urlsplit(config["PORTAL_BASE_URL"]).hostname or "localhost"
    # Stable per message, so a re-send after a crash is recognisably the same email.
    email["Message-ID"] = f"<portal-mail-{message.id}@{domain}>"
    email["X-Portal-Message"] = str(message.id)
    email.set_content(message.body_text)
    email.add_alternative(render_html(message), subtype="html")
    if message.calendar:
        email.add_attachment(
            message.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="session.ics",
        )
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
    message.sent_at = utcnow()
    message.error = None
    return True


def mailbox_query():
    """The portal's kept email, newest first: a select for pagination."""
    return select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())


def mailbox_body(message: MailMessage) -> str | None:
    """The body as the centre admin's mailbox shows it: secret links replaced by a note
    that one was sent (never the link itself); None once the body has been removed."""
    if message.body_removed:
        return None
    return without_secret_links(
        message.body_text, kind=message.kind, sent_at=message.sent_at or message.created_at
    )
