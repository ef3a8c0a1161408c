"""Writing a reflection: starting, editing (with the autosave), the check, deleting."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import roles_required
from portal.boards import service
from portal.boards.forms import ConfirmShareForm, ReflectionForm
from portal.boards.markdown import highlight
from portal.boards.models import Reflection, ReflectionStatus, Visibility
from portal.boards.routes.blueprints import WRITERS, bp
from portal.common import inputs
from portal.common.clock import london
from portal.common.confirm import Ask, ask_first
from portal.common.forms import ActionForm
from portal.common.routes import apply_change, form_error
from portal.errors import NotFound
from portal.extensions import db


@bp.post("/boards/<int:board_id>/reflections")
@roles_required(*WRITERS)
def start(tenant_slug: str, board_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    reflection = apply_change(
        lambda: service.start_reflection(
            actor=current_user,
            tenant=g.tenant,
            board_id=board_id,
            template=request.form.get("template") or None,
            session_id=inputs.whole_number(request.form.get("session")),
        )
    )
    if not reflection:
        return redirect(url_for("boards.board", board_id=board_id))
    return redirect(url_for("boards.edit", reflection_id=reflection.id))


@bp.post("/reflections/about-session/<int:session_id>")
@roles_required(*WRITERS)
def reflect_on_session(tenant_slug: str, session_id: int):
    """From a session's page: a Kolb draft about it, on the cohort's open board."""
    if not ActionForm().validate_on_submit():
        abort(400)
    reflection = apply_change(
        lambda: service.reflect_on_session(
            actor=current_user, tenant=g.tenant, session_id=session_id
        )
    )
    if not reflection:
        return redirect(url_for("boards.index"))
    return redirect(url_for("boards.edit", reflection_id=reflection.id))


def _mine(reflection_id: int) -> Reflection:
    try:
        return service.own_reflection(reflection_id, current_user, tenant_id=g.tenant.id)
    except NotFound:
        abort(404)


def _save(reflection: Reflection, form: ReflectionForm):
    visibility = form.visibility.data
    return apply_change(
        lambda: service.save_draft(
            reflection.id,
            actor=current_user,
            title=form.title.data or "",
            body=form.body.data or "",
            themes=form.themes.data or "",
            visibility=Visibility(visibility) if visibility in set(Visibility) else None,
            about=form.about.data or "",
        ),
        form=form,
    )


def _filled(reflection: Reflection) -> ReflectionForm:
    form = ReflectionForm(obj=reflection if request.method == "GET" else None)
    form.about.choices = [("", "Nothing in particular")] + service.about_choices(current_user)
    if request.method == "GET":
        form.visibility.data = reflection.visibility.value
        form.themes.data = ", ".join(reflection.theme_list)
        if reflection.session_id:
            form.about.data = f"session:{reflection.session_id}"
        elif reflection.placement_id:
            form.about.data = f"placement:{reflection.placement_id}"
    if not reflection.board.is_cohort_wide:
        form.visibility.choices = [c for c in form.visibility.choices if c[0] != "cohort"]
    return form


@bp.route("/reflections/<int:reflection_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(tenant_slug: str, reflection_id: int):
    reflection = _mine(reflection_id)
    form = _filled(reflection)
    if form.validate_on_submit() and _save(reflection, form):
        if form.share.data:
            return redirect(url_for("boards.share", reflection_id=reflection.id))
        flash("Draft saved", "success")
        return redirect(url_for("boards.edit", reflection_id=reflection.id))
    return render_template(
        "boards/edit.html",
        form=form,
        reflection=reflection,
        template=service.TEMPLATES.get(reflection.template),
    )


@bp.post("/reflections/<int:reflection_id>/autosave")
@roles_required(*WRITERS)
def autosave(tenant_slug: str, reflection_id: int):
    """htmx saves the draft as the author types; the answer is the status line."""
    reflection = _mine(reflection_id)
    form = ReflectionForm()
    saved = form.validate_on_submit() and _save(reflection, form)
    message = (
        f"Draft saved at {london(reflection.updated_at).split(', ')[-1]}"
        if saved
        else "Not saved: " + "; ".join(e for errors in form.errors.values() for e in errors)
    )
    return render_template("boards/_autosave.html", message=message, ok=bool(saved))


def _shared_message(shared: Reflection) -> str:
    if shared.is_hidden:
        return (
            "Shared again. A facilitator hid it before, so it stays hidden until they have "
            "looked at your changes"
        )
    if shared.status == ReflectionStatus.PENDING:
        return "Sent to a facilitator: it will be shared with the cohort once approved"
    if shared.visibility == Visibility.PRIVATE:
        return "Saved: only you can see it"
    return f"Shared with {shared.visibility.label.lower()}"


def _shared(reflection_id: int, form: ConfirmShareForm):
    """Share (the service decides everything); the check it ran when it refuses."""
    try:
        reflection = service.share(
            reflection_id, actor=current_user, confirmed=bool(form.confirmed.data)
        )
    except service.ShareRefused as refused:
        db.session.rollback()
        form_error(form, refused)
        return None, refused.check
    db.session.commit()
    return reflection, None


@bp.route("/reflections/<int:reflection_id>/share", methods=["GET", "POST"])
@roles_required(*WRITERS)
def share(tenant_slug: str, reflection_id: int):
    """The identifier check: findings highlighted, then edit, or confirm and share."""
    reflection = _mine(reflection_id)
    form = ConfirmShareForm()
    if request.method == "GET":
        check = service.check_for_sharing(reflection)
    elif not form.validate_on_submit():
        abort(400)
    else:
        shared, check = _shared(reflection.id, form)
        if shared:
            flash(_shared_message(shared), "success")
            return redirect(url_for("boards.reflection", reflection_id=reflection_id))
    return render_template(
        "boards/share.html",
        reflection=reflection,
        form=form,
        check=check,
        marked={field: highlight(text, check.found[field]) for field, text in check.texts.items()},
    )


@bp.route("/reflections/<int:reflection_id>/delete", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete(tenant_slug: str, reflection_id: int):
    reflection = _mine(reflection_id)
    board_id = reflection.board_id
    if request.method == "GET":
        return ask_first(Ask(
            title=f"Delete “{reflection.title or 'Untitled reflection'}”?",
            says=["It is gone for everyone who could read it, with its comments."],
            warning="You cannot undo this.",
            button="Yes, delete it",
            back=url_for("boards.edit", reflection_id=reflection.id),
        ))  # fmt: skip
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: service.delete_reflection(reflection.id, actor=current_user)):
        flash("Reflection deleted", "success")
    return redirect(url_for("boards.board", board_id=board_id))
