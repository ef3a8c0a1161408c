"""What every feature's routes share: one way to apply a change and report a refusal,
htmx swaps, the tenant slug in URLs, and absolute links to the portal."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, g, request

from portal.common import inputs
from portal.common.paging import Window, window
from portal.errors import NotFound, RuleError
from portal.extensions import db, htmx


def add_tenant_slug(endpoint: str, values: dict) -> None:
    """Fill ``tenant_slug`` in ``url_for`` from the authority of the current request, so
    a page under ``/<tenant_slug>/`` links to its own authority's pages without saying so."""
    if "tenant_slug" not in values and g.get("tenant") is not None:
        values["tenant_slug"] = g.tenant.slug


def tenant_url_defaults(bp: Blueprint) -> Blueprint:
    """Register :func:`add_tenant_slug` on a blueprint under ``/<tenant_slug>/``."""
    bp.url_defaults(add_tenant_slug)
    return bp


def absolute_url(path: str) -> str:
    """``path`` on the portal's own address, ``PORTAL_BASE_URL``.

    Never the request's ``Host`` header (``request.host_url``, ``url_for(..., _external=True)``):
    anyone can send any Host, and a link built from it in a calendar feed, a file or an
    email would send people to their site. Works without a request (the CLI and jobs)."""
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + path


def absolute_url_for(endpoint: str, **values) -> str:
    """An absolute link to ``endpoint`` on ``PORTAL_BASE_URL`` (see :func:`absolute_url`).
    Built from the URL map, not ``url_for``, so pages, the CLI and jobs make the same link;
    fill every argument of the route (``tenant_slug`` too: no request supplies it)."""
    return absolute_url(current_app.url_map.bind("portal.invalid").build(endpoint, values))


def form_error(form, error: RuleError) -> None:
    """Show a service rule's refusal on the field it names (or the whole form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = (
            [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
        )
    else:
        form.form_errors.append(error.message)


def apply_change(apply, *, form=None, refusals: list | None = None):
    """Run one service change for a route and commit it. A refusal (RuleError) is rolled
    back and shown on the form's field, or flashed; a missing record is a 404.

    Returns the change's result (True if it returns nothing), or None when refused (and
    the refusal is added to ``refusals``, for a route that answers some differently).
    """
    try:
        result = apply()
    except NotFound:
        db.session.rollback()
        abort(404)
    except RuleError as error:
        db.session.rollback()
        if refusals is not None:
            refusals.append(error)
        if form is not None:
            form_error(form, error)
        else:
            flash(error.message, "error")
        return None
    db.session.commit()
    return True if result is None else result


def htmx_swap() -> bool:
    """An htmx request for a part of the page, to swap in. A history restore (Back or
    Forward, with the history cache off) also carries HX-Request but needs the whole page."""
    return bool(htmx) and not htmx.history_restore_request


def polled(view: Callable) -> Callable:
    """Mark a view that an open page polls by itself through htmx (the notification
    count, an import's progress): those polls do not count as the person being active
    (portal/auth.py), so the idle timeout still comes. Opening it as a page still counts."""
    view.polled = True
    return view


def paginate(statement, *, per_page: int) -> Window:
    """One page of ``statement`` for the ``?page=`` asked for (bounded: an odd or huge
    page is the first, never an error), with no full count (portal/common/paging.py)."""
    return window(statement, page=inputs.page_number(request.args.get("page")), per_page=per_page)
