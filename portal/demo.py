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
        sign_ins = _seed_people()
        _seed_sessions()
        _seed_boards()
        _seed_programme()
        db.session.flush()  # inside the scope: audit events and outbox rows are tenants'
        return sign_ins


def _seed_programme() -> None:
    """A practice leader round open now, with its questions and criteria, so the public
    programme page and Apply now show something."""
    from datetime import timedelta

    from portal.common.clock import today
    from portal.programme import rounds
    from portal.programme.models import Round

    if db.session.scalar(select(Round.id).limit(1)) is not None:
        return
    admin = db.session.scalar(select(User).where(User.role == Role.CENTRE_ADMIN).limit(1))
    day = today()
    held = rounds.open_round(
        actor=admin, title=f"Practice leaders {day.year + 1}", opens_on=day - timedelta(days=14),
        opens_time="09:00:00", closes_on=day + timedelta(days=42), closes_time="23:59:59",
        places=20,
    )  # fmt: skip
    for text, reason in PROGRAMME_QUESTIONS:
        rounds.add_question(held.id, actor=admin, text=text, eligible_answer="yes", reason=reason)
    for title, stage, weight, independent, descriptors in PROGRAMME_CRITERIA:
        rounds.add_criterion(held.id, actor=admin, title=title, descriptors=descriptors,
                             weight=weight, stage=stage, independent=independent)  # fmt: skip


PROGRAMME_QUESTIONS = [
    ("Do you manage social workers in a council's children's services in England?",
     "The programme is for managers in the children's services of councils in England."),
    ("Are you registered with Social Work England?",
     "Participants must be registered social workers."),
    ("Will your director of children's services endorse your application?",
     "Each application needs the endorsement of the applicant's director of children's services."),
]  # fmt: skip
PROGRAMME_CRITERIA = [
    ("Leading practice across a service", "application", 3, False,
     ["Little evidence of leading practice beyond a team", "Some evidence, in one service",
      "Clear evidence of improving practice across a service", "Strong, sustained evidence of improving practice across services"]),
    ("Working with partners and the wider system", "application", 2, False,
     ["Little evidence", "Some evidence with one partner", "Clear evidence with several partners", "Strong evidence of shaping the system with partners"]),
    ("Learning from children and families", "application", 2, False,
     ["Little evidence", "Some evidence", "Clear evidence that it changed practice", "Strong evidence that it changed practice across a service"]),
    ("Readiness for an assistant director role", "assessment", 1, True,
     ["Not yet", "Emerging", "Ready within two years", "Ready now"]),
]  # fmt: skip


def _seed_boards() -> None:
    """A cohort board with two reflections from different authorities, an internal board
    for Northbrook, and the weekly digest scheduled."""
    from portal.boards import service as boards
    from portal.boards.models import Board, Visibility
    from portal.tenants.models import Cohort

    boards.schedule_weekly_digest()
    if db.session.scalar(select(Board.id)):
        return
    people = {u.email: u for u in db.session.scalars(select(User))}
    facilitator = people.get("facilitator@centre.example")
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    cohort = db.session.scalar(select(Cohort).order_by(Cohort.year))
    if facilitator is None or cohort is None:
        return
    board = boards.create_board(
        actor=facilitator, cohort=cohort, tenant=None, title="Joint visits and consultations",
        purpose="What you learned going out with tri-borough practitioners.",
        prompts="What did the practitioner do that you want to try?\nWhat surprised you?",
    )  # fmt: skip
    if "northbrook" in tenants:
        boards.create_board(actor=facilitator, cohort=cohort, tenant=tenants["northbrook"],
                            title="Northbrook practice notes")  # fmt: skip
    writings = [
        ("participant@northbrook.example", "northbrook", "Strengths first at the front door",
         "## What happened\n\nI sat in on the morning MASH meeting. The practitioner opened "
         "every discussion with what was going well for the family before the worries.\n\n"
         "## What I learned\n\nIt changed the tone of the whole meeting.", "strengths, mash"),
        ("participant@eastmere.example", "eastmere", "Chairing a strategy discussion",
         "The chair kept bringing us back to the *child's lived experience*. I want to try "
         "that in our own strategy meetings.", "strategy, chairing"),
    ]  # fmt: skip
    for email, slug, title, body, themes in writings:
        author, tenant = people.get(email), tenants.get(slug)
        if author is None or tenant is None:
            continue
        reflection = boards.start_reflection(actor=author, tenant=tenant, board_id=board.id)
        boards.save_draft(reflection.id, actor=author, title=title, body=body, themes=themes,
                          visibility=Visibility.COHORT)  # fmt: skip
        boards.share(reflection.id, actor=author)


def _seed_sessions() -> None:
    """Working hours for host staff, cleared placements for two participants (so joint
    visits can be booked at once), and a fortnightly supervision group."""
    from portal.common.clock import today

    people = {u.email: u for u in db.session.scalars(select(User))}
    _seed_hours(people)
    _seed_placements(people, today())
    db.session.flush()
    _seed_group(people.get("facilitator@centre.example"), today())


def _seed_hours(people: dict) -> None:
    from datetime import time

    from portal.sessions import service as sessions
    from portal.sessions.models import AvailabilityWindow

    for user in people.values():
        if user.is_host and user.role != Role.CENTRE_ADMIN and not sessions.windows_for(user.id):
            for weekday in range(5):
                db.session.add(AvailabilityWindow(user_id=user.id, weekday=weekday,
                                                  starts=time(9), ends=time(17)))  # fmt: skip


def _seed_placements(people: dict, today) -> None:
    from datetime import timedelta

    from portal.common.clock import utcnow
    from portal.placements.clearance import checklist_done
    from portal.placements.models import Placement, PlacementStatus

    front_door = db.session.scalar(
        select(HostService).where(HostService.name == "Front Door and MASH")
    )
    for email in ("participant@northbrook.example", "participant@eastmere.example"):
        person = people.get(email)
        has_one = person is not None and db.session.scalar(
            select(Placement.id).where(Placement.participant_id == person.id)
        )
        if person is None or front_door is None or has_one:
            continue
        tenant_id = db.session.scalar(
            select(Membership.tenant_id).where(Membership.user_id == person.id)
        )
        manager = (
            "manager@northbrook.example" if "northbrook" in email else "manager@eastmere.example"
        )
        db.session.add(Placement(
            tenant_id=tenant_id, participant_id=person.id, service_id=front_door.id,
            status=PlacementStatus.CLEARED, starts_on=today, ends_on=today + timedelta(days=90),
            weekdays=0b00011, learning_goals="See how the front door weighs up referrals, and join strategy discussions.",
            requested_by_id=people[manager].id,
            # Cleared means its checklist is done: each item confirmed by the manager.
            **checklist_done(people[manager].id, utcnow()),
        ))  # fmt: skip


def _seed_group(facilitator, today) -> None:
    from datetime import time, timedelta

    from portal.errors import RuleError
    from portal.sessions import service as sessions
    from portal.sessions.models import Session, SessionKind
    from portal.sessions.slots import bank_holiday, local

    if facilitator is None or db.session.scalar(
        select(Session.id).where(Session.tenant_id.is_(None))
    ):
        return
    day = today + timedelta(days=3)
    while day.weekday() != 1 or bank_holiday(day):  # a Tuesday
        day += timedelta(days=1)
    start = local(day, time(14))
    try:
        with db.session.begin_nested():
            sessions.create_group(
                actor=facilitator, kind=SessionKind.SUPERVISION_GROUP,
                title="Reflective supervision group", starts_at=start,
                ends_at=start + timedelta(hours=2), location=sessions.ONLINE, seats=8,
                seats_per_authority=3, repeat="fortnightly", count=4,
                agenda="Bring a piece of practice you keep thinking about.",
            )  # fmt: skip
    except RuleError as error:  # e.g. a bank holiday in the series: the demo does without
        click.echo(f"Demo supervision group skipped: {error.message}")


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
        click.echo(
            "Email: kept in the portal (centre admin, then Mailbox; links are hidden there:"
            " see the README to catch emails locally)."
        )
    click.echo("")
