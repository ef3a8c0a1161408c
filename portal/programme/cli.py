"""``flask programme …``: the programme's chores."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.programme import councils

programme_cli = AppGroup("programme", help="The practice leader programme.")


@programme_cli.command("refresh-councils")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--write/--dry-run",
    default=False,
    help="Write the register (default: only say what would change).",
)
def refresh_councils_command(source: Path, write: bool) -> None:
    """Refresh the council register from a newer copy of mySociety's
    uk_local_authorities_current.csv (https://github.com/mysociety/
    uk_local_authority_names_and_codes, data/packages/uk_la_past_current/). The email
    domains already known are kept; a new council needs its domains added by hand."""
    known = councils.read_register(councils.REGISTER.read_text(encoding="utf-8"))
    result = councils.refresh(source.read_text(encoding="utf-8-sig"), known)
    click.echo(f"{len(result.councils)} councils ({len(known)} now)")
    for council in result.added:
        click.echo(f"  new: {council.name} ({council.gss_code})")
    for council in result.gone:
        click.echo(f"  no longer current: {council.name} ({council.gss_code})")
    for before, after in result.renamed:
        click.echo(f"  renamed: {before.name} -> {after.name} ({after.gss_code})")
    if result.without_domains:
        names = ", ".join(c.name for c in result.without_domains)
        click.echo(f"Add the email domains of: {names}, in {councils.REGISTER}")
    if not write:
        click.echo("Dry run: nothing written (use --write)")
        return
    councils.REGISTER.write_text(councils.write_register(result.councils), encoding="utf-8")
    councils.register.cache_clear()
    click.echo(f"Written: {councils.REGISTER}")
    problems = councils.problems(result.councils)
    if problems:
        raise click.ClickException(f"The register needs attention: {problems[0]}")
