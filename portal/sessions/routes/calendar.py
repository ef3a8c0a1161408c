"""Calendar files: a session's ``.ics`` file, and each person's private feed address."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal import tenancy
from portal.accounts.models import User
from portal.accounts.service import tenant_ids_for
from portal.auth import roles_required
from portal.common.forms import ActionForm
from portal.common.routes import absolute_url, absolute_url_for, apply_change
from portal.errors import NotFound
from portal.sessions import ical, queries, service
from portal.sessions.models import Session
from portal.sessions.routes import bp, feed_bp, host_bp
from portal.sessions.routes.access import EVERYONE, HOSTS, host_session, tenant_session


def _ics_response(session: Session, tenant_id: int | None) -> Response:
    link = absolute_url(service.session_path(session, tenant_id))
    return Response(
        ical.session_file(session, link=link),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="session-{session.id}.ics"'},
    )


@bp.get("/<int:session_id>/calendar.ics")
@roles_required(*EVERYONE)
def ics(tenant_slug: str, session_id: int):
    return _ics_response(tenant_session(session_id), g.tenant.id)


@host_bp.get("/sessions/<int:session_id>/calendar.ics")
@roles_required(*HOSTS)
def session_ics(session_id: int):
    return _ics_response(host_session(session_id), None)


# --- The private feed ------------------------------------------------------------------------


@feed_bp.route("/", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def settings():
    """Create (or replace) the private feed address, or turn it off."""
    form = ActionForm()
    token = None
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            apply_change(lambda: service.revoke_feed(current_user))
            flash("Calendar link turned off: calendars using it will stop updating", "success")
            return redirect(url_for("calendar.settings"))
        token = apply_change(lambda: service.new_feed_token(current_user))
    return render_template(
        "sessions/calendar_feed.html",
        form=form,
        feed=service.feed_for(current_user),
        feed_url=absolute_url_for("calendar.feed", token=token) if token else None,
    )


def _feed_owner(token: str) -> User:
    owner = service.feed_owner(token)
    if owner is None:
        raise NotFound("calendar feed")  # unknown or turned off: a 404
    return owner


@feed_bp.get("/<token>.ics")
def feed(token: str):
    """The feed itself: no sign-in (calendar apps cannot), the secret token is the key.

    Feeds and people are not tenant-owned, so finding whose token this is needs no
    scope; their sessions are then read in the owner's own scope."""
    owner = apply_change(lambda: _feed_owner(token))  # and when it was last used
    allowed = tenant_ids_for(owner)
    with tenancy.scoped(allowed):
        body = ical.feed(queries.feed_entries(owner, allowed), owner=owner.name)
    return Response(
        body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"}
    )
