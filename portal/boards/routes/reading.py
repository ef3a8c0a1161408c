"""Boards, search, a reflection's page and the conversation on it."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import roles_required
from portal.boards import service
from portal.boards.forms import CommentForm, ReasonForm, SearchForm
from portal.boards.markdown import highlight, render
from portal.boards.models import Reflection, ReflectionStatus
from portal.boards.routes.blueprints import EVERYONE, MODERATORS, WRITERS, bp
from portal.common import inputs
from portal.common.forms import ActionForm
from portal.common.routes import apply_change, form_error, htmx_swap
from portal.errors import NotFound, RuleError
from portal.extensions import htmx


@bp.get("/boards/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    boards = service.boards_for(g.tenant)
    return render_template("boards/index.html", boards=boards, today=service.today())


def _results(form: SearchForm, boards, board):
    """One page of what the search finds, or None when the form has a problem."""
    if not form.validate():
        return None
    try:
        return service.search(
            user=current_user,
            board_ids=[b.id for b in boards],
            query=form.q.data or "",
            theme=form.theme.data or "",
            tenant_id=form.chosen("authority"),
            board_id=board.id if board else form.chosen("board"),
            order=form.order.data,
            page=inputs.page_number(request.args.get("page")),
        )
    except RuleError as error:
        form_error(form, error)
        return None


def _search_page(board=None, boards=None):
    boards = service.boards_for(g.tenant) if boards is None else boards
    form = SearchForm(request.args)
    form.offer(authorities=service.cohort_authorities(g.tenant), boards=boards, board=board)
    page = _results(form, boards, board)
    ids = [r.id for r in page.items] if page else []
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
    if htmx_swap():  # htmx swaps in a success only: a problem is shown in the results
        return render_template("boards/_results.html", swapping=True, **context)
    return render_template("boards/board.html", **context), 200 if page else 400


@bp.get("/boards/<int:board_id>")
@roles_required(*EVERYONE)
def board(tenant_slug: str, board_id: int):
    boards = service.boards_for(g.tenant)  # the board must be one of them (get_board's rule)
    found = next((b for b in boards if b.id == board_id), None)
    if found is None:
        abort(404)
    return _search_page(found, boards)


@bp.get("/boards/search")
@roles_required(*EVERYONE)
def search(tenant_slug: str):
    return _search_page(None)


def visible(reflection_id: int) -> Reflection:
    try:
        return service.get_reflection(reflection_id, current_user)
    except NotFound:
        abort(404)


def reflection_page(reflection: Reflection, *, comment_form=None):
    is_moderator = current_user.role in MODERATORS
    check = marked = None
    if is_moderator and (reflection.status == ReflectionStatus.PENDING or reflection.is_hidden):
        # What the author was shown, for the facilitator deciding about it.
        check = service.check_for_sharing(reflection)
        marked = {f: highlight(text, check.found[f]) for f, text in check.texts.items()}
    return render_template(
        "boards/reflection.html",
        reflection=reflection,
        check=check,
        marked=marked,
        body=render(reflection.body),
        comments=service.comments_on(reflection),
        render=render,
        helped=service.helped_counts([reflection.id]).get(reflection.id, 0),
        helped_by_me=service.helped_by(current_user, reflection.id),
        form=comment_form or CommentForm(),
        is_author=reflection.author_id == current_user.id,
        is_moderator=is_moderator,
        pinnable=service.pinnable(reflection),
        archived=reflection.board.archived_on(service.today()),
    )


@bp.get("/reflections/<int:reflection_id>")
@roles_required(*EVERYONE)
def reflection(tenant_slug: str, reflection_id: int):
    return reflection_page(visible(reflection_id))


@bp.post("/reflections/<int:reflection_id>/comments")
@roles_required(*EVERYONE)
def comment(tenant_slug: str, reflection_id: int):
    reflection = visible(reflection_id)
    form = CommentForm()
    if form.validate_on_submit() and apply_change(
        lambda: service.add_comment(reflection.id, actor=current_user, body=form.body.data),
        form=form,
    ):
        flash("Comment posted", "success")
        return redirect(url_for("boards.reflection", reflection_id=reflection_id) + "#comments")
    return reflection_page(reflection, comment_form=form), 400


INTENT = {"on": True, "off": False}


@bp.post("/reflections/<int:reflection_id>/helped")
@roles_required(*EVERYONE)
def helped(tenant_slug: str, reflection_id: int):
    """The button says what it means ("on" or "off"), so a double click means it once."""
    reflection = visible(reflection_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    on = INTENT.get(request.form.get("helped", ""))
    apply_change(lambda: service.toggle_reaction(reflection.id, actor=current_user, on=on) or "off")
    if htmx:
        return render_template(
            "boards/_helped.html",
            swapping=True,
            reflection=reflection,
            helped=service.helped_counts([reflection_id]).get(reflection_id, 0),
            helped_by_me=service.helped_by(current_user, reflection_id),
        )
    return redirect(url_for("boards.reflection", reflection_id=reflection_id))


@bp.route("/reflections/<int:reflection_id>/flag", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def flag(tenant_slug: str, reflection_id: int):
    reflection = visible(reflection_id)
    form = ReasonForm()
    comment_id = request.values.get("comment", "")
    if form.validate_on_submit() and apply_change(
        lambda: service.flag(
            reflection.id,
            actor=current_user,
            reason=form.reason.data,
            comment_id=inputs.whole_number(comment_id),
        ),
        form=form,
    ):
        flash("Thank you: a facilitator will look at it", "success")
        return redirect(url_for("boards.reflection", reflection_id=reflection_id))
    return render_template(
        "boards/flag.html", reflection=reflection, form=form, comment_id=comment_id
    )
