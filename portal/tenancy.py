"""Tenant scope: which partner authorities the current work may see.

One mechanism, two locks:

1. The ORM adds ``tenant_id IN (scope)`` to every query of a tenant-owned model
   (``do_orm_execute`` + ``with_loader_criteria``) and refuses to flush a row
   outside the scope. Querying a tenant-owned model with no scope set raises
   :class:`TenantScopeError`; it never means "all rows".
2. On PostgreSQL, row-level security policies on every tenant-owned table read
   the same scope from ``app.tenant_ids``, set per transaction with
   ``set_config(..., true)`` so it cannot leak into the next user of a pooled
   connection. The policies themselves are written by ``portal.rls`` (migrations).

Requests set the scope once (see ``portal.auth.scope``); jobs and CLI commands
set it from the ids they are given with :func:`scoped` and it is cleared after.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from sqlalchemy import ForeignKey, Table, event, or_, select, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables

from portal.extensions import db

Scope = frozenset[int]

_scope: ContextVar[Scope | None] = ContextVar("tenant_scope", default=None)


class TenantScopeError(RuntimeError):
    """A tenant-owned table was touched with no tenant scope set, or outside it."""


class TenantOwned:
    """Mixin for tables whose every row belongs to one partner authority."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)


class TenantOrHost:
    """Mixin for rows that belong to one authority, or (tenant_id NULL) to the host.

    Host rows are visible in every scope; tenant rows only in their tenant's.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)


class CohortShared:
    """Mixin for rows owned by one authority that may be shared with its whole cohort.

    Visible in the owner's scope, and, while ``shared_cohort_id`` is set, in the scope
    of every authority in that cohort (a reflection its author shared cohort-wide, and
    the conversation on it). Writes stay in the owner's scope, as for TenantOwned.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def shared_cohort_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)


def current_scope() -> Scope | None:
    """The tenant ids the current work may see, or None when no scope is set."""
    return _scope.get()


def set_scope(tenant_ids: Iterable[int] | None) -> None:
    """Set the scope for the rest of this context (request, job or command)."""
    _scope.set(None if tenant_ids is None else frozenset(int(t) for t in tenant_ids))
    _sync_database_setting()


def clear_scope() -> None:
    set_scope(None)


def end_request(exc=None) -> None:
    """After a request: end its transaction (what it did not commit is not kept), then
    forget its scope, so nothing is sent to PostgreSQL only to be forgotten.

    Rolling back expires every object the request loaded (6.5 ms after a calendar of
    700 sessions): pages that show hundreds of things load rows, not objects."""
    db.session.rollback()
    clear_scope()


@contextmanager
def scoped(tenant_ids: Iterable[int] | None) -> Iterator[Scope | None]:
    """Run a block with the given scope, restoring the previous one after, even on error."""
    token = _scope.set(None if tenant_ids is None else frozenset(int(t) for t in tenant_ids))
    _sync_database_setting()
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)
        _sync_database_setting()


def all_tenant_ids() -> list[int]:
    """Every tenant's id (the tenants table itself is not tenant-owned)."""
    tenants = db.metadata.tables["tenants"]
    return list(db.session.scalars(select(tenants.c.id)))


@contextmanager
def system_scope() -> Iterator[Scope | None]:
    """Every tenant, as ORM objects: only for infrastructure that spans authorities (the
    outbox relay, the embedded runner, CLI commands, demo data). Feature code uses the
    narrow tools below instead; ``tests/test_architecture.py`` holds it to that."""
    with scoped(all_tenant_ids()) as scope:
        yield scope


# --- Narrow escapes for feature code ----------------------------------------------------


def _refuse_entities(statement) -> None:
    for described in statement.column_descriptions:
        expr = described.get("expr")
        if isinstance(expr, type) or hasattr(expr, "_aliased_insp") or described.get("aliased"):
            raise TenantScopeError(
                f"read_across returns plain values, not {described.get('name')} objects"
            )


def read_across(statement) -> list:
    """Rows of plain values (ids, times, counts) read across every authority: a host's
    busy times, the seats taken in a group session, whose reminder this is.

    It refuses a query for ORM objects, so nothing from another authority can enter the
    request's identity map and be handed back to code running in a narrower scope.
    """
    _refuse_entities(statement)
    with scoped(all_tenant_ids()):
        return list(db.session.execute(statement).all())


def values_across(statement) -> list:
    """The first column of :func:`read_across`."""
    return [row[0] for row in read_across(statement)]


@contextmanager
def writing_as(tenant_id: int | None) -> Iterator[None]:
    """Do one authority's part of a change in that authority's own scope: tell a seat
    holder from another authority, give them a freed seat, cancel their reminder.

    The caller's pending changes are flushed first (in the caller's scope), the block's
    on leaving (in the owner's), so both locks check each row against its own tenant.
    Afterwards, rows the caller's scope may not see are expunged from the session, and
    any loaded relationship that held one is expired: nothing read here leaks out.
    """
    outer = _scope.get()
    db.session.flush()
    with scoped(() if tenant_id is None else (tenant_id,)):
        yield
        db.session.flush()
    _forget_outside(outer or frozenset())


def _outside(obj, scope: Scope, cohorts) -> bool:
    """Whether ``scope`` may not see ``obj`` (``cohorts()``: the cohorts of the scope)."""
    if not isinstance(obj, TenantOwned | TenantOrHost | CohortShared):
        return False
    if "tenant_id" not in obj.__dict__:
        # Expired (after a commit): nothing of it is held, and loading it again goes
        # through the caller's scope (the ORM filter and row-level security).
        return False
    tenant_id = obj.__dict__["tenant_id"]
    if tenant_id is None:
        return isinstance(obj, TenantOwned | CohortShared)
    if tenant_id in scope:
        return False
    if isinstance(obj, CohortShared):  # another authority's, shared with our cohort?
        return obj.__dict__.get("shared_cohort_id") not in cohorts()
    return True


def _forget_outside(scope: Scope) -> None:
    from sqlalchemy import inspect

    session = db.session()
    found: list[set[int]] = []

    def cohorts() -> set[int]:
        if not found:
            tenants = db.metadata.tables["tenants"]
            ids = list(scope) or [0]
            query = select(tenants.c.cohort_id).where(tenants.c.id.in_(ids))
            found.append(set(session.scalars(query)))
        return found[0]

    gone = [obj for obj in list(session.identity_map.values()) if _outside(obj, scope, cohorts)]
    if not gone:
        return
    gone_ids = {id(obj) for obj in gone}
    for obj in gone:
        session.expunge(obj)
    for obj in list(session.identity_map.values()):
        state = inspect(obj)
        stale = []
        for rel in state.mapper.relationships:
            loaded = state.dict.get(rel.key)
            if loaded is None:
                continue
            members = loaded if isinstance(loaded, list | set | tuple) else [loaded]
            if any(id(member) in gone_ids for member in members):
                stale.append(rel.key)
        if stale:
            session.expire(obj, stale)


def parse_ids(value: str | None) -> Scope:
    """The scope a comma-separated list of ids names ("" or None: no authority)."""
    return frozenset(int(part) for part in (value or "").split(",") if part)


# --- ORM lock ---------------------------------------------------------------------------


@cache
def _tenant_table_names() -> frozenset[str]:
    return frozenset(tenant_owned_tables())


def tables_in(state: ORMExecuteState) -> set[str]:
    """Every table the statement reads or writes, wherever it appears (select list,
    FROM, joins, subqueries): ``all_mappers`` misses ``select_from``. The programme's
    scope (``portal.programme.scope``) asks the same question of its own tables."""
    tables = find_tables(state.statement, check_columns=True, include_aliases=True)
    names = {t.name for t in tables if isinstance(t, Table)}
    names |= {m.local_table.name for m in state.all_mappers}
    return names


def _tenant_tables_in(state: ORMExecuteState) -> set[str]:
    return tables_in(state) & _tenant_table_names()


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    touched = _tenant_tables_in(state)
    if not touched:
        return
    scope = _scope.get()
    if scope is None:
        raise TenantScopeError(
            f"query of tenant-owned {', '.join(sorted(touched))} with no tenant scope set"
        )
    ids = sorted(scope)
    tenants = db.metadata.tables["tenants"]
    if state.is_select:  # shared rows may be read by the cohort, written by the owner only
        shared = lambda cls: or_(  # noqa: E731
            cls.tenant_id.in_(ids),
            cls.shared_cohort_id.in_(select(tenants.c.cohort_id).where(tenants.c.id.in_(ids))),
        )
    else:
        shared = lambda cls: cls.tenant_id.in_(ids)  # noqa: E731
    state.statement = state.statement.options(
        with_loader_criteria(CohortShared, shared, include_aliases=True),
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id.in_(ids), include_aliases=True),
        with_loader_criteria(
            TenantOrHost,
            lambda cls: or_(cls.tenant_id.is_(None), cls.tenant_id.in_(ids)),
            include_aliases=True,
        ),
    )


def _check_flush(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantOwned | TenantOrHost | CohortShared):
            continue
        tenant_id = obj.tenant_id
        if tenant_id is None and getattr(obj, "tenant", None) is not None:
            tenant_id = obj.tenant.id
        if tenant_id is None:
            if isinstance(obj, TenantOwned | CohortShared):
                raise TenantScopeError(f"{type(obj).__name__} has no tenant")
            continue
        scope = _scope.get()
        if scope is None or tenant_id not in scope:
            raise TenantScopeError(
                f"{type(obj).__name__} for tenant {tenant_id} is outside the current scope"
            )


# --- PostgreSQL lock --------------------------------------------------------------------


def _scope_setting() -> str:
    scope = _scope.get()
    return "" if not scope else ",".join(str(t) for t in sorted(scope))


SENT = "portal_tenant_scope_sent"  # session.info: the setting this transaction holds


def _set_on_connection(session: Session, connection) -> None:
    """Tell PostgreSQL the scope, unless this transaction already holds that value."""
    if connection.dialect.name != "postgresql":
        return
    value = _scope_setting()
    if session.info.get(SENT) == value:
        return
    connection.execute(text("SELECT set_config('app.tenant_ids', :ids, true)"), {"ids": value})
    session.info[SENT] = value


def _after_begin(session: Session, transaction, connection) -> None:
    if transaction.parent is None and not transaction.nested:
        # A new transaction holds no setting (set_config(..., true) ended with the last
        # one), which reads as no tenant: an empty scope needs no statement.
        session.info[SENT] = ""
    _set_on_connection(session, connection)


def _after_transaction_end(session: Session, transaction) -> None:
    # The transaction (or a savepoint, which may have rolled the setting back) is over:
    # what it held is not known any more, so the next change is sent.
    session.info.pop(SENT, None)


def _sync_database_setting() -> None:
    """When the scope changes inside a transaction, tell PostgreSQL at once."""
    try:
        session = db.session()
    except RuntimeError:  # no application context: nothing to tell
        return
    if not session.in_transaction():
        return
    connection = session.connection()
    if _transaction_failed(connection):
        return  # it can only roll back now, and the setting goes with it
    _set_on_connection(session, connection)


def _transaction_failed(connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    from psycopg.pq import TransactionStatus

    raw = connection.connection.dbapi_connection
    return raw.info.transaction_status == TransactionStatus.INERROR


def init_app(app) -> None:
    if getattr(Session, "_portal_tenancy_installed", False):
        return
    event.listen(Session, "do_orm_execute", _add_tenant_criteria)
    event.listen(Session, "before_flush", _check_flush)
    event.listen(Session, "after_begin", _after_begin)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    Session._portal_tenancy_installed = True


def tenant_owned_tables() -> dict[str, bool | str]:
    """Every tenant-owned table name -> whether host (NULL tenant) rows are allowed, or
    "shared" for rows that may be shared with a cohort (see :func:`enable_rls`)."""
    tables = {}
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, TenantOwned):
            tables[cls.__tablename__] = False
        elif issubclass(cls, TenantOrHost):
            tables[cls.__tablename__] = True
        elif issubclass(cls, CohortShared):
            tables[cls.__tablename__] = "shared"
    return tables
