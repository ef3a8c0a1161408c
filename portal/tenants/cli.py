"""``flask tenants sync``: load tenants/<slug>.toml into the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal import tenancy
from portal.extensions import db
from portal.tenants.files import TenantFileError
from portal.tenants.service import sync_tenants

tenants_cli = AppGroup("tenants", help="Partner authorities (tenants).")


@tenants_cli.command("sync")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of tenant files (default: TENANTS_DIR, ./tenants).",
)
@click.option("--check", is_flag=True, help="Validate and report, but change nothing.")
def sync_command(directory: Path | None, check: bool) -> None:
    """Validate every tenant file, then add or update the tenants they describe."""
    directory = directory or Path(current_app.config["TENANTS_DIR"])
    try:
        # Tenant files describe every authority, so this is a cross-tenant job.
        with tenancy.system_scope():
            report = sync_tenants(directory)
            if check:
                db.session.rollback()
            else:
                db.session.commit()
    except TenantFileError as error:
        db.session.rollback()
        for file, key, message in error.problems:
            click.echo(f"error: {file}: {key}: {message}", err=True)
        raise click.ClickException("no changes made; fix the files above and run again") from None
    for line in report.lines() or ["No tenant files found"]:
        click.echo(line)
    if check:
        click.echo("(--check: nothing was written)")
