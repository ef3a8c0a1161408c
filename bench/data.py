"""Grow the demo data to a chosen scale, with varied, realistic rows, in bulk.

Scale ×1 is a small partnership year; ×100 is the one issue 12 measured at: three
authorities, about 500 participants, 20,000 sessions and 100,000 reflections. Every
figure grows linearly with the factor (see :data:`PER_FACTOR`), so a page whose cost
grows with the data shows it between ×1, ×10 and ×100.

The rows are varied the way real ones are: sessions spread over the past and the coming
six months, each host's at times that do not overlap, in every state; reflections of
different lengths drawn from a vocabulary, so a search word matches some of them and not
all; the demo people who sign in (the bench's users) get their fair share of everything,
no more. The random generator is seeded, so two runs at one scale load the same rows.

Run inside an application context on PostgreSQL, after ``flask seed-demo``::

    grow(factor=100)
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.accounts.passwords import hash_password
from portal.audit.models import AuditEvent
from portal.boards.models import Board, Comment, Reflection, ReflectionStatus, Visibility
from portal.common.clock import utcnow
from portal.extensions import db
from portal.host.models import HostService
from portal.notifications.models import Notification
from portal.placements.clearance import checklist_done
from portal.placements.models import PAST_CLEARANCE, Placement, PlacementStatus
from portal.sessions.models import (
    Attendance,
    Place,
    PlaceStatus,
    Session,
    SessionKind,
    SessionStatus,
)
from portal.tenants.models import Tenant

PASSWORD = "correct-horse-partnership"  # noqa: S105 - the demo password

# How many of each, for the whole portal, per unit of scale.
PER_FACTOR = {
    "participants": 5,  # spread over the authorities: ~500 at ×100
    "hosts": 0.5,  # tri-borough practitioners who host visits: 50 at ×100
    "sessions": 200,  # 20,000 at ×100
    "reflections": 1000,  # 100,000 at ×100
    "comments": 300,
    "audit_events": 300,
    "notifications": 20,  # per signed-in bench user
}
BATCH = 2000


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "child family school referral meeting threshold plan review risk neglect "
    "strengths safety network chronology supervision reflective voice lived experience "
    "assessment visit home conference core group consent partnership practice manager "
    "court proposal care leaver fostering placement contact adolescent exploitation "
    "missing education health police housing domestic abuse substance parent carer "
    "relationship trauma informed curiosity challenge escalation decision evidence "
    "outcome wellbeing advocacy interpreter culture identity faith community youth "
    "worker nursery transition pathway edge care permanence special guardianship "
    "mash front door duty triage consultation seminar reading model systemic "
    "hypothesis formulation recording supervision workload caseload team leader"
)
# Words the bench searches for, each put in a known share of reflections (and nowhere
# else), so a search's selectivity is known: common, uncommon, rare (and "zebra", none).
SEARCHED = {"strategy": 0.05, "genogram": 0.01, "kinship": 0.001}
OPENINGS = [
    "What I noticed", "What went well", "What I would do differently", "A question I keep",
    "What the practitioner did", "What surprised me", "Learning from the visit",
    "Ideas for our authority", "Reading this week", "A conversation that stayed with me",
]  # fmt: skip
LOCATIONS = ["Kensington Town Hall", "Westminster City Hall", "Hammersmith Town Hall", "Online"]


def grow(factor: int, seed: int = 12) -> dict[str, int]:
    """Add ``factor`` units of data to the demo portal; returns what was added."""
    rng = random.Random(seed)
    with tenancy.system_scope():
        tenants = db.session.scalars(select(Tenant).order_by(Tenant.id)).all()
        services = db.session.scalars(select(HostService).order_by(HostService.id)).all()
        demo = {u.email: u for u in db.session.scalars(select(User))}
        password = hash_password(PASSWORD)
        added: dict[str, int] = {}

        participants = _people(tenants, factor, password, rng)
        hosts = _hosts(factor, password, demo)
        for tenant in tenants:  # the demo participant is one of many, not the only one
            own = f"participant@{tenant.slug}.example"
            if own in demo:
                participants[tenant.id].append(demo[own].id)
        added["participants"] = sum(len(ids) for ids in participants.values())
        added["hosts"] = len(hosts)
        added["placements"] = _placements(tenants, participants, services, demo, rng)
        added["sessions"], added["places"] = _sessions(tenants, participants, hosts, factor, rng)
        added["reflections"], added["comments"] = _reflections(tenants, participants, factor, rng)
        added["audit_events"] = _audit(tenants, participants, factor, rng)
        added["notifications"] = _notifications(demo, factor, rng)
        db.session.commit()
    return added


def _count(name: str, factor: int) -> int:
    return max(1, round(PER_FACTOR[name] * factor))


def _bulk(model, rows: list[dict], returning=None) -> list:
    ids: list = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if returning is None:
            db.session.execute(insert(model), chunk)
        else:
            ids.extend(db.session.scalars(insert(model).returning(returning), chunk).all())
    return ids


def _people(tenants, factor, password, rng) -> dict[int, list[int]]:
    each = -(-_count("participants", factor) // len(tenants))
    people: dict[int, list[int]] = {}
    for tenant in tenants:
        rows = [
            dict(email=f"p{i}@{tenant.slug}.bench", name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                 role=Role.PARTICIPANT, password_hash=password, session_stamp=f"{i:032d}",
                 active=True)
            for i in range(each)
        ]  # fmt: skip
        ids = _bulk(User, rows, returning=User.id)
        _bulk(Membership, [dict(user_id=i, tenant_id=tenant.id) for i in ids])
        people[tenant.id] = ids
    return people


def _hosts(factor, password, demo) -> list[int]:
    """Hosts of one-to-one sessions: the demo practitioner and as many again per factor."""
    rows = [
        dict(email=f"h{i}@triborough.bench", name=f"Host Practitioner {i}",
             role=Role.HOST_PRACTITIONER, password_hash=password, session_stamp=f"h{i:031d}",
             active=True)
        for i in range(_count("hosts", factor))
    ]  # fmt: skip
    ids = _bulk(User, rows, returning=User.id)
    practitioner = demo.get("practitioner@triborough.example")
    return ([practitioner.id] if practitioner else []) + ids


def _placements(tenants, participants, services, demo, rng) -> int:
    """One placement for most participants, a second for some, in every state."""
    now = utcnow()
    today = now.date()
    states = list(PlacementStatus)
    rows = []
    for tenant in tenants:
        manager = demo.get(f"manager@{tenant.slug}.example")
        for person in participants[tenant.id]:
            for _ in range(1 if rng.random() < 0.8 else 2):
                starts = today + timedelta(days=rng.randint(-240, 120))
                status = rng.choice(states)
                by = manager.id if manager else None
                done = checklist_done(by, now) if status in PAST_CLEARANCE else {}
                rows.append(dict(**done,
                    tenant_id=tenant.id, participant_id=person, service_id=rng.choice(services).id,
                    requested_by_id=manager.id if manager else None, status=status,
                    starts_on=starts, ends_on=starts + timedelta(days=rng.choice((30, 60, 90))),
                    weekdays=rng.choice((0b00011, 0b01100, 0b10101, 0b11111)),
                    learning_goals=_sentence(rng, 25),
                ))  # fmt: skip
    _bulk(Placement, rows)
    return len(rows)


def _sessions(tenants, participants, hosts, factor, rng) -> tuple[int, int]:
    """One-to-one visits and consultations over a year, each host's one at a time (a host
    sees at most two a day), every one with its participant's place."""
    total = _count("sessions", factor)
    now = utcnow()
    first_day = now.date() - timedelta(days=180)
    slots = [(day, hour) for day in range(365) for hour in (10, 14)]
    rows, places = [], []
    owners = [(t.id, person) for t in tenants for person in participants[t.id]]
    for index in range(total):
        host = hosts[index % len(hosts)]
        day, hour = slots[(index // len(hosts)) % len(slots)]
        when = first_day + timedelta(days=day)
        if when.weekday() >= 5:
            when -= timedelta(days=when.weekday() - 4)  # the Friday before
        starts = datetime.combine(when, time(hour), tzinfo=UTC)
        tenant_id, person = rng.choice(owners)
        past = starts < now
        status = (
            rng.choices([SessionStatus.COMPLETED, SessionStatus.NO_SHOW, SessionStatus.CANCELLED],
                        [8, 1, 1])[0]
            if past
            else rng.choices([SessionStatus.CONFIRMED, SessionStatus.PROPOSED,
                              SessionStatus.CANCELLED], [7, 2, 1])[0]
        )  # fmt: skip
        kind = rng.choice((SessionKind.JOINT_VISIT, SessionKind.CONSULTATION))
        rows.append(dict(
            uid=f"{index:032x}", kind=kind, title=f"{kind.label}: {rng.choice(WORDS)}",
            host_id=host, starts_at=starts, ends_at=starts + timedelta(hours=2),
            location=rng.choice(LOCATIONS), status=status, tenant_id=tenant_id, seats=1,
            created_by_id=person,
        ))  # fmt: skip
        places.append((tenant_id, person, status))
    ids = _bulk(Session, rows, returning=Session.id)
    place_rows = [
        dict(session_id=session_id, tenant_id=tenant_id, participant_id=person,
             booked_by_id=person,
             status=PlaceStatus.CANCELLED if status == SessionStatus.CANCELLED
             else PlaceStatus.BOOKED,
             attendance=Attendance.ATTENDED if status == SessionStatus.COMPLETED
             else Attendance.NO_SHOW if status == SessionStatus.NO_SHOW else None)
        for session_id, (tenant_id, person, status) in zip(ids, places, strict=True)
    ]  # fmt: skip
    _bulk(Place, place_rows)
    return len(ids), len(place_rows)


def _reflections(tenants, participants, factor, rng) -> tuple[int, int]:
    """Reflections on the cohort board and each authority's own, most shared with the
    cohort, some private drafts; a few comments on shared ones."""
    cohort_board = db.session.scalar(select(Board.id).where(Board.tenant_id.is_(None)))
    own_boards = dict(db.session.execute(select(Board.tenant_id, Board.id)).all())
    total = _count("reflections", factor)
    now = utcnow()
    rows = []
    for index in range(total):
        tenant = tenants[index % len(tenants)]
        author = rng.choice(participants[tenant.id])
        board = own_boards.get(tenant.id) if rng.random() < 0.2 else cohort_board
        if board is None:
            board = cohort_board
        shared = board == cohort_board and rng.random() < 0.8
        published = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        status = (
            ReflectionStatus.PUBLISHED if shared or rng.random() < 0.5 else ReflectionStatus.DRAFT
        )
        rows.append(dict(
            tenant_id=tenant.id, board_id=board, author_id=author,
            title=f"{rng.choice(OPENINGS)}: {rng.choice(WORDS)} and {rng.choice(WORDS)}",
            body=_body(rng), themes="," + ",".join(rng.sample(WORDS, 2)) + ",",
            visibility=Visibility.COHORT if shared else Visibility.PRIVATE, status=status,
            shared_cohort_id=tenant.cohort_id if shared else None,
            published_at=published if status == ReflectionStatus.PUBLISHED else None,
            created_at=published, updated_at=published,
        ))  # fmt: skip
    ids = _bulk(Reflection, rows, returning=Reflection.id)
    shared = [(i, r) for i, r in zip(ids, rows, strict=True) if r["shared_cohort_id"]]
    comments = []
    for _ in range(min(_count("comments", factor), len(shared))):
        reflection_id, row = rng.choice(shared)
        comments.append(dict(
            reflection_id=reflection_id, tenant_id=row["tenant_id"],
            shared_cohort_id=row["shared_cohort_id"],
            author_id=rng.choice(participants[row["tenant_id"]]), body=_sentence(rng, 20),
        ))  # fmt: skip
    _bulk(Comment, comments)
    return len(ids), len(comments)


def _audit(tenants, participants, factor, rng) -> int:
    actions = ["user.signed_in", "placement.requested", "session.booked", "reflection.shared",
               "user.invited", "placement.approved", "session.cancelled"]  # fmt: skip
    rows = []
    for tenant in tenants:
        for _ in range(_count("audit_events", factor)):
            rows.append(dict(
                action=rng.choice(actions), tenant_id=tenant.id,
                actor_id=rng.choice(participants[tenant.id]),
                summary=_sentence(rng, 6), details={},
                occurred_at=utcnow() - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
            ))  # fmt: skip
    _bulk(AuditEvent, rows)
    return len(rows)


def _notifications(demo, factor, rng) -> int:
    """Some read and some unread notifications for each demo person."""
    rows = []
    for user in demo.values():
        for _ in range(_count("notifications", factor)):
            rows.append(dict(
                user_id=user.id, text=_sentence(rng, 8), link=None,
                read_at=None if rng.random() < 0.1 else utcnow(),
            ))  # fmt: skip
    _bulk(Notification, rows)
    return len(rows)


def _sentence(rng, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _body(rng) -> str:
    """Markdown of 300 to 3,000 characters: a heading or two and a few paragraphs, with
    each of :data:`SEARCHED` in its share of them."""
    parts = [f"The {word} discussion." for word, share in SEARCHED.items() if rng.random() < share]
    for _ in range(rng.randint(1, 3)):
        parts.append(f"## {rng.choice(OPENINGS)}")
        for _ in range(rng.randint(1, 3)):
            parts.append(
                " ".join(_sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5)))
            )
    return "\n\n".join(parts)


FIRST = _words("Amina Ayodele Bartek Chidi Deniz Eleni Farah Gabriel Hana Ibrahim Joanna Kwame "
         "Leila Mateusz Nadia Oluwaseun Priya Rahel Sami Tariq Ugne Wiktoria Yusuf Zainab "
         "Aaron Beth Callum Daisy Ewan Fiona George Holly Isaac Jess Kieran Lucy")  # fmt: skip
LAST = _words("Abdi Adeyemi Begum Campbell Chowdhury Dimitrov Evans Farah Haile Hughes Ivanova "
        "Jones Kowalski Lewis Mensah Nowak Okafor Patel Popescu Rahman Smith Tesfaye "
        "Walker Williams Yilmaz")  # fmt: skip
