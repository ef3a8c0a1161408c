"""Loading one record for a service function."""

from __future__ import annotations

from sqlalchemy import select

from portal.errors import NotFound
from portal.extensions import db


def one_or_not_found(model, ident: int, *, lock: bool = False):
    """The row of ``model`` with this id in the current tenant scope (locked FOR UPDATE
    if asked), or NotFound: another authority's row is simply not there."""
    query = select(model).where(model.id == ident)
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(ident)
    return row
