"""The weekly digest: opting in or out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import roles_required
from portal.boards import service
from portal.boards.forms import DigestForm
from portal.boards.routes.blueprints import EVERYONE, digest_bp
from portal.common.routes import apply_change


@digest_bp.route("/digest", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def preferences():
    form = DigestForm()
    if request.method == "GET":
        form.weekly.data = service.wants_digest(current_user.id)
    if form.validate_on_submit() and apply_change(
        lambda: service.set_digest(current_user, bool(form.weekly.data))
    ):
        flash("Saved", "success")
        return redirect(url_for("digest.preferences"))
    return render_template("boards/digest.html", form=form)
