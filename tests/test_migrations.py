"""Alembic: one head, and the models agree with what the migrations built."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from portal.extensions import db, include_object


def _script(app) -> ScriptDirectory:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_there_is_exactly_one_head(app):
    heads = _script(app).get_heads()
    assert len(heads) == 1, f"more than one Alembic head: {heads}; merge them"


def test_models_and_migrations_agree(app):
    engine = create_engine(app.config["MIGRATION_DATABASE_URI"], poolclass=NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        assert context.get_current_revision() == _script(app).get_current_head()
        diff = compare_metadata(context, db.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"
