"""``flask seed-demo``: the host partnership, cohort 2027, three partner authorities,
and a person in every role, so a newcomer can sign in and look around."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.host.models import Borough, HostService
from portal.tenants.models import Tenant
from portal.tenants.service import TenantFileError, sync_tenants

DEMO_PASSWORD = "correct-horse-partnership"  # noqa: S105 - printed for the demo on purpose

SERVICES = [
    ("Front Door and MASH", Borough.WESTMINSTER, "Front door", "Westminster City Hall, 64 Victoria Street", 3),
    ("Assessment Team", Borough.KENSINGTON_CHELSEA, "Assessment", "Kensington Town Hall, Hornton Street", 2),
    ("Looked After Children", Borough.HAMMERSMITH_FULHAM, "Looked after children", "Hammersmith Town Hall, King Street", 2),
    ("Fostering and Adoption", Borough.WESTMINSTER, "Fostering", "Westminster City Hall, 64 Victoria Street", 1),
    ("Edge of Care", Borough.HAMMERSMITH_FULHAM, "Edge of care", "Hammersmith Town Hall, King Street", 2),
]  # fmt: skip

# (email, name, role, tenant slugs: own authority or the ones they work with, service)
PEOPLE = [
    ("admin@centre.example", "Grace Adeyemi", Role.CENTRE_ADMIN, [], None),
    ("facilitator@centre.example", "Martin Kowalski", Role.FACILITATOR,
     ["northbrook", "eastmere", "southwick"], None),
    ("lead@triborough.example", "Sarah Bennett", Role.SERVICE_LEAD,
     ["northbrook", "eastmere", "southwick"], "Assessment Team"),
    ("practitioner@triborough.example", "Daniel Osei", Role.HOST_PRACTITIONER,
     ["northbrook", "eastmere"], "Front Door and MASH"),
    ("manager@northbrook.example", "Priya Shah", Role.PARTNER_MANAGER, ["northbrook"], None),
    ("participant@northbrook.example", "Leah Morgan", Role.PARTICIPANT, ["northbrook"], None),
    ("manager@eastmere.example", "Tom Okafor", Role.PARTNER_MANAGER, ["eastmere"], None),
    ("participant@eastmere.example", "Jack Whitfield", Role.PARTICIPANT, ["eastmere"], None),
    ("manager@southwick.example", "Aisha Rahman", Role.PARTNER_MANAGER, ["southwick"], None),
    ("participant@southwick.example", "Ruth Campbell", Role.PARTICIPANT, ["southwick"], None),
]  # fmt: skip


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo data if it is not there yet; returns (email, role) sign-ins.

    Demo data spans every authority by design, so it runs in the system scope,
    taken afresh once the tenant files have added any new authorities.
    """
    with tenancy.system_scope():
        sync_tenants(Path(current_app.config["TENANTS_DIR"]))
    with tenancy.system_scope():
        return _seed_people()


def _seed_people() -> list[tuple[str, str]]:
    services = {s.name: s for s in db.session.scalars(select(HostService))}
    for name, borough, kind, office, capacity in SERVICES:
        if name not in services:
            services[name] = HostService(
                name=name,
                borough=borough,
                kind=kind,
                office=office,
                capacity=capacity,
                description=f"{kind} social work in {borough.value}.",
            )
            db.session.add(services[name])
    db.session.flush()
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, slugs, service_name in PEOPLE:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=role, password_hash=password_hash)
            if service_name:
                user.host_service_id = services[service_name].id
            db.session.add(user)
            db.session.flush()
            for slug in slugs:
                if slug in tenants:
                    db.session.add(Membership(user_id=user.id, tenant_id=tenants[slug].id))
    db.session.flush()
    return [(email, role.label) for email, _, role, _, _ in PEOPLE]


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create demo data (idempotent) and print the demo sign-ins."""
    try:
        sign_ins = seed_demo()
        db.session.commit()
    except TenantFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})\n")
    width = max(len(e) for e, _ in sign_ins)
    for email, role in sign_ins:
        click.echo(f"  {email.ljust(width)}  {role}")
    if current_app.config["REDIS_URL"]:
        click.echo("\nBackground work: RQ on REDIS_URL (start `flask --app portal worker`).")
    else:
        click.echo("\nBackground work: embedded, in the web process (set REDIS_URL to use RQ).")
    if not current_app.config["MAIL_SERVER"]:
        click.echo("Email: kept in the portal (sign in as the centre admin, then Mailbox).")
    click.echo("")
