"""Who is asking, and which authorities this request may see.

Each request computes its tenant scope once, here: a partner user's own
authority; a host user's assigned authorities; all of them for centre admins;
and on a tenant page (``/<tenant_slug>/...``) just that one, or a 404 when the
user has no business there (never a 403 that confirms it exists).

Who is asking comes from a session held on the server (portal/accounts/
sign_in_sessions.py): the cookie only names it, so a session that has ended stays
ended, whoever kept a copy of the cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_url, login_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import ValidationError

from portal import tenancy
from portal.accounts import kept_forms, sign_in_sessions
from portal.accounts.lookup import scope_ids, tenant_ids_for
from portal.accounts.models import Role, User
from portal.extensions import db, login_manager
from portal.tenants.models import Tenant


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are held on the server instead
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(check_session)
    app.before_request(set_request_scope)
    app.before_request(refill_after_sign_in)
    app.teardown_request(tenancy.end_request)


def _is_poll() -> bool:
    """A poll by an open page (portal.common.routes.polled): not the person's activity."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "polled", False) and request.headers.get("HX-Request") == "true"


def load_user(user_id: str) -> User | None:
    """The person whose server-side session this browser holds, if it is still open;
    their scope (and the authority a tenant page names) come in the same statement."""
    user, ended, row, ended_for = sign_in_sessions.resume(
        session.get("sid"),
        idle=current_app.config["IDLE_TIMEOUT"],
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
        activity=not _is_poll(),
        with_row=_with_scope,
    )
    g.session_ended = ended
    g.ended_for = ended_for
    if user is None or user_id.split(":", 1)[0] != str(user.id):
        return None
    g.sign_in_session = row.SignInSession
    g.person_scope = tenancy.parse_ids(row.scope_ids)
    g.named_tenant = row.Tenant if _tenant_slug() is not None else None
    return user


def _tenant_slug() -> str | None:
    return (request.view_args or {}).get("tenant_slug")


def _with_scope(statement):
    statement = statement.add_columns(scope_ids().label("scope_ids"))
    slug = _tenant_slug()
    if slug is not None:
        statement = (
            statement.add_columns(Tenant)
            .outerjoin(Tenant, Tenant.slug == slug)
            .options(joinedload(Tenant.cohort))  # most tenant pages name the cohort
        )
    return statement


KEPT = "kept"  # signed out idle, and what the form sent was kept

ENDED_MESSAGES = {
    sign_in_sessions.IDLE: "You were signed out after {minutes} minutes without activity. "
    "Sign in again to carry on.",
    KEPT: "You were signed out after {minutes} minutes without activity. What you typed "
    "has been kept: sign in again to carry on where you left off.",
    sign_in_sessions.EXPIRED: "You were signed out because you signed in more than "
    "{hours} ago. Sign in again to carry on.",
}


def check_session():
    """Load the session once per request; say so when it has just run out."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    authenticated = current_user.is_authenticated
    ended = g.pop("session_ended", None)
    if ended or db.session.dirty:
        db.session.commit()  # the session closed, or its idle clock moved (once a minute)
    if authenticated:
        return None
    next_page = request.full_path.rstrip("?")
    if ended == sign_in_sessions.IDLE and _kept_what_was_sent():
        ended, next_page = KEPT, page_sent_from()
    elif ended == sign_in_sessions.IDLE and kept_forms.waiting(g.ended_for, next_page):
        ended = KEPT  # the page's own warning handed its form over just before
    session.clear()
    if _is_poll():
        return _stop_polling()
    if ended:
        flash(
            ENDED_MESSAGES[ended].format(
                minutes=int(current_app.config["IDLE_TIMEOUT"].total_seconds()) // 60,
                hours=_hours(current_app.config["PERMANENT_SESSION_LIFETIME"]),
            ),
            "info",
        )
        return _to_sign_in(url_for("auth.sign_in", next=next_page))
    return None


def _to_sign_in(url: str):
    """To the sign-in page: the whole page, even from an htmx update (an autosave)."""
    if request.headers.get("HX-Request") == "true":
        return "", 200, {"HX-Redirect": url}
    return redirect(url)


def _kept_what_was_sent() -> bool:
    """A form sent after the idle timeout (its token still good) is kept, not lost."""
    if request.method != "POST" or g.get("ended_for") is None:
        return False
    if current_app.config.get("WTF_CSRF_ENABLED", True):  # only what the person's own page sent
        try:
            validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
        except ValidationError:
            return False
    if not kept_forms.keep(g.ended_for, page_sent_from(), request.form.items(multi=True)):
        return False
    db.session.commit()
    return True


def page_sent_from() -> str:
    return kept_forms.page_of(request.referrer, request.host, request.full_path.rstrip("?"))


def refill_after_sign_in() -> None:
    """The first page after signing in again gets back what the timeout kept from it."""
    path = session.get("refill")
    if path is None or request.method != "GET" or not current_user.is_authenticated:
        return
    if request.headers.get("HX-Request") == "true":
        return
    del session["refill"]
    if path == request.full_path.rstrip("?"):
        g.refill = kept_forms.take(current_user.id, path)
        db.session.commit()


def start_browser_session(user: User) -> None:
    """A fresh session for a fresh sign-in: nothing from before survives (no fixation).
    Its row is committed here: the caller has committed its own work already."""
    session.clear()
    login_user(user)
    session["sid"] = sign_in_sessions.start(user, user_agent=request.user_agent.string)
    session.permanent = True
    db.session.commit()


def session_seconds_left() -> int | None:
    """Seconds before this request's session idles out, for the page's warning."""
    row = g.get("sign_in_session")
    if row is None:
        return None
    return sign_in_sessions.seconds_left(row.last_seen_at, current_app.config["IDLE_TIMEOUT"])


def _hours(lifetime) -> str:
    hours = int(lifetime.total_seconds()) // 3600
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _stop_polling():
    """htmx stops polling on 286; the badge goes quiet until the page is reloaded."""
    return "", 286


def _unauthorized():
    if _is_poll():
        return _stop_polling()
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def set_request_scope():
    """Set the tenant scope for this request, before any view runs: from what
    :func:`load_user` loaded with the person, so it costs no statement of its own."""
    g.tenant = None
    if request.endpoint == "static" or not current_user.is_authenticated:
        tenancy.set_scope(frozenset())
        return
    allowed = g.pop("person_scope", None)
    if allowed is None:  # signed in some other way than a session this request resumed
        allowed = frozenset(tenant_ids_for(current_user))
    if _tenant_slug() is None:
        tenancy.set_scope(allowed)
        return
    if "named_tenant" in g:
        tenant = g.pop("named_tenant")
    else:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == _tenant_slug()))
    if tenant is None or tenant.id not in allowed:
        tenancy.set_scope(frozenset())
        abort(404)
    g.tenant = tenant
    tenancy.set_scope({tenant.id})


def roles_required(*roles: Role) -> Callable:
    """Sign-in required, then 403 for anyone whose role is not listed."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def get_or_404(model, ident: int):
    """Load one row through the tenant filter: another tenant's row is simply not found."""
    return db.first_or_404(select(model).where(model.id == ident))
