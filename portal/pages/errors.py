"""Error pages a person can act on, in the GOV.UK pattern."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.errors import NotFound

PAGES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    405: "errors/404.html",
    413: "errors/413.html",
    429: "errors/429.html",
    500: "errors/500.html",
    503: "errors/503.html",
}


def _scope_for_error_page() -> None:
    """An error raised before the request's scope was set still renders a page; it
    sees nothing tenant-owned rather than failing for want of a scope."""
    from portal import tenancy

    if tenancy.current_scope() is None:
        tenancy.set_scope(frozenset())


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _scope_for_error_page()
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        template = PAGES.get(error.code)
        if template is None:
            return error
        _scope_for_error_page()
        # Werkzeug's own descriptions are for developers; ours say what to do.
        detail = error.description if error.description != type(error).description else None
        return render_template(template, error=error, detail=detail), error.code

    @app.errorhandler(NotFound)
    def not_found(error):
        from portal.extensions import db

        db.session.rollback()
        _scope_for_error_page()
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def server_error(error):
        from portal.extensions import db

        db.session.rollback()
        _scope_for_error_page()
        return render_template("errors/500.html"), 500
