"""The number of SQL queries a page makes must not grow with the data on it."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.audit.service import record
from portal.extensions import db as _db
from tests.factories import UserFactory


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _add_participants(world, n: int) -> None:
    with tenancy.system_scope():
        for _ in range(n):
            user = UserFactory(role=Role.PARTICIPANT)
            _db.session.add(Membership(user_id=user.id, tenant_id=world.a.id))
            record("test.event", obj=user, tenant_id=world.a.id, actor=user)
        _db.session.commit()


def _queries(app, client, url) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _add_placements(world, n: int) -> None:
    from datetime import timedelta

    from portal.common.clock import today
    from portal.placements.models import Placement, PlacementStatus

    with tenancy.system_scope():
        for i in range(n):
            person = UserFactory(role=Role.PARTICIPANT)
            _db.session.add(Membership(user_id=person.id, tenant_id=world.a.id))
            start = today() + timedelta(days=i)
            _db.session.add(
                Placement(
                    tenant_id=world.a.id, participant_id=person.id, service_id=world.service.id,
                    requested_by_id=world["partner_manager_a"].id, starts_on=start,
                    ends_on=start + timedelta(days=5), weekdays=0b11111, learning_goals="Goals",
                    status=list(PlacementStatus)[i % 5],
                )
            )  # fmt: skip
        _db.session.commit()


@pytest.mark.parametrize(
    ("role_key", "url"),
    [
        ("partner_manager_a", "/northbrook/placements/"),
        ("partner_manager_a", "/northbrook/"),
        ("service_lead", "/host/placements"),
        ("partner_manager_a", "/northbrook/placements/services"),
    ],
)
def test_placement_lists_do_not_grow_with_placements(app, world, login_as, role_key, url):
    client = login_as(world[role_key])
    _add_placements(world, 3)
    few = _queries(app, client, url)
    _add_placements(world, 20)
    many = _queries(app, client, url)
    assert many == few, f"{url}: {few} queries with a few placements, {many} with many"


@pytest.mark.parametrize(
    ("role_key", "url"),
    [
        ("partner_manager_a", "/northbrook/"),
        ("partner_manager_a", "/northbrook/people"),
        ("host_practitioner", "/northbrook/people"),
        ("centre_admin", "/admin/"),
        ("centre_admin", "/admin/users"),
        ("centre_admin", "/admin/audit"),
    ],
)
def test_page_queries_do_not_grow_with_data(app, world, login_as, role_key, url):
    client = login_as(world[role_key])
    _add_participants(world, 2)
    few = _queries(app, client, url)
    _add_participants(world, 25)
    many = _queries(app, client, url)
    assert many == few, f"{url}: {few} queries with a few rows, {many} with many"


def _add_sessions(world, n: int) -> None:
    """n joint visits for tenant a (with a participant each) and n group sessions with a
    seat from each authority, all in the coming weeks and hosted by the practitioner."""
    from datetime import timedelta

    from portal.common.clock import utcnow
    from portal.sessions.models import Place, Session, SessionKind

    host = world["host_practitioner"]
    with tenancy.system_scope():
        for i in range(n):
            start = utcnow() + timedelta(days=1 + i % 6, hours=i)
            person = UserFactory(role=Role.PARTICIPANT)
            _db.session.add(Membership(user_id=person.id, tenant_id=world.a.id))
            visit = Session(
                tenant_id=world.a.id, kind=SessionKind.JOINT_VISIT, title="Joint visit",
                host_id=host.id, starts_at=start, ends_at=start + timedelta(hours=1),
                location="Online",
            )  # fmt: skip
            group = Session(
                tenant_id=None, kind=SessionKind.SEMINAR, title="Seminar", host_id=host.id,
                starts_at=start, ends_at=start + timedelta(hours=1), location="Online", seats=9,
            )  # fmt: skip
            _db.session.add_all([visit, group])
            _db.session.flush()
            _db.session.add(
                Place(tenant_id=world.a.id, session_id=visit.id, participant_id=person.id)
            )
            _db.session.add(
                Place(tenant_id=world.a.id, session_id=group.id, participant_id=person.id)
            )
        _db.session.commit()


@pytest.mark.parametrize(
    ("role_key", "url"),
    [
        ("partner_manager_a", "/northbrook/sessions/"),
        ("partner_manager_a", "/northbrook/sessions/groups"),
        ("partner_manager_a", "/northbrook/"),
        ("host_practitioner", "/host/week"),
        ("host_practitioner", "/host/"),
    ],
)
def test_session_pages_do_not_grow_with_sessions(app, world, login_as, role_key, url):
    client = login_as(world[role_key])
    _add_sessions(world, 2)
    few = _queries(app, client, url)
    _add_sessions(world, 12)
    many = _queries(app, client, url)
    assert many == few, f"{url}: {few} queries with a few sessions, {many} with many"


def _add_reflections(world, board_id: int, n: int) -> None:
    """n shared reflections on the board, each with two comments and a reaction."""
    from portal.boards.models import Comment, Reaction, Reflection, ReflectionStatus, Visibility
    from portal.common.clock import utcnow

    with tenancy.system_scope():
        for i in range(n):
            author = UserFactory(role=Role.PARTICIPANT)
            _db.session.add(Membership(user_id=author.id, tenant_id=world.a.id))
            reflection = Reflection(
                tenant_id=world.a.id, board_id=board_id, author_id=author.id, title=f"R{i}",
                body="Learning", visibility=Visibility.COHORT, themes=",risk,",
                status=ReflectionStatus.PUBLISHED, shared_cohort_id=world.a.cohort_id,
                published_at=utcnow(),
            )  # fmt: skip
            _db.session.add(reflection)
            _db.session.flush()
            owned = dict(tenant_id=world.a.id, reflection_id=reflection.id,
                         shared_cohort_id=world.a.cohort_id)  # fmt: skip
            for _ in range(2):
                _db.session.add(Comment(**owned, author_id=author.id, body="Yes"))
            _db.session.add(Reaction(**owned, user_id=author.id))
        _db.session.commit()


@pytest.mark.parametrize("role_key", ["partner_manager_b", "participant_a", "facilitator"])
def test_a_board_page_does_not_grow_with_posts_or_comments(app, world, login_as, role_key):
    from portal.boards.models import Board

    with tenancy.system_scope():
        board = Board(cohort_id=world.a.cohort_id, title="Joint visits")
        _db.session.add(board)
        _db.session.commit()
        board_id = board.id
    slug = "eastmere" if role_key.endswith("_b") else "northbrook"
    client = login_as(world[role_key])
    _add_reflections(world, board_id, 2)
    few = _queries(app, client, f"/{slug}/boards/{board_id}")
    _add_reflections(world, board_id, 15)
    many = _queries(app, client, f"/{slug}/boards/{board_id}")
    assert many == few, f"board page: {few} queries with a few posts, {many} with many"


# --- A ceiling for every page, and the fixed cost of a request ---------------------------

CEILING = 12  # statements a page may make (issue 12), flat as the data grows

CEILING_PAGES = [
    ("participant_a", "/notifications/"),
    ("participant_a", "/northbrook/"),
    ("participant_a", "/northbrook/sessions/"),
    ("participant_a", "/northbrook/boards/"),
    ("partner_manager_a", "/northbrook/"),
    ("partner_manager_a", "/northbrook/people"),
    ("partner_manager_a", "/northbrook/placements/"),
    ("partner_manager_a", "/northbrook/placements/?status=requested"),
    ("partner_manager_a", "/northbrook/sessions/"),
    ("host_practitioner", "/host/week"),
    ("host_practitioner", "/host/"),
    ("service_lead", "/host/placements"),
    ("centre_admin", "/admin/"),
    ("centre_admin", "/admin/audit"),
    ("centre_admin", "/admin/users"),
    ("centre_admin", "/notifications/"),
]


@pytest.mark.parametrize(("role_key", "url"), CEILING_PAGES)
def test_no_page_makes_more_than_twelve_statements(app, world, login_as, role_key, url):
    client = login_as(world[role_key])
    _add_placements(world, 6)
    _add_sessions(world, 6)
    client.get(url)  # the first view of a page may write (the session's idle clock)
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert len(statements) <= CEILING, "\n".join([url, *(s[:120] for s in statements)])


def test_a_board_page_makes_at_most_twelve_statements(app, world, login_as):
    from portal.boards.models import Board

    with tenancy.system_scope():
        board = Board(cohort_id=world.a.cohort_id, title="Joint visits")
        _db.session.add(board)
        _db.session.commit()
        board_id = board.id
    _add_reflections(world, board_id, 25)  # more than a page: the capped count runs too
    client = login_as(world["participant_a"])
    for url in (f"/northbrook/boards/{board_id}", f"/northbrook/boards/{board_id}?page=2"):
        client.get(url)
        with count_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert len(statements) <= CEILING, "\n".join([url, *(s[:120] for s in statements)])


def test_a_request_finds_its_person_and_scope_in_one_statement(app, world, login_as):
    """Before any work: one statement loads the session, the person and their scope
    (and the authority a tenant page names); on PostgreSQL one more sets the scope."""
    client = login_as(world["participant_a"])
    headers = {"HX-Request": "true"}
    client.get("/notifications/count", headers=headers)
    with count_queries(app) as statements:
        assert client.get("/notifications/count", headers=headers).status_code == 200
    fixed = statements[:-1]  # the last is the count itself
    assert "sign_in_sessions" in fixed[0] and "tenant" in fixed[0]
    assert len(fixed) == (2 if _db.engine.dialect.name == "postgresql" else 1), fixed
    with count_queries(app) as statements:
        assert client.get("/northbrook/boards/").status_code == 200
    assert "tenants.slug" in statements[0]
    assert not any("FROM tenants" in s and "slug" in s for s in statements[1:])
