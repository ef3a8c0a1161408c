"""A throwaway PostgreSQL database for the test suite and the benchmark.

Given a server URL whose role may create databases and roles, it makes a fresh
database owned by a new owner role, plus an app role that owns nothing and
cannot bypass row-level security: the production arrangement in miniature.
Everything it made is dropped afterwards; it touches nothing else.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.config import _database_url


@dataclass(frozen=True)
class ThrowawayDatabase:
    app_url: str
    owner_url: str
    app_role: str
    name: str
    # The server URL's own role, connected to the new database (it made the roles, so it
    # may be a superuser, which row-level security does not apply to).
    admin_url: str = ""


@contextmanager
def throwaway_postgres(server_url: str, prefix: str = "portal_test") -> Iterator[ThrowawayDatabase]:
    """Create a database with owner and app roles; drop all three on exit."""
    server = make_url(_database_url(server_url))
    admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(4)}"
    owner, app_role = f"{name}_owner", f"{name}_app"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
            conn.execute(text(f'CREATE ROLE "{app_role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
            conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
        in_db = server.set(database=name)
        with create_engine(in_db, poolclass=NullPool).begin() as conn:
            # Since PostgreSQL 15 only the schema's owner may create in it.
            conn.execute(text(f'ALTER SCHEMA public OWNER TO "{owner}"'))
        base = in_db.set(password=None)
        yield ThrowawayDatabase(
            app_url=base.set(username=app_role).render_as_string(hide_password=False),
            owner_url=base.set(username=owner).render_as_string(hide_password=False),
            app_role=app_role,
            name=name,
            admin_url=in_db.render_as_string(hide_password=False),
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{app_role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()
