"""The extension objects, created once here and bound by ``create_app``."""

from datetime import datetime

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, registry

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # Every timestamp is an instant: timestamptz on PostgreSQL, UTC everywhere.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


db = SQLAlchemy(model_class=Base)

# Schema the migrations manage by hand, outside the models: full-text search (an FTS5
# table and its shadow tables on SQLite; a generated tsvector column and its index on
# PostgreSQL).
HAND_MADE = ("reflections_fts", "reflection_search", "ix_reflection_search")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's autogenerate: leave the hand-made search schema alone."""
    return not (name or "").startswith(HAND_MADE)


migrate = Migrate(include_object=include_object)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# ProxyFix (configured from TRUSTED_PROXIES) makes remote_addr the real client.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
