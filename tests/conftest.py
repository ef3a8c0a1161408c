"""Fixtures: one migrated database per test run, emptied after every test.

With ``DATABASE_URL`` pointing at PostgreSQL (CI), the suite creates its own
database and two roles (an owner that runs migrations, and the application's
role that owns nothing and is subject to row-level security), and drops them
at the end. It never touches any other database. Without it, SQLite in a
temporary folder.

Under pytest-xdist (``make test`` runs two workers) every worker is a separate
process with its own database, Redis database number, ports and live server; see
``tests/support.py``.

The clock is frozen for every test at :data:`FROZEN_AT`, a Monday morning in term,
and it ticks on from there (see ``portal/common/clock.py``). It is set when this file is
imported, so module-level constants in test files see it too.
"""

from __future__ import annotations

import email
import os
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

# argon2 at its least cost (portal/config.py), set before anything imports the portal;
# `flask worker` processes the tests start inherit it. PASSWORD_HASH_COST=production
# runs the suite at the real cost.
os.environ.setdefault("PASSWORD_HASH_COST", "test")

from portal import create_app, tenancy  # noqa: E402
from portal.common import clock  # noqa: E402
from portal.extensions import db as _db  # noqa: E402
from portal.extensions import limiter  # noqa: E402
from portal.testing import throwaway_postgres  # noqa: E402
from tests.support import (  # noqa: E402
    FROZEN_AT,
    ON_POSTGRES,
    PG_URL,
    REDIS_URL,
    WORKER,
    free_port,
)

RUN_ID = secrets.token_hex(4)

clock.set_clock(FROZEN_AT)  # now, so that module-level constants in test files see it

# Tests that start `flask worker` processes, which tell the time by their own (real) clock:
# they run on the real clock too, so that times they share through the database agree.
# (A module can say so itself with ``pytestmark = pytest.mark.real_clock``.)
STARTS_WORKER_PROCESSES = {"test_worker_process.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in STARTS_WORKER_PROCESSES:
            item.add_marker(pytest.mark.real_clock)


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """Every test starts at FROZEN_AT, whatever an earlier test did to the clock (and
    leaves it set), except those marked ``real_clock``."""
    if request.node.get_closest_marker("real_clock"):
        clock.set_clock(None)
        return None
    clock.set_clock(FROZEN_AT)
    return FROZEN_AT


@pytest.fixture(scope="session", autouse=True)
def rq_scheduler_reads_the_portal_clock():
    """The relay gives RQ a job's run time by the portal's clock, and RQ's scheduler holds
    the job until its own clock reaches it: in this process, make that the portal's clock
    (frozen in tests), so "not early, but when due" means the same to both."""
    import rq.scheduler

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rq.scheduler, "current_timestamp", lambda: int(clock.utcnow().timestamp()))
        yield


_ELSEWHERE = Flask("elsewhere")


class OwnContextClient(FlaskClient):
    """Runs every request in its own application context, as a server does.

    The ``db`` fixture keeps an app context pushed, and Flask would reuse it for
    test requests, so ``g`` (Flask-Login caches the user there), ``g.tenant`` and
    the database session would carry over from one request, and one client, to
    the next. Pushing another app's context first makes Flask push a fresh one.
    """

    def open(self, *args, **kwargs):
        with _ELSEWHERE.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """(app URL, owner URL, app role name or None, server role's URL or None)."""
    if ON_POSTGRES:
        prefix = f"portal_test_{WORKER}" if WORKER else "portal_test"
        with throwaway_postgres(PG_URL, prefix=prefix) as throwaway:
            yield throwaway.app_url, throwaway.owner_url, throwaway.app_role, throwaway.admin_url
    else:
        path = tmp_path_factory.mktemp("db") / "portal-test.db"
        yield f"sqlite:///{path}", f"sqlite:///{path}", None, None


@pytest.fixture(scope="session", autouse=True)
def redis_database():
    """Empty this worker's own Redis database (see tests/support.py) before and after
    the run. ``flushdb`` empties only the database number in REDIS_URL."""
    if REDIS_URL is None:
        yield None
        return
    from redis import Redis
    from redis.exceptions import ResponseError

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.flushdb()
    except ResponseError as error:
        pytest.exit(f"cannot use {REDIS_URL} for tests ({error}): choose a lower REDIS_URL", 2)
    yield connection
    connection.flushdb()


@pytest.fixture(scope="session")
def app(database):
    app_url, owner_url, *_ = database
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-" + secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": app_url,
            "MIGRATION_DATABASE_URI": owner_url,
            "REDIS_URL": REDIS_URL,
            "MAIL_SERVER": None,
            "WTF_CSRF_ENABLED": False,
            "JOBS_EMBEDDED_THREAD": False,
            "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
            "RATELIMIT_KEY_PREFIX": f"portal-test-{RUN_ID}",
            "PORTAL_BASE_URL": "http://localhost",
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = OwnContextClient
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


class Emptier:
    """Empties every table after a test, leaving the database as migrating left it: on
    PostgreSQL, as ``TRUNCATE <every table> RESTART IDENTITY`` would.

    That TRUNCATE costs over 100 ms a test (it rewrites every table, empty or not), and
    most tests write to a handful of tables. So when the server's own role is a superuser
    (which row-level security does not apply to: the owner is under FORCE ROW LEVEL
    SECURITY and cannot see every row), one query finds the tables that hold a row, their
    rows are deleted (foreign keys not checked: every referencing row goes too), and the
    id sequences that have been used (an insert rolled back uses one too) start again.
    Otherwise, the TRUNCATE.
    """

    RESTART_USED_SEQUENCES = text(
        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
        " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    )

    def __init__(self, owner_url: str, admin_url: str | None):
        self.tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        self.sqlite = owner_url.startswith("sqlite")
        if not self.sqlite:  # the hand-made words table (migration 0009), not in the models
            self.tables.insert(0, "reflection_search")
        self.probe = None
        self.engine = create_engine(owner_url, poolclass=NullPool)
        if self.sqlite or not admin_url:
            return
        admin = create_engine(admin_url, pool_size=1)
        with admin.connect() as conn:
            superuser = conn.scalar(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
        if not superuser:
            admin.dispose()
            return
        self.probe = text(
            " UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT FROM {table})" for table in self.tables
            )
        )
        self.engine.dispose()
        self.engine = admin

    def __call__(self) -> None:
        with self.engine.begin() as conn:
            if self.sqlite:
                for table in self.tables:
                    conn.execute(text(f"DELETE FROM {table}"))
            elif self.probe is None:
                conn.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))
            else:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in conn.scalars(self.probe).all():
                    conn.execute(text(f"DELETE FROM {table}"))
                conn.execute(self.RESTART_USED_SEQUENCES)

    def dispose(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def empty_database(app, database):
    emptier = Emptier(app.config["MIGRATION_DATABASE_URI"], database[3])
    yield emptier
    emptier.dispose()


@pytest.fixture(autouse=True)
def db(app, frozen_clock, empty_database):
    """The database, empty at the start of every test; an app context is pushed."""
    with app.app_context():
        tenancy.clear_scope()
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tenancy.clear_scope()
    empty_database()
    with app.app_context():
        limiter.reset()
    if REDIS_URL is not None:
        from redis import Redis

        Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app):
    """Sign a test client in as ``user`` (as a real sign-in would leave the session)."""
    from portal.accounts import sign_in_sessions

    def login(user, client=None):
        client = client or app.test_client()
        token = sign_in_sessions.start(user)
        _db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["sid"] = token
            session.permanent = True
        return client

    return login


@pytest.fixture
def system():
    """Run a block across every tenant (test set-up and assertions)."""
    return tenancy.system_scope


class World:
    """Two partner authorities (a, b) with a manager and participant each, host staff
    who work with ``a`` only, and a centre admin."""

    def __init__(self):
        from portal.accounts.models import Membership, Role
        from tests.factories import HostServiceFactory, TenantFactory, UserFactory

        self.a = TenantFactory(slug="northbrook", name="Northbrook Council")
        self.b = TenantFactory(slug="eastmere", name="Eastmere Borough Council")
        self.service = HostServiceFactory()
        with tenancy.system_scope():
            self.users = {}
            for tenant_key, tenant in (("a", self.a), ("b", self.b)):
                for role in (Role.PARTNER_MANAGER, Role.PARTICIPANT):
                    user = UserFactory(
                        role=role, email=f"{role.value}@{tenant.slug}.example", name=role.label
                    )
                    _db.session.add(Membership(user_id=user.id, tenant_id=tenant.id))
                    self.users[f"{role.value}_{tenant_key}"] = user
            for role in (Role.HOST_PRACTITIONER, Role.SERVICE_LEAD, Role.FACILITATOR):
                user = UserFactory(
                    role=role,
                    email=f"{role.value}@host.example",
                    host_service_id=self.service.id,
                )
                _db.session.add(Membership(user_id=user.id, tenant_id=self.a.id))
                self.users[role.value] = user
            self.users["centre_admin"] = UserFactory(
                role=Role.CENTRE_ADMIN, email="admin@centre.example"
            )
            _db.session.flush()
        _db.session.commit()

    def __getitem__(self, key):
        return self.users[key]


@pytest.fixture
def world(db):
    return World()


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on loopback; the app is configured to send through it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield inbox
    controller.stop()
