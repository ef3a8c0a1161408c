"""Inserts that are safe when the same change arrives twice, or twice at once.

``INSERT ... ON CONFLICT``, which PostgreSQL and SQLite both have: a second writer of the
same key waits for the first (PostgreSQL) and then adds or changes nothing, instead of
failing on the unique constraint. These are Core statements: the caller makes sure each
row belongs in the current tenant scope (row-level security checks it again).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table

from portal.extensions import db


def _insert(table: Table):
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_new(table: Table, rows: dict | list[dict], *, key: Iterable[str]) -> int:
    """Add the rows whose key is not there yet; how many this call added."""
    rows = [rows] if isinstance(rows, dict) else rows
    if not rows:
        return 0
    statement = _insert(table).values(rows).on_conflict_do_nothing(index_elements=list(key))
    return db.session.execute(statement).rowcount


def upsert(table: Table, row: dict, *, key: Iterable[str]) -> None:
    """Add the row, or set its other columns on the one already there."""
    key = list(key)
    statement = _insert(table).values(row)
    changes = {column: statement.excluded[column] for column in row if column not in key}
    db.session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))
