"""The centre admin's view of background work: /admin/operations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from portal.accounts.models import Role
from portal.admin import background
from portal.auth import roles_required
from portal.common.routes import polled
from portal.errors import RuleError
from portal.extensions import db, htmx

bp = Blueprint("operations", __name__, url_prefix="/admin/operations")
admin_only = roles_required(Role.CENTRE_ADMIN)


@bp.get("/")
@admin_only
@polled
def index():
    # Background work spans every authority; the admin's scope is all of them.
    state = background.snapshot()
    template = "operations/_status.html" if htmx else "operations/index.html"
    return render_template(template, state=state, form=FlaskForm())


def _act(action, outbox_id: int, done: str):
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            row = action(outbox_id)
        except RuleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{done}: {row.job} (job {row.id})", "success")
    return redirect(url_for("operations.index"))


@bp.post("/jobs/<int:outbox_id>/retry")
@admin_only
def retry(outbox_id: int):
    return _act(background.retry_failed, outbox_id, "Retrying")


@bp.post("/jobs/<int:outbox_id>/discard")
@admin_only
def discard(outbox_id: int):
    return _act(background.discard_failed, outbox_id, "Discarded")
