"""Learning-board pages.

- ``/<tenant>/boards/…`` and ``/<tenant>/reflections/…``: boards, writing (with an
  htmx autosave that is a plain "Save draft" button without JavaScript), the
  identifier check before sharing, the conversation, search;
- ``/host/…``: the moderation queue, boards for facilitators, reflections linked
  from host staff's notifications;
- ``/boards/digest``: opting in or out of the weekly digest.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import HOST_ROLES, Role
from portal.auth import roles_required
from portal.boards import service
from portal.boards.forms import (
    BoardForm,
    CommentForm,
    ConfirmShareForm,
    DigestForm,
    ReasonForm,
    ReflectionForm,
    SearchForm,
)
from portal.boards.markdown import render
from portal.boards.models import Comment, Reflection, ReflectionStatus, Visibility
from portal.common.clock import london
from portal.errors import NotFound
from portal.extensions import db, htmx
from portal.common.forms import ActionForm
from portal.tenants.models import Cohort, Tenant
from portal.web import apply_change, htmx_swap

bp = Blueprint("boards", __name__, url_prefix="/<tenant_slug>")
host_bp = Blueprint("host_boards", __name__, url_prefix="/host")
digest_bp = Blueprint("digest", __name__, url_prefix="/boards")

EVERYONE = (Role.PARTNER_MANAGER, Role.PARTICIPANT, *HOST_ROLES)
WRITERS = (Role.PARTNER_MANAGER, Role.PARTICIPANT)
MODERATORS = (Role.FACILITATOR, Role.CENTRE_ADMIN)


@bp.url_defaults
def add_tenant_slug(endpoint, values):
    if "tenant_slug" not in values and g.get("tenant") is not None:
        values["tenant_slug"] = g.tenant.slug


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


def highlight(text: str, findings) -> Markup:
    """The text with each finding wrapped in <mark>, everything else escaped."""
    out, last = [], 0
    for finding in findings:
        out.append(escape(text[last : finding.start]))
        out.append(Markup('<mark class="portal-finding">{}</mark>').format(finding.text))
        last = finding.end
    out.append(escape(text[last:]))
    return Markup("").join(out)


# --- Boards and search ------------------------------------------------------------------------


@bp.get("/boards/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    boards = service.boards_for(g.tenant)
    return render_template("boards/index.html", boards=boards, today=service.today())


def _search_page(board=None):
    boards = service.boards_for(g.tenant)
    form = SearchForm(request.args)
    form.board.choices = [("", "All boards")] + [(str(b.id), b.title) for b in boards]
    cohort_tenants = db.session.scalars(
        select(Tenant).where(Tenant.cohort_id == g.tenant.cohort_id).order_by(Tenant.name)
    ).all()
    form.authority.choices = [("", "All authorities")] + [
        (str(t.id), t.name) for t in cohort_tenants
    ]
    board_id = (
        board.id if board else (int(form.board.data) if (form.board.data or "").isdigit() else None)
    )
    authority = int(form.authority.data) if (form.authority.data or "").isdigit() else None
    page = service.search(
        user=current_user,
        board_ids=[b.id for b in boards],
        query=form.q.data or "",
        theme=form.theme.data or "",
        tenant_id=authority,
        board_id=board_id,
        order=form.order.data or "newest",
        page=_page_arg(),
    )
    ids = [r.id for r in page.items]
    context = {
        "board": board,
        "form": form,
        "page": page,
        "helped": service.helped_counts(ids),
        "comments": service.comment_counts(ids),
        "args": {k: v for k, v in request.args.items() if k != "page"},
        "today": service.today(),
        "can_write": current_user.role in WRITERS,
    }
    if htmx_swap():
        return render_template("boards/_results.html", swapping=True, **context)
    return render_template("boards/board.html", **context)


@bp.get("/boards/<int:board_id>")
@roles_required(*EVERYONE)
def board(tenant_slug: str, board_id: int):
    try:
        found = service.get_board(board_id, g.tenant)
    except NotFound:
        abort(404)
    return _search_page(found)


@bp.get("/boards/search")
@roles_required(*EVERYONE)
def search(tenant_slug: str):
    return _search_page(None)


@bp.post("/boards/<int:board_id>/reflections")
@roles_required(*WRITERS)
def start(tenant_slug: str, board_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    session_id = request.form.get("session", "")
    reflection = apply_change(
        lambda: service.start_reflection(
            actor=current_user,
            tenant=g.tenant,
            board_id=board_id,
            template=request.form.get("template") or None,
            session_id=int(session_id) if session_id.isdigit() else None,
        )
    )
    if not reflection:
        return redirect(url_for("boards.board", board_id=board_id))
    return redirect(url_for("boards.edit", reflection_id=reflection.id))


# --- Writing ----------------------------------------------------------------------------------


def _mine(reflection_id: int) -> Reflection:
    reflection = db.session.scalar(
        select(Reflection).where(
            Reflection.id == reflection_id,
            Reflection.author_id == current_user.id,
            Reflection.tenant_id == g.tenant.id,
        )
    )
    if reflection is None:
        abort(404)
    return reflection


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


@bp.route("/reflections/<int:reflection_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(tenant_slug: str, reflection_id: int):
    reflection = _mine(reflection_id)
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


@bp.route("/reflections/<int:reflection_id>/share", methods=["GET", "POST"])
@roles_required(*WRITERS)
def share(tenant_slug: str, reflection_id: int):
    """The identifier check: findings highlighted, then edit, or confirm and share."""
    reflection = _mine(reflection_id)
    findings = service.findings_for(reflection)
    total = sum(len(items) for _, items in findings)
    form = ConfirmShareForm()
    if request.method == "POST":
        must_confirm = total > 0 and reflection.visibility != Visibility.PRIVATE
        valid = form.validate_on_submit() if must_confirm else ActionForm().validate_on_submit()
        if not valid and not must_confirm:
            abort(400)
        if valid and apply_change(
            lambda: service.share(reflection.id, actor=current_user, confirmed=must_confirm),
            form=form,
        ):
            waits = reflection.status == ReflectionStatus.PENDING
            flash(
                "Sent to a facilitator: it will be shared with the cohort once approved"
                if waits
                else "Shared",
                "success",
            )
            return redirect(url_for("boards.reflection", reflection_id=reflection.id))
    return render_template(
        "boards/share.html",
        reflection=reflection,
        form=form,
        total=total,
        title_marked=highlight(reflection.title, findings[0][1]),
        body_marked=highlight(reflection.body, findings[1][1]),
        findings=[f for _, items in findings for f in items],
    )


@bp.post("/reflections/<int:reflection_id>/delete")
@roles_required(*WRITERS)
def delete(tenant_slug: str, reflection_id: int):
    reflection = _mine(reflection_id)
    board_id = reflection.board_id
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: service.delete_reflection(reflection.id, actor=current_user)):
        flash("Reflection deleted", "success")
    return redirect(url_for("boards.board", board_id=board_id))


# --- Reading and the conversation -------------------------------------------------------------


def _visible(reflection_id: int) -> Reflection:
    try:
        return service.get_reflection(reflection_id, current_user)
    except NotFound:
        abort(404)


def _reflection_page(reflection: Reflection, *, comment_form=None):
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.reflection_id == reflection.id)
        .options(selectinload(Comment.author))
        .order_by(Comment.id)
    ).all()
    return render_template(
        "boards/reflection.html",
        reflection=reflection,
        body=render(reflection.body),
        comments=comments,
        render=render,
        helped=service.helped_counts([reflection.id]).get(reflection.id, 0),
        helped_by_me=service.helped_by(current_user, reflection.id),
        form=comment_form or CommentForm(),
        is_author=reflection.author_id == current_user.id,
        is_moderator=current_user.role in MODERATORS,
        archived=reflection.board.archived_on(service.today()),
    )


@bp.get("/reflections/<int:reflection_id>")
@roles_required(*EVERYONE)
def reflection(tenant_slug: str, reflection_id: int):
    return _reflection_page(_visible(reflection_id))


@bp.post("/reflections/<int:reflection_id>/comments")
@roles_required(*EVERYONE)
def comment(tenant_slug: str, reflection_id: int):
    reflection = _visible(reflection_id)
    form = CommentForm()
    if form.validate_on_submit() and apply_change(
        lambda: service.add_comment(reflection.id, actor=current_user, body=form.body.data),
        form=form,
    ):
        flash("Comment posted", "success")
        return redirect(url_for("boards.reflection", reflection_id=reflection.id) + "#comments")
    return _reflection_page(reflection, comment_form=form), 400


@bp.post("/reflections/<int:reflection_id>/helped")
@roles_required(*EVERYONE)
def helped(tenant_slug: str, reflection_id: int):
    reflection = _visible(reflection_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    apply_change(lambda: service.toggle_reaction(reflection.id, actor=current_user) or "off")
    if htmx:
        return render_template(
            "boards/_helped.html",
            swapping=True,
            reflection=reflection,
            helped=service.helped_counts([reflection.id]).get(reflection.id, 0),
            helped_by_me=service.helped_by(current_user, reflection.id),
        )
    return redirect(url_for("boards.reflection", reflection_id=reflection.id))


@bp.route("/reflections/<int:reflection_id>/flag", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def flag(tenant_slug: str, reflection_id: int):
    reflection = _visible(reflection_id)
    form = ReasonForm()
    comment_id = request.values.get("comment", "")
    if form.validate_on_submit() and apply_change(
        lambda: service.flag(
            reflection.id,
            actor=current_user,
            reason=form.reason.data,
            comment_id=int(comment_id) if comment_id.isdigit() else None,
        ),
        form=form,
    ):
        flash("Thank you: a facilitator will look at it", "success")
        return redirect(url_for("boards.reflection", reflection_id=reflection.id))
    return render_template(
        "boards/flag.html", reflection=reflection, form=form, comment_id=comment_id
    )


# --- Host pages: moderation and boards -------------------------------------------------------


@host_bp.get("/reflections/<int:reflection_id>")
@roles_required(*HOST_ROLES)
def host_reflection(reflection_id: int):
    return _reflection_page(_visible(reflection_id))


@host_bp.get("/moderation")
@roles_required(*MODERATORS)
def moderation():
    waiting, flags = service.moderation_queue()
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
    return _moderate(
        reflection_id, lambda i: service.toggle_pin(i, moderator=current_user), "Pin changed"
    )


@host_bp.route("/reflections/<int:reflection_id>/hide", methods=["GET", "POST"])
@roles_required(*MODERATORS)
def hide(reflection_id: int):
    reflection = _visible(reflection_id)
    form = ReasonForm()
    if form.validate_on_submit() and apply_change(
        lambda: service.hide(reflection.id, moderator=current_user, reason=form.reason.data),
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
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.year.desc())).all()
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    form.audience.choices = (
        [("", "Select")]
        + [(f"cohort:{c.id}", f"Everyone in cohort {c.year}") for c in cohorts]
        + [(f"tenant:{t.id}", f"{t.name} only (internal)") for t in tenants]
    )
    if form.validate_on_submit():
        kind, _, raw = form.audience.data.partition(":")
        tenant = db.session.get(Tenant, int(raw)) if kind == "tenant" and raw.isdigit() else None
        cohort = (
            tenant.cohort
            if tenant
            else (db.session.get(Cohort, int(raw)) if raw.isdigit() else None)
        )
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


# --- The digest ------------------------------------------------------------------------------


@digest_bp.route("/digest", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def preferences():
    form = DigestForm()
    if request.method == "GET":
        form.weekly.data = service.wants_digest(current_user.id)
    if form.validate_on_submit():
        service.set_digest(current_user, bool(form.weekly.data))
        db.session.commit()
        flash("Saved", "success")
        return redirect(url_for("digest.preferences"))
    return render_template("boards/digest.html", form=form)
