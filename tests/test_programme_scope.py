"""Who sees which application (issue 15): one mechanism, the programme scope, held by the
ORM and by PostgreSQL's row-level security alike. An applicant sees their own; an
endorser the one their link opened, reading only, never the equality form; an admin
everything; nobody else anything; no scope at all is an error, never all rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.programme import applying, equality, scope
from portal.programme.models import Application, EqualityReturn, Statement
from portal.programme.scope import ProgrammeScopeError
from tests.support import ON_POSTGRES
from tests.test_programme_applying import (  # noqa: F401 - fixtures too
    applicant,
    complete,
    during,
    programme_round,
    started,
)

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="row-level security is PostgreSQL's")


@pytest.fixture
def two(world, programme_round):  # noqa: F811 - the fixture imported above
    ada, bo = applicant(), applicant("bo.marker@example.org", "Bo Marker")
    first, second = started(programme_round, ada), started(programme_round, bo)
    complete(first, ada)
    complete(second, bo)
    for person, made in ((ada, first), (bo, second)):
        with scope.as_person(person.id):
            equality.save(db.session.get(Application, made), actor=person, answers={"age": "35_44"})
            db.session.commit()
    return {"ada": ada, "bo": bo, "first": first, "second": second}


def _ids(model) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(model.id)))


def test_no_programme_scope_is_an_error_never_all_rows(two):
    with pytest.raises(ProgrammeScopeError):
        db.session.scalars(select(Application)).all()
    with pytest.raises(ProgrammeScopeError):
        db.session.scalar(select(func.count(Statement.id)))


def test_each_kind_of_person_sees_what_it_should(two):
    with scope.as_person(two["ada"].id):
        assert _ids(Application) == {two["first"]}
        assert len(_ids(Statement)) == 1 and len(_ids(EqualityReturn)) == 1
    with scope.scoped(scope.NOBODY), scope.endorsing(two["second"]):
        assert _ids(Application) == {two["second"]}
        assert len(_ids(Statement)) == 1
        assert _ids(EqualityReturn) == set()  # never the endorser's to see
    with scope.scoped(scope.NOBODY):
        assert _ids(Application) == set() and _ids(Statement) == set()
    with scope.as_admin():
        assert _ids(Application) == {two["first"], two["second"]}
        assert len(_ids(EqualityReturn)) == 2


def test_an_endorser_reads_but_never_writes_the_application(two):
    with scope.scoped(scope.NOBODY), scope.endorsing(two["second"]):
        found = db.session.get(Application, two["second"])
        found.full_name = "Changed by the endorser"
        with pytest.raises(ProgrammeScopeError):
            db.session.flush()
    db.session.rollback()


def test_a_person_cannot_write_someone_elses_application(two):
    with scope.as_person(two["ada"].id):
        assert db.session.get(Application, two["second"]) is None
        with pytest.raises(ProgrammeScopeError):
            db.session.add(Statement(application_id=two["second"], criterion_id=1, text="x"))
            db.session.flush()
    db.session.rollback()


def test_the_service_finds_only_the_askers_own(two):
    with scope.as_person(two["bo"].id), pytest.raises(Exception, match="1"):
        applying.get_application(two["first"])


# --- The same rule in PostgreSQL ---------------------------------------------------------


def _count(sql: str) -> int:
    return db.session.execute(text(sql)).scalar()


def _tell(person=-1, admin="off", endorsing=-1) -> None:
    db.session.execute(
        text(
            "SELECT set_config('app.programme_person', :p, true),"
            " set_config('app.programme_admin', :a, true),"
            " set_config('app.programme_endorsing', :e, true)"
        ),
        {"p": str(person), "a": admin, "e": str(endorsing)},
    )


@postgres_only
def test_rls_as_the_app_role_says_the_same(two):
    """Plain SQL, past the ORM: only the policies of migration 0015 stand in the way."""
    db.session.rollback()
    assert _count("SELECT count(*) FROM programme_applications") == 0  # no setting at all
    assert _count("SELECT count(*) FROM programme_statements") == 0
    _tell(person=two["ada"].id)
    assert _count("SELECT count(*) FROM programme_applications") == 1
    assert _count("SELECT count(*) FROM programme_equality") == 1
    _tell(endorsing=two["second"])
    assert _count("SELECT id FROM programme_applications") == two["second"]
    assert _count("SELECT count(*) FROM programme_statements") == 1
    assert _count("SELECT count(*) FROM programme_equality") == 0
    _tell(admin="on")
    assert _count("SELECT count(*) FROM programme_applications") == 2
    db.session.rollback()


@postgres_only
def test_rls_refuses_writing_another_persons_rows(two):
    db.session.rollback()
    _tell(person=two["ada"].id, endorsing=two["second"])
    with pytest.raises(DBAPIError, match="row-level security"):  # read, never changed
        db.session.execute(
            text("UPDATE programme_applications SET full_name = 'x' WHERE id = :id"),
            {"id": two["second"]},
        )
    db.session.rollback()
    _tell(person=two["ada"].id, endorsing=two["second"])
    with pytest.raises(DBAPIError, match="row-level security"):
        db.session.execute(
            text(
                "INSERT INTO programme_equality (application_id, answers, updated_at) "
                "VALUES (:id, '{}', now())"
            ),
            {"id": two["second"]},
        )
    db.session.rollback()


@postgres_only
def test_rls_is_forced_on_every_programme_table(two):
    rows = db.session.execute(
        text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname"
            " IN ('programme_applications', 'programme_statements', 'programme_answers',"
            " 'programme_equality')"
        )
    ).all()
    assert len(rows) == 4 and all(r.relrowsecurity and r.relforcerowsecurity for r in rows)


@postgres_only
def test_the_setting_is_sent_only_when_a_programme_table_is_touched(app, world, login_as):
    from sqlalchemy import event

    sent = []

    def before(conn, cursor, statement, parameters, *args):
        if "app.programme_person" in statement:
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        login_as(world["participant_a"]).get(f"/{world.a.slug}/")
        assert sent == []
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
