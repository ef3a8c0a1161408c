"""The partnership portal: one Flask application serving every partner authority."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from portal import config as settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application. No side effects: nothing is migrated, sent or fetched here."""
    values = settings.from_env(**(config or {}))
    settings.check(values)
    app = Flask(
        __name__,
        instance_path=str(Path(values["SQLALCHEMY_DATABASE_URI"].split("///", 1)[-1]).parent)
        if values["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
        else None,
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(values)
    if values["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # as in the Flask tutorial
    register_extensions(app)
    register_templates(app)
    register_security(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal import (
        models,  # noqa: F401 - every model, for the metadata and migrations
        tenancy,
    )
    from portal.extensions import db, htmx, limiter, login_manager, migrate
    from portal.jobs import setup as jobs_setup

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    tenancy.init_app(app)
    jobs_setup.init_app(app)


def register_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from portal import web

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    web.register_template_helpers(app)


def register_security(app: Flask) -> None:
    from portal import auth, security
    from portal.common import inputs
    from portal.extensions import csrf

    security.init_app(app)
    inputs.init_app(app)  # before the blueprints: their <int:…> ids are bounded
    auth.init_app(app)  # who is asking, and the tenant scope, first ...
    csrf.init_app(app)  # ... so even the page refusing a missing token has a scope


def register_blueprints(app: Flask) -> None:
    from portal.accounts.routes import bp as accounts_bp
    from portal.admin.background_routes import bp as operations_bp
    from portal.admin.cohorts import bp as admin_cohorts_bp
    from portal.admin.routes import bp as admin_bp
    from portal.boards.routes import bp as boards_bp
    from portal.boards.routes import digest_bp
    from portal.boards.routes import host_bp as host_boards_bp
    from portal.host.routes import bp as host_bp
    from portal.notifications.routes import bp as notifications_bp
    from portal.pages.routes import bp as pages_bp
    from portal.partner.routes import bp as partner_bp
    from portal.placements.routes import bp as placements_bp
    from portal.placements.routes import host_bp as host_placements_bp
    from portal.programme import admin_applications, apply_routes  # noqa: F401 - on its blueprints
    from portal.programme import scope as programme_scope
    from portal.programme.routes import admin_bp as programme_admin_bp
    from portal.programme.routes import bp as programme_bp
    from portal.sessions.routes import bp as sessions_bp
    from portal.sessions.routes import feed_bp as calendar_bp
    from portal.sessions.routes import host_bp as host_sessions_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(admin_cohorts_bp)
    app.register_blueprint(programme_admin_bp)
    app.register_blueprint(programme_bp)
    programme_scope.init_app(app)  # after the sign-in's request hooks: it reads who it is
    app.register_blueprint(operations_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(host_bp)
    app.register_blueprint(host_placements_bp)
    app.register_blueprint(placements_bp)
    app.register_blueprint(host_sessions_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(host_boards_bp)
    app.register_blueprint(digest_bp)
    app.register_blueprint(boards_bp)
    # Last: its /<tenant_slug>/ prefix would otherwise shadow /admin and /host.
    app.register_blueprint(partner_bp)


def register_errors(app: Flask) -> None:
    from portal.pages.errors import register

    register(app)


def register_cli(app: Flask) -> None:
    from portal.boards.cli import boards_cli
    from portal.demo import seed_demo_command
    from portal.jobs.cli import worker_command
    from portal.mail.cli import mail_cli
    from portal.programme.cli import programme_cli
    from portal.tenants.cli import tenants_cli

    app.cli.add_command(tenants_cli)
    app.cli.add_command(boards_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(programme_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
