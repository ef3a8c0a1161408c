"""Pages that belong to nobody in particular: the front door and the statements."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.web import home_url_for

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/healthz")
def healthz():
    """For load balancers: ``{"status": …}``, 503 when the database is down. Monitoring
    that presents ``HEALTH_TOKEN`` (``Authorization: Bearer …``), or a signed-in centre
    admin, also gets the database, Redis, worker and outbox state."""
    from portal.admin.background import health

    report, status = health()
    if not _may_see_health_details():
        report = {"status": report["status"]}
    return report, status


def _may_see_health_details() -> bool:
    token = current_app.config.get("HEALTH_TOKEN")
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    return current_user.is_authenticated and current_user.role == Role.CENTRE_ADMIN


@bp.get("/livez")
def livez():
    """Liveness: the process answers. No database, no Redis (see /healthz for those)."""
    return {"status": "ok"}
