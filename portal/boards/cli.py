"""``flask boards …``: learning-board chores."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

boards_cli = AppGroup("boards", help="Learning boards.")


@boards_cli.command("schedule-digest")
def schedule_digest_command() -> None:
    """Make sure the weekly digest is scheduled (idempotent: run it on every release)."""
    from portal.boards.service import next_digest_time, schedule_weekly_digest

    added = schedule_weekly_digest()
    db.session.commit()
    when = next_digest_time().strftime("%Y-%m-%d %H:%M UTC")
    click.echo(f"Weekly digest {'scheduled' if added else 'already scheduled'} (next: {when})")
