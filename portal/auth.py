"""Who is asking, and which authorities this request may see.

Each request computes its tenant scope once, here: a partner user's own
authority; a host user's assigned authorities; all of them for centre admins;
and on a tenant page (``/<tenant_slug>/...``) just that one, or a 404 when the
user has no business there (never a 403 that confirms it exists).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Role, User
from portal.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are bound by the stamp instead
    login_manager.user_loader(load_user)
    app.before_request(enforce_idle_timeout)
    app.before_request(set_request_scope)
    app.teardown_request(lambda exc: tenancy.clear_scope())


def load_user(user_id: str) -> User | None:
    """The signed-in user, unless their password changed or they were deactivated since."""
    try:
        raw_id, stamp = user_id.split(":", 1)
        user = db.session.scalar(select(User).where(User.id == int(raw_id)))
    except ValueError:
        return None
    if user is None or not user.active or user.session_stamp != stamp:
        return None
    return user


def enforce_idle_timeout():
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = int(time.time())
    last_seen = session.get("seen")
    limit = int(current_app.config["IDLE_TIMEOUT"].total_seconds())
    if last_seen is not None and now - int(last_seen) > limit:
        logout_user()
        session.clear()
        flash(
            f"You were signed out after {limit // 60} minutes without activity. "
            "Sign in again to carry on.",
            "info",
        )
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    session["seen"] = now
    return None


def set_request_scope():
    """Set the tenant scope for this request, before any view runs."""
    g.tenant = None
    if request.endpoint == "static":
        tenancy.set_scope(frozenset())
        return
    if not current_user.is_authenticated:
        tenancy.set_scope(frozenset())
        return
    from portal.accounts.service import tenant_ids_for

    allowed = tenant_ids_for(current_user)
    slug = (request.view_args or {}).get("tenant_slug")
    if slug is None:
        tenancy.set_scope(allowed)
        return
    from portal.tenants.models import Tenant

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
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
