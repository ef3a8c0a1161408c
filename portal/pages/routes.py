"""Pages that belong to nobody in particular: the front door and the statements."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

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
    """For load balancers and monitoring: database, Redis and worker state as JSON."""
    from portal.admin.background import health

    return health()


@bp.get("/livez")
def livez():
    """Liveness: the process answers. No database, no Redis (see /healthz for those)."""
    return {"status": "ok"}
