"""``flask mail …``: keeping email no longer than it is needed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

mail_cli = AppGroup("mail", help="Email kept in the portal.")


@mail_cli.command("schedule-purge")
def schedule_purge_command() -> None:
    """Make sure the nightly removal of old email bodies is booked (idempotent: the
    Procfile's release step runs it on every release)."""
    from portal.mail.retention import next_purge_time, schedule_body_purge

    added = schedule_body_purge()
    db.session.commit()
    when = next_purge_time().strftime("%Y-%m-%d %H:%M UTC")
    click.echo(
        f"Nightly purge of old email bodies {'scheduled' if added else 'already scheduled'} "
        f"(next: {when})"
    )


@mail_cli.command("purge-bodies")
def purge_bodies_command() -> None:
    """Remove the bodies of emails older than MAIL_BODY_RETENTION_DAYS now (the nightly
    job does the same)."""
    from portal.mail.retention import body_retention_days, purge_old_bodies

    purged = purge_old_bodies()
    db.session.commit()
    click.echo(f"Removed the bodies of {purged} emails older than {body_retention_days()} days")
