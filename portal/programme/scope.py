"""Programme scope: which applications the current work may see.

The programme is national and host-run, so its rows belong to no partner authority and
the tenant scope says nothing about them. Who may see an application follows from who
is asking instead:

- an applicant sees their own applications (``person_id``);
- an endorser, who has no account, the one application their link names
  (``endorsing``), for reading only;
- the centre's admins everything (``admin``);
- reviewers (next) the redacted copies assigned to them, never an application itself.

One mechanism, two locks, as for tenancy (``portal.tenancy``):

1. The ORM adds the rule to every query of a programme model and refuses to flush a
   row the scope may not write. A programme model queried with no scope set raises
   :class:`ProgrammeScopeError`; it never means "all rows".
2. On PostgreSQL, row-level security policies (migration 0015) read the same scope
   from ``app.programme_person``, ``app.programme_endorsing`` and
   ``app.programme_admin``, set per transaction with ``set_config(..., true)``, and
   only when a statement touches a programme table: pages that never do pay nothing.

Requests set the scope from the signed-in person (:func:`init_app`); an endorsement
link widens it to its application with :func:`endorsing`; jobs and commands use
:func:`as_admin` or :func:`as_person`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ForeignKey, event, or_, select, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

from portal.extensions import db
from portal.tenancy import tables_in

NOBODY_ID = -1  # no person / no application: matches no row (ids are positive)


class ProgrammeScopeError(RuntimeError):
    """A programme table was touched with no programme scope set, or outside it."""


@dataclass(frozen=True)
class ProgrammeScope:
    person_id: int = NOBODY_ID
    admin: bool = False
    endorsing: int = NOBODY_ID

    def setting(self) -> tuple[str, str, str]:
        return (str(self.person_id), "on" if self.admin else "off", str(self.endorsing))


NOBODY = ProgrammeScope()
_scope: ContextVar[ProgrammeScope | None] = ContextVar("programme_scope", default=None)


# --- What each kind of row follows ------------------------------------------------------


class ApplicantsOwn:
    """The application itself: its applicant's, read by its endorser, and the admins'."""

    @declared_attr
    def id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(primary_key=True)

    @declared_attr
    def applicant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("users.id"), index=True)


class WithItsApplication:
    """A part of an application (a statement, an answer): seen with the application,
    written by its applicant."""

    @declared_attr
    def application_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            ForeignKey("programme_applications.id", ondelete="CASCADE"), index=True
        )


class ApplicantOnly:
    """What only the applicant and the admins may see, never an endorser or a reviewer
    (equality monitoring): one row per application."""

    @declared_attr
    def application_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            ForeignKey("programme_applications.id", ondelete="CASCADE"), unique=True
        )


_KINDS = (ApplicantsOwn, WithItsApplication, ApplicantOnly)


# --- Setting the scope ------------------------------------------------------------------


def set_scope(scope: ProgrammeScope | None) -> None:
    _scope.set(scope)


@contextmanager
def scoped(scope: ProgrammeScope) -> Iterator[ProgrammeScope]:
    """Run a block with ``scope``, restoring the previous one after, even on error."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        _resync()


def _resync() -> None:
    """After a block told PostgreSQL a scope, tell it the restored one at once: even a
    plain SQL statement after the block sees no more than the block's caller may."""
    try:
        session = db.session()
    except RuntimeError:  # no application context
        return
    held = session.info.get(SENT)
    restored = _scope.get()
    if held is None or held == restored or not session.in_transaction():
        return
    _tell_postgresql(session, restored or NOBODY)


def as_person(person_id: int) -> AbstractContextManager[ProgrammeScope]:
    """A person's own applications (a job acting for the applicant)."""
    return scoped(ProgrammeScope(person_id=person_id))


def as_admin() -> AbstractContextManager[ProgrammeScope]:
    """Every application: the programme's own jobs and commands, and demo data."""
    return scoped(ProgrammeScope(admin=True))


@contextmanager
def endorsing(application_id: int) -> Iterator[ProgrammeScope]:
    """The request's scope and the one application an endorsement link opened: the
    link's check (its signature, its endorsement) is the caller's, before this."""
    held = _scope.get() or NOBODY
    with scoped(ProgrammeScope(held.person_id, held.admin, application_id)) as scope:
        yield scope


def for_request(user) -> ProgrammeScope:
    """The scope of a request by ``user`` (anyone not signed in: nobody's)."""
    from portal.accounts.models import Role

    if user is None or not user.is_authenticated:
        return NOBODY
    return ProgrammeScope(person_id=user.id, admin=user.role == Role.CENTRE_ADMIN)


# --- ORM lock ---------------------------------------------------------------------------


@cache
def _programme_tables() -> frozenset[str]:
    return frozenset(
        m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, _KINDS)
    )


def _touched(state: ORMExecuteState) -> set[str]:
    return tables_in(state) & _programme_tables()


def _application_model():
    from portal.programme.models import Application

    return Application


def _add_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    touched = _touched(state)
    if not touched:
        return
    scope = _scope.get()
    if scope is None:
        raise ProgrammeScopeError(
            f"query of programme {', '.join(sorted(touched))} with no programme scope set"
        )
    _tell_postgresql(state.session, scope)
    if scope.admin:
        return
    person, endorsed = scope.person_id, scope.endorsing
    if not state.is_select:
        endorsed = NOBODY_ID  # an endorser reads the application; they never change it
    apps = db.metadata.tables["programme_applications"]
    state.statement = state.statement.options(
        with_loader_criteria(
            ApplicantsOwn,
            lambda cls: or_(cls.applicant_id == person, cls.id == endorsed),
            include_aliases=True,
        ),
        with_loader_criteria(
            WithItsApplication,
            lambda cls: cls.application_id.in_(
                select(apps.c.id).where(or_(apps.c.applicant_id == person, apps.c.id == endorsed))
            ),
            include_aliases=True,
        ),
        with_loader_criteria(
            ApplicantOnly,
            lambda cls: cls.application_id.in_(
                select(apps.c.id).where(apps.c.applicant_id == person)
            ),
            include_aliases=True,
        ),
    )


def _check_flush(session: Session, flush_context, instances) -> None:
    """Only the applicant (or an admin) writes an application and its parts."""
    rows = [
        obj for obj in [*session.new, *session.dirty, *session.deleted] if isinstance(obj, _KINDS)
    ]
    if not rows:
        return
    scope = _scope.get()
    if scope is None:
        raise ProgrammeScopeError("programme rows written with no programme scope set")
    _tell_postgresql(session, scope)
    if scope.admin:
        return
    with session.no_autoflush:
        for obj in rows:
            owner = _owner_of(session, obj)
            if owner != scope.person_id:
                raise ProgrammeScopeError(
                    f"{type(obj).__name__} of another person is outside the programme scope"
                )


def _owner_of(session: Session, obj) -> int | None:
    if isinstance(obj, ApplicantsOwn):
        return obj.applicant_id if obj.applicant_id is not None else obj.applicant.id
    application = getattr(obj, "application", None)
    if application is None and obj.application_id is not None:
        application = session.get(_application_model(), obj.application_id)
    return None if application is None else application.applicant_id


# --- PostgreSQL lock --------------------------------------------------------------------

SENT = "portal_programme_scope_sent"  # session.info: the scope this transaction holds


def _tell_postgresql(session: Session, scope: ProgrammeScope) -> None:
    """Set the scope in this transaction before the statement that needs it, once."""
    connection = session.connection()
    if connection.dialect.name != "postgresql" or session.info.get(SENT) == scope:
        return
    person, admin, endorsed = scope.setting()
    connection.execute(
        text(
            "SELECT set_config('app.programme_person', :person, true),"
            " set_config('app.programme_admin', :admin, true),"
            " set_config('app.programme_endorsing', :endorsed, true)"
        ),
        {"person": person, "admin": admin, "endorsed": endorsed},
    )
    session.info[SENT] = scope


def _forget_sent(session: Session, transaction) -> None:
    session.info.pop(SENT, None)


def init_app(app) -> None:
    """Every request's scope comes from who is signed in; forgotten after it."""
    from flask_login import current_user

    @app.before_request
    def _set_request_scope():
        set_scope(for_request(current_user))

    @app.teardown_request
    def _clear_request_scope(exc=None):
        set_scope(None)

    if getattr(Session, "_portal_programme_installed", False):
        return
    event.listen(Session, "do_orm_execute", _add_criteria)
    event.listen(Session, "before_flush", _check_flush)
    event.listen(Session, "after_transaction_end", _forget_sent)
    Session._portal_programme_installed = True
