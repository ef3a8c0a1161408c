"""Fixtures: one migrated database per test run, emptied after every test.

With ``DATABASE_URL`` pointing at PostgreSQL (CI), the suite creates its own
database and two roles (an owner that runs migrations, and the application's
role that owns nothing and is subject to row-level security), and drops them
at the end. It never touches any other database. Without it, SQLite in a
temporary folder.
"""

from __future__ import annotations

import email
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from portal import create_app, tenancy
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.testing import throwaway_postgres
from tests.support import ON_POSTGRES, PG_URL, REDIS_URL, free_port  # noqa: E402

RUN_ID = secrets.token_hex(4)


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
    """(app URL, owner URL, app role name or None)."""
    if ON_POSTGRES:
        with throwaway_postgres(PG_URL) as throwaway:
            yield throwaway.app_url, throwaway.owner_url, throwaway.app_role
    else:
        path = tmp_path_factory.mktemp("db") / "portal-test.db"
        yield f"sqlite:///{path}", f"sqlite:///{path}", None


@pytest.fixture(scope="session", autouse=True)
def redis_database():
    """Empty the suite's own Redis database before and after the run."""
    if REDIS_URL is None:
        yield None
        return
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture(scope="session")
def app(database):
    app_url, owner_url, _ = database
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


def _empty_database(app) -> None:
    owner_url = app.config["MIGRATION_DATABASE_URI"]
    engine = create_engine(owner_url, poolclass=NullPool)
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """The database, empty at the start of every test; an app context is pushed."""
    with app.app_context():
        tenancy.clear_scope()
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tenancy.clear_scope()
    _empty_database(app)
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
    import time

    def login(user, client=None):
        client = client or app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["seen"] = int(time.time())
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
