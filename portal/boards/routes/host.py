"""Host pages: a reflection as host staff read it, moderation, and making boards."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.models import HOST_ROLES
from portal.auth import roles_required
from portal.boards import service
from portal.boards.forms import BoardForm, ReasonForm
from portal.boards.routes.blueprints import MODERATORS, host_bp
from portal.boards.routes.reading import INTENT, reflection_page, visible
from portal.common.forms import ActionForm
from portal.common.routes import apply_change


@host_bp.get("/reflections/<int:reflection_id>")
@roles_required(*HOST_ROLES)
def host_reflection(reflection_id: int):
    return reflection_page(visible(reflection_id))


@host_bp.get("/moderation")
@roles_required(*MODERATORS)
def moderation():
    waiting, flags = service.moderation_queue(current_user)
    return render_template(
        "boards/moderation.html", waiting=waiting, flags=flags, form=ActionForm()
    )


def _moderate(reflection_id: int, apply, done: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: apply(reflection_id)):
        flash(done, "success")
    if request.form.get("back") == "reflection":
        return redirect(url_for("host_boards.host_reflection", reflection_id=reflection_id))
    return redirect(url_for("host_boards.moderation"))


@host_bp.post("/reflections/<int:reflection_id>/approve")
@roles_required(*MODERATORS)
def approve(reflection_id: int):
    return _moderate(
        reflection_id,
        lambda i: service.approve(i, moderator=current_user),
        "Approved: shared with the cohort",
    )


@host_bp.post("/reflections/<int:reflection_id>/restore")
@roles_required(*MODERATORS)
def restore(reflection_id: int):
    return _moderate(
        reflection_id, lambda i: service.restore(i, moderator=current_user), "Restored"
    )


@host_bp.post("/reflections/<int:reflection_id>/pin")
@roles_required(*MODERATORS)
def pin(reflection_id: int):
    """The button says "on" or "off", so pressing it twice does not undo it."""
    on = INTENT.get(request.form.get("pinned", ""))
    return _moderate(
        reflection_id,
        lambda i: service.toggle_pin(i, moderator=current_user, on=on),
        "Pin changed",
    )


@host_bp.route("/reflections/<int:reflection_id>/hide", methods=["GET", "POST"])
@roles_required(*MODERATORS)
def hide(reflection_id: int):
    reflection = visible(reflection_id)
    form = ReasonForm()
    if form.validate_on_submit() and apply_change(
        lambda: service.hide(reflection_id, moderator=current_user, reason=form.reason.data),
        form=form,
    ):
        flash("Hidden. The author has been told why.", "success")
        return redirect(url_for("host_boards.moderation"))
    return render_template("boards/hide.html", reflection=reflection, form=form)


@host_bp.post("/flags/<int:flag_id>/dismiss")
@roles_required(*MODERATORS)
def dismiss_flag(flag_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: service.dismiss_flag(flag_id, moderator=current_user)):
        flash("Flag dismissed", "success")
    return redirect(url_for("host_boards.moderation"))


@host_bp.post("/comments/<int:comment_id>/hide")
@roles_required(*MODERATORS)
def hide_comment(comment_id: int):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Enter a reason for hiding the comment", "error")
    elif apply_change(
        lambda: service.hide_comment(comment_id, moderator=current_user, reason=form.reason.data)
    ):
        flash("Comment hidden", "success")
    return redirect(url_for("host_boards.moderation"))


@host_bp.route("/boards/new", methods=["GET", "POST"])
@roles_required(*MODERATORS)
def new_board():
    form = BoardForm()
    form.audience.choices = [("", "Select")] + service.audiences()
    if form.validate_on_submit():
        cohort, tenant = service.audience(form.audience.data)
        board = apply_change(
            lambda: service.create_board(
                actor=current_user,
                cohort=cohort,
                tenant=tenant,
                title=form.title.data,
                purpose=form.purpose.data,
                prompts=form.prompts.data,
            ),
            form=form,
        )
        if board:
            flash(f"Board created: {board.title}", "success")
            return redirect(url_for("host_boards.moderation"))
    return render_template("boards/new_board.html", form=form)
