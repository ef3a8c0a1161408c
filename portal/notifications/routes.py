"""Notifications: the list, the count in the header (polled by htmx), marking read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from portal.common.routes import paginate, polled
from portal.extensions import db, htmx
from portal.notifications import service

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    page = paginate(service.notifications_for(current_user.id), per_page=30)
    return render_template(
        "notifications/index.html", page=page, unread=service.unread_count(current_user.id)
    )


@bp.get("/count")
@login_required
@polled
def count():
    """The header badge; htmx polls it. Without htmx it is just the list."""
    if not htmx:
        return redirect(url_for("notifications.index"))
    return render_template(
        "notifications/_count.html", unread=service.unread_count(current_user.id)
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    notification = service.mark_read(current_user.id, notification_id) or abort(404)
    db.session.commit()
    if htmx:
        return render_template("notifications/_item.html", notification=notification)
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all():
    if FlaskForm().validate_on_submit():
        service.mark_all_read(current_user.id)
        db.session.commit()
    return redirect(url_for("notifications.index"))
