import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def get_engine():
    """Migrations connect as the role that owns the tables (MIGRATION_DATABASE_URL),
    which may differ from the role the application connects as (DATABASE_URL)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(current_app.config["MIGRATION_DATABASE_URI"], poolclass=NullPool)


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
import portal.models  # noqa: E402,F401  every model, so autogenerate sees every table

target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()
            grant_app_role(connection)


def grant_app_role(connection):
    """Give the application's role (if it is not the owner) what it needs, and no more.

    Run after every upgrade so new tables are covered. The app role gets data
    access only: it owns nothing, so row-level security always applies to it.
    """
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    app_user = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username
    owner = connection.execute(text("SELECT current_user")).scalar()
    if not app_user or app_user == owner:
        return
    role = connection.dialect.identifier_preparer.quote(app_user)
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT EXECUTE ON FUNCTION portal_tenant_scope() TO {role}",
        # The audit log is append-only for the application.
        f"REVOKE UPDATE, DELETE ON audit_events FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
    ):
        connection.execute(text(statement))
    if connection.execute(text("SELECT to_regclass('reflection_search')")).scalar():
        # Board search's words are reached only through the function that applies the
        # scope (migration 0009), never read directly.
        connection.execute(text(f"REVOKE ALL ON reflection_search FROM {role}"))
        connection.execute(
            text(f"GRANT EXECUTE ON FUNCTION portal_matching_reflections(text) TO {role}")
        )
    if connection.execute(text("SELECT to_regproc('portal_person_tenant_ids')")).scalar():
        # The request's scope is loaded with the person (migration 0010).
        connection.execute(
            text(f"GRANT EXECUTE ON FUNCTION portal_person_tenant_ids(integer) TO {role}")
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
