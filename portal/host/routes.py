"""Host staff's own pages, spanning the authorities they work with: /host/..."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.accounts import service
from portal.accounts.models import HOST_ROLES, Role
from portal.auth import roles_required
from portal.host.service import catalogue
from portal.placements import service as placements

bp = Blueprint("host", __name__, url_prefix="/host")
WAITING_MOST = 5  # a home page names the first few; the requests page has them all
CONFIRM_MOST = 5  # bookings of a host's time waiting for them to confirm, soonest first


@bp.get("/")
@roles_required(*HOST_ROLES)
def index():
    from datetime import timedelta

    from portal.sessions import service as sessions

    now = sessions.now()
    waiting, first_waiting = 0, []
    if current_user.role == Role.SERVICE_LEAD:
        waiting, first_waiting = placements.waiting_for_decision(current_user, WAITING_MOST)
    to_confirm, first_to_confirm = sessions.awaiting_confirmation(current_user, CONFIRM_MOST)
    return render_template(
        "host/index.html",
        to_confirm=to_confirm,
        first_to_confirm=first_to_confirm,
        waiting=waiting,
        first_waiting=first_waiting,
        coming_up=sessions.hosted_by(current_user, now, now + timedelta(days=7)),
        tenants=service.tenants_for(current_user),
        services=catalogue(),
    )


@bp.get("/authorities")
@roles_required(*HOST_ROLES)
def authorities():
    """The tenant switcher: the partner authorities this person works with."""
    return render_template("host/authorities.html", tenants=service.tenants_for(current_user))
