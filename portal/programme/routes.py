"""The programme's pages: the centre's admins open and prepare rounds
(/admin/programme/...), and anyone can read the round that is open (/programme/)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.auth import roles_required
from portal.common.routes import apply_change
from portal.errors import NotFound
from portal.programme import rounds
from portal.programme.forms import CriterionForm, QuestionForm, RoundForm

admin_bp = Blueprint("programme_admin", __name__, url_prefix="/admin/programme")
bp = Blueprint("programme", __name__, url_prefix="/programme")
admin_only = roles_required(Role.CENTRE_ADMIN)


@bp.get("/")
def index():
    """The open round's page: when it closes, who may apply, what it judges."""
    return render_template(
        "programme/index.html", round=rounds.open_round_now(), upcoming=rounds.next_round()
    )


@admin_bp.get("/")
@admin_only
def rounds_list():
    return render_template("programme/rounds.html", rounds=rounds.rounds_newest_first())


@admin_bp.route("/rounds/new", methods=["GET", "POST"])
@admin_only
def new_round():
    form = RoundForm()
    if form.validate_on_submit():
        made = apply_change(
            lambda: rounds.open_round(
                actor=current_user,
                title=form.title.data,
                opens_on=form.opens_on.data,
                opens_time=form.opens_time.data,
                closes_on=form.closes_on.data,
                closes_time=form.closes_time.data,
                places=form.places.data,
            ),
            form=form,
        )
        if made is not None:
            flash(f"{made} is set up. Add its eligibility questions and criteria.", "success")
            return redirect(url_for("programme_admin.round_page", round_id=made.id))
    return render_template("programme/new_round.html", form=form)


def _round(round_id: int):
    try:
        return rounds.get_round(round_id)
    except NotFound:
        abort(404)


@admin_bp.get("/rounds/<int:round_id>")
@admin_only
def round_page(round_id: int):
    return _page(_round(round_id), CriterionForm(formdata=None), QuestionForm(formdata=None))


def _page(held, criterion_form, question_form):
    return render_template(
        "programme/round.html",
        round=held,
        criterion_form=criterion_form,
        question_form=question_form,
        form=criterion_form if criterion_form.errors else question_form,  # the error summary
        total_weight=rounds.total_weight(held),
    )


@admin_bp.post("/rounds/<int:round_id>/criteria")
@admin_only
def add_criterion(round_id: int):
    held = _round(round_id)
    form = CriterionForm()
    if form.validate_on_submit():
        added = apply_change(
            lambda: rounds.add_criterion(
                held.id,
                actor=current_user,
                title=form.title.data,
                descriptors=[form[f"score_{n}"].data for n in range(1, 5)],
                weight=form.weight.data,
                stage=form.stage.data,
                independent=form.independent.data,
                word_limit=form.word_limit.data if form.word_limit.data is not None else 500,
            ),
            form=form,
        )
        if added is not None:
            flash(f"Criterion added: {added.title}", "success")
            return redirect(url_for("programme_admin.round_page", round_id=held.id))
    return _page(held, form, QuestionForm(formdata=None))


@admin_bp.post("/rounds/<int:round_id>/questions")
@admin_only
def add_question(round_id: int):
    held = _round(round_id)
    form = QuestionForm()
    if form.validate_on_submit():
        added = apply_change(
            lambda: rounds.add_question(
                held.id,
                actor=current_user,
                text=form.text.data,
                eligible_answer=form.eligible_answer.data,
                reason=form.reason.data,
            ),
            form=form,
        )
        if added is not None:
            flash("Eligibility question added", "success")
            return redirect(url_for("programme_admin.round_page", round_id=held.id))
    return _page(held, CriterionForm(formdata=None), form)
