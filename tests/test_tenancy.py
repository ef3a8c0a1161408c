"""The tenant scope: the ORM filter everywhere, and PostgreSQL row-level security behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import NotFound

from portal import create_app, tenancy
from portal.accounts.models import Membership, User
from portal.audit.models import AuditEvent
from portal.audit.service import record
from portal.auth import get_or_404
from portal.tenancy import TenantScopeError
from tests.support import ON_POSTGRES

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL on PostgreSQL")


def test_no_scope_is_an_error_never_all_rows(world, db):
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(Membership)).all()


def test_scope_limits_every_query_to_its_tenants(world, db):
    with tenancy.scoped({world.a.id}):
        tenants = set(db.session.scalars(select(Membership.tenant_id)))
        # Counts are where leaks hide: an entity named only in select_from is filtered too.
        count = db.session.scalar(select(func.count()).select_from(Membership))
        joined = db.session.scalar(
            select(func.count(User.id)).join(Membership, Membership.user_id == User.id)
        )
        subquery = db.session.scalar(
            select(func.count()).where(User.id.in_(select(Membership.user_id)))
        )
    with tenancy.system_scope():
        in_a = db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.tenant_id == world.a.id)
        )
    assert tenants == {world.a.id}
    assert count == joined == subquery == in_a == 5


def test_a_count_with_no_scope_is_an_error_too(world, db):
    with pytest.raises(TenantScopeError):
        db.session.scalar(select(func.count()).select_from(Membership))


def test_relationship_loads_are_scoped_too(world, db):
    with tenancy.scoped({world.b.id}):
        user = db.session.scalar(select(User).where(User.id == world["participant_a"].id))
        assert user is not None  # people are not tenant-owned; their memberships are
        rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    assert rows == []


def test_host_rows_are_visible_in_every_scope_tenant_rows_only_in_theirs(world, db):
    with tenancy.system_scope():
        record("test.host_event")
        record("test.a_event", tenant_id=world.a.id)
        record("test.b_event", tenant_id=world.b.id)
        db.session.commit()
    with tenancy.scoped({world.a.id}):
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"test.host_event", "test.a_event"} <= actions
    assert "test.b_event" not in actions


def test_writing_outside_the_scope_is_refused(world, db):
    with tenancy.scoped({world.a.id}), pytest.raises(TenantScopeError):
        db.session.add(Membership(user_id=world["participant_b"].id, tenant_id=world.b.id))
        db.session.flush()
    db.session.rollback()


def test_scoped_restores_the_previous_scope_even_after_an_error(world):
    tenancy.set_scope({world.a.id})
    with pytest.raises(RuntimeError), tenancy.scoped({world.b.id}):
        raise RuntimeError("boom")
    assert tenancy.current_scope() == frozenset({world.a.id})


def test_get_or_404_does_not_find_another_tenants_row(world, db, app):
    with tenancy.system_scope():
        event = record("test.b_event", tenant_id=world.b.id)
        db.session.flush()
        event_id = event.id
        db.session.commit()
    with app.test_request_context(), tenancy.scoped({world.a.id}), pytest.raises(NotFound):
        get_or_404(AuditEvent, event_id)


# --- PostgreSQL: the second lock ---------------------------------------------------------


def _raw(db, sql, **params):
    return db.session.execute(text(sql), params)


@postgres_only
def test_rls_without_scope_the_app_role_sees_no_rows(world, db):
    # Straight SQL, past the ORM filter: only the database policy stands in the way.
    assert _raw(db, "SELECT count(*) FROM memberships").scalar() == 0
    with tenancy.scoped({world.a.id}):
        seen = {r for (r,) in _raw(db, "SELECT DISTINCT tenant_id FROM memberships")}
    assert seen == {world.a.id}


@postgres_only
def test_a_persons_authorities_are_read_past_the_policy_and_nothing_else(world, db):
    """portal_person_tenant_ids (migration 0010) gives one person's tenant ids with no
    scope set, and leaves the transaction's scope as it found it."""
    host = world["host_practitioner"]
    assert _raw(db, "SELECT portal_person_tenant_ids(:p)", p=host.id).scalar() == str(world.a.id)
    assert (
        _raw(db, "SELECT portal_person_tenant_ids(:p)", p=world["centre_admin"].id).scalar() == ""
    )
    assert _raw(db, "SELECT current_setting('app.tenant_ids', true)").scalar() in ("", None)
    assert _raw(db, "SELECT count(*) FROM memberships").scalar() == 0  # still no scope
    with tenancy.scoped({world.b.id}):
        found = _raw(db, "SELECT portal_person_tenant_ids(:p)", p=world["participant_a"].id)
        assert found.scalar() == str(world.a.id)
        assert _raw(db, "SELECT current_setting('app.tenant_ids')").scalar() == str(world.b.id)
        seen = {r for (r,) in _raw(db, "SELECT DISTINCT tenant_id FROM memberships")}
    assert seen == {world.b.id}
    db.session.rollback()


def test_the_scope_is_loaded_with_the_person(world, db):
    """The same rule as always (own authority, the ones host staff work with, every one
    for an admin), now one statement: both dialects."""
    from portal.accounts.lookup import tenant_ids_for

    assert tenant_ids_for(world["participant_b"]) == [world.b.id]
    assert tenant_ids_for(world["host_practitioner"]) == [world.a.id]
    assert tenant_ids_for(world["centre_admin"]) == sorted([world.a.id, world.b.id])


@postgres_only
def test_rls_refuses_a_row_for_another_tenant(world, db):
    with tenancy.scoped({world.a.id}), pytest.raises(DBAPIError, match="row-level security"):
        _raw(
            db,
            "INSERT INTO memberships (user_id, tenant_id, created_at) "
            "VALUES (:user, :tenant, now())",
            user=world["participant_b"].id,
            tenant=world.b.id,
        )
    db.session.rollback()


@postgres_only
def test_rls_is_forced_on_every_tenant_owned_table(db):
    tables = tenancy.tenant_owned_tables()
    assert {"memberships", "audit_events", "mail_messages"} <= set(tables)
    rows = _raw(
        db,
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
        "WHERE relname = ANY(:names)",
        names=list(tables),
    ).all()
    assert {r.relname for r in rows} == set(tables)
    for row in rows:
        assert row.relrowsecurity and row.relforcerowsecurity, row.relname


@postgres_only
def test_the_app_role_cannot_bypass_rls_and_owns_nothing(db):
    role = _raw(
        db, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).one()
    assert not role.rolsuper and not role.rolbypassrls
    owned = _raw(
        db,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user",
    ).scalar()
    assert owned == 0


@postgres_only
def test_the_app_role_cannot_rewrite_the_audit_log(world, db):
    with tenancy.system_scope():
        record("test.event")
        db.session.commit()
        with pytest.raises(DBAPIError, match="permission denied"):
            _raw(db, "DELETE FROM audit_events")
    db.session.rollback()


@postgres_only
def test_with_one_pooled_connection_a_requests_scope_is_gone_in_the_next(world, app, login_as):
    config = {k: v for k, v in app.config.items() if k.isupper()}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "max_overflow": 0}
    single = create_app(config)
    manager = login_as(world["partner_manager_a"], single.test_client())
    assert manager.get("/northbrook/people").status_code == 200
    from portal.extensions import db as single_db

    with single.app_context():
        engine = single_db.engine
        assert engine.pool.size() == 1
        with engine.connect() as conn:
            setting = conn.execute(text("SELECT current_setting('app.tenant_ids', true)")).scalar()
            count = conn.execute(text("SELECT count(*) FROM memberships")).scalar()
        engine.dispose()
    assert setting in ("", None)
    assert count == 0


# --- Cohort-shared rows: read by the cohort, written by their owner alone ------------------


def _shared_comment(world, db) -> int:
    from portal.boards.models import Board, Comment, Reflection, ReflectionStatus, Visibility

    assert world.a.cohort_id == world.b.cohort_id
    with tenancy.scoped({world.a.id}):
        board = Board(cohort_id=world.a.cohort_id, title="Shared")
        db.session.add(board)
        db.session.flush()
        post = Reflection(
            tenant_id=world.a.id, board_id=board.id, author_id=world["participant_a"].id,
            title="Shared", body="Shared", visibility=Visibility.COHORT,
            status=ReflectionStatus.PUBLISHED, shared_cohort_id=world.a.cohort_id,
        )  # fmt: skip
        db.session.add(post)
        db.session.flush()
        comment = Comment(
            tenant_id=world.a.id, shared_cohort_id=world.a.cohort_id, reflection_id=post.id,
            author_id=world["participant_a"].id, body="Mine",
        )  # fmt: skip
        db.session.add(comment)
        db.session.commit()
        return comment.id


def test_a_bulk_delete_never_reaches_another_authoritys_shared_rows(world, db):
    from sqlalchemy import delete, update

    from portal.boards.models import Comment

    comment_id = _shared_comment(world, db)
    a_id, b_id = world.a.id, world.b.id
    with tenancy.scoped({b_id}):
        seen = db.session.get(Comment, comment_id)
        assert seen is not None  # shared: Eastmere reads it
        db.session.expunge(seen)
        gone = db.session.execute(
            delete(Comment).where(Comment.id == comment_id).execution_options(
                synchronize_session=False
            )
        )  # fmt: skip
        changed = db.session.execute(
            update(Comment).where(Comment.id == comment_id).values(body="Not yours")
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        assert (gone.rowcount, changed.rowcount) == (0, 0)
        db.session.commit()
    with tenancy.scoped({a_id}):
        assert db.session.get(Comment, comment_id).body == "Mine"


@postgres_only
def test_rls_lets_the_cohort_read_shared_rows_but_not_delete_them(world, db):
    comment_id = _shared_comment(world, db)
    with tenancy.scoped({world.b.id}):
        sql = "SELECT count(*) FROM reflection_comments WHERE id = :id"
        assert _raw(db, sql, id=comment_id).scalar() == 1
        deleted = _raw(db, "DELETE FROM reflection_comments WHERE id = :id", id=comment_id)
        assert deleted.rowcount == 0
        db.session.commit()
    with tenancy.scoped({world.a.id}):
        assert _raw(db, sql, id=comment_id).scalar() == 1


# --- The narrow escapes ------------------------------------------------------------------


def test_read_across_returns_plain_values_from_every_authority(world, db):
    with tenancy.scoped({world.a.id}):
        rows = tenancy.read_across(select(Membership.tenant_id, func.count()).group_by(
            Membership.tenant_id
        ))  # fmt: skip
        assert {tenant_id for tenant_id, _ in rows} == {world.a.id, world.b.id}
        assert tenancy.current_scope() == {world.a.id}  # the caller's scope is back


def test_read_across_refuses_orm_objects(world, db):
    from sqlalchemy.orm import aliased

    with tenancy.scoped({world.a.id}):
        with pytest.raises(TenantScopeError, match="plain values"):
            tenancy.read_across(select(Membership))
        with pytest.raises(TenantScopeError, match="plain values"):
            tenancy.read_across(select(aliased(Membership)))


def test_writing_as_writes_in_the_owners_scope_and_leaves_nothing_behind(world, db):
    user = world["participant_a"]
    a_id, b_id = world.a.id, world.b.id
    with tenancy.scoped({a_id}):
        with tenancy.writing_as(b_id):
            assert tenancy.current_scope() == {b_id}
            db.session.add(Membership(user_id=user.id, tenant_id=b_id))
        assert tenancy.current_scope() == {a_id}
        leaked = [o for o in db.session.identity_map.values() if getattr(o, "tenant_id", 0) == b_id]
        assert leaked == []
        db.session.commit()
    assert set(tenancy.values_across(
        select(Membership.tenant_id).where(Membership.user_id == user.id)
    )) == {a_id, b_id}  # fmt: skip


def test_writing_as_keeps_rows_the_caller_may_still_see(world, db):
    from portal.boards.models import Comment

    comment_id = _shared_comment(world, db)
    with tenancy.scoped({world.b.id}):
        comment = db.session.get(Comment, comment_id)  # Northbrook's, shared with the cohort
        with tenancy.writing_as(world.a.id):
            pass
        assert comment in db.session  # still visible to Eastmere, so still in the session


def test_writing_as_keeps_the_callers_rows_that_a_commit_expired(world, db):
    with tenancy.scoped({world.a.id}):
        [own] = db.session.scalars(
            select(Membership).where(Membership.tenant_id == world.a.id).limit(1)
        ).all()
        db.session.commit()  # expires it: nothing of it is held until it is read again
        with tenancy.writing_as(world.b.id):
            pass
        assert own in db.session  # not thrown out for want of a loaded tenant_id
        assert own.tenant_id == world.a.id


@postgres_only
def test_the_scope_is_told_to_postgresql_once_per_change(app, world, db):
    from sqlalchemy import event

    sent: list = []

    def before(conn, cursor, statement, parameters, *args):
        if "set_config" in statement:
            sent.append(parameters["ids"])

    db.session.rollback()
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        with tenancy.scoped({world.a.id}):
            db.session.scalars(select(Membership)).all()
            with tenancy.scoped({world.a.id}):  # the same again: nothing to tell
                db.session.scalars(select(Membership)).all()
            with tenancy.scoped({world.b.id}):
                db.session.scalars(select(Membership)).all()
            db.session.scalars(select(Membership)).all()
        db.session.rollback()
        with tenancy.scoped(()):  # a new transaction with no scope: nothing to tell
            db.session.scalars(select(Membership)).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        db.session.rollback()
    a, b = str(world.a.id), str(world.b.id)
    assert sent == [a, b, a, ""]  # and back to none as the block ends, inside the transaction


@postgres_only
def test_a_savepoint_rolled_back_does_not_leave_the_scope_unsaid(app, world, db):
    from sqlalchemy import text as sql

    db.session.rollback()
    with tenancy.scoped({world.a.id}):
        db.session.scalars(select(Membership)).all()
        savepoint = db.session.begin_nested()
        tenancy.set_scope({world.b.id})  # told inside the savepoint ...
        savepoint.rollback()  # ... and rolled back with it
        tenancy.set_scope({world.b.id})
        setting = db.session.scalar(sql("SELECT current_setting('app.tenant_ids', true)"))
        assert setting == str(world.b.id)
    db.session.rollback()
