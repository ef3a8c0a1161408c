"""Applying, on the programme's public blueprint: start with an email address, keep a
draft (autosaved with htmx, a plain Save without JavaScript), check it and submit it,
and the separate equality monitoring form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.accounts import throttle
from portal.auth import start_browser_session
from portal.common.clock import london_time
from portal.common.inputs import whole_number
from portal.common.routes import apply_change, form_error
from portal.errors import NotFound, RuleError
from portal.extensions import db, limiter
from portal.programme import applying, equality, rounds
from portal.programme.apply_forms import ContinueForm, StartForm, application_form, equality_form
from portal.programme.applying import Draft
from portal.programme.models import ApplicationState
from portal.programme.routes import bp


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def apply():
    """Start: anyone signed in goes straight to their draft; anyone else gives a name and
    an address and is sent a link."""
    held = rounds.open_round_now()
    if held is None:
        return render_template("programme/apply_closed.html", upcoming=rounds.next_round())
    form = StartForm()
    if current_user.is_authenticated:
        if request.method == "POST":
            made = apply_change(lambda: applying.draft_for(current_user, held))
            if made is not None:
                return redirect(url_for("programme.application", application_id=made.id))
        return render_template("programme/apply.html", round=held, form=ContinueForm())
    if form.validate_on_submit():
        sent = apply_change(
            lambda: applying.ask_to_start(held, email=form.email.data, name=form.name.data),
            form=form,
        )
        if sent is not None:
            return render_template("programme/check_email.html", email=form.email.data.strip())
    return render_template("programme/apply.html", round=held, form=form)


@bp.route("/start/<token>", methods=["GET", "POST"])
def start(token: str):
    """The emailed link. Opening it changes nothing (mail scanners open links); the
    button signs the applicant in and opens their draft."""
    try:
        applying.read_start_link(token)
    except RuleError as error:
        return render_template("programme/link_problem.html", message=error.message), 400
    form = ContinueForm()
    if form.validate_on_submit():
        try:
            user, application = applying.begin(token)
        except RuleError as error:
            db.session.rollback()
            return render_template("programme/link_problem.html", message=error.message), 400
        opened = application.id  # read now: this request's scope is nobody's until it ends
        db.session.commit()
        start_browser_session(user)
        return redirect(url_for("programme.application", application_id=opened))
    return render_template("programme/start.html", form=form)


@bp.get("/applications")
@login_required
def my_applications():
    return render_template(
        "programme/my_applications.html",
        applications=applying.applications_of(current_user),
        open_round=rounds.open_round_now(),
    )


def _mine(application_id: int):
    """The signed-in person's own application; anyone else's is not found (an admin
    reads applications on the admin pages)."""
    try:
        found = applying.get_application(application_id)
    except NotFound:
        abort(404)
    if found.applicant_id != current_user.id:
        abort(404)
    return found


def _draft(form, held) -> Draft:
    return Draft(
        full_name=form.full_name.data, job_title=form.job_title.data,
        council_code=form.council_code.data,
        management_years=whole_number(form.management_years.data),
        management_summary=form.management_summary.data, swe_number=form.swe_number.data,
        statements={c.id: form[f"statement_{c.id}"].data
                    for c in held.application_criteria},
        answers={q.id: _yes_no(form[f"question_{q.id}"].data) for q in held.questions},
    )  # fmt: skip


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _years_problem(form) -> str | None:
    typed = (form.management_years.data or "").strip()
    number = whole_number(typed)
    if typed and (number is None or not 0 <= number <= 60):
        return "Enter the years as a whole number from 0 to 60, like 6"
    return None


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def application(application_id: int):
    found = _mine(application_id)
    if found.state != ApplicationState.DRAFT:
        return render_template("programme/submitted.html", application=found)
    form = application_form(found.round, found if request.method == "GET" else None)
    if form.validate_on_submit():
        saved = apply_change(
            lambda: applying.save_draft(found, actor=current_user, draft=_draft(form, found.round)),
            form=form,
        )
        problem = _years_problem(form)
        if problem:
            form.management_years.errors = [problem]
        elif saved is not None:
            if form.check.data:
                return redirect(url_for("programme.check", application_id=found.id))
            flash("Your draft is saved", "success")
            return redirect(url_for("programme.application", application_id=found.id))
    return _draft_page(found, form)


def _draft_page(found, form):
    return render_template(
        "programme/application.html",
        application=found,
        form=form,
        screened_out=applying.screened_out(found),
        deadline=applying.deadline_of(found),
    )


@bp.post("/applications/<int:application_id>/autosave")
@login_required
def autosave(application_id: int):
    """htmx saves the draft as the applicant types; the answer is the status line, and
    the eligibility verdict, updated out of band."""
    found = _mine(application_id)
    form = application_form(found.round)
    problem, saved = None, False
    if form.validate_on_submit():
        try:
            applying.save_draft(found, actor=current_user, draft=_draft(form, found.round))
        except RuleError as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            saved = True
    problem = problem or _years_problem(form)
    if saved and not problem:
        message = f"Draft saved at {london_time(found.updated_at)}"
    else:
        errors = [problem] if problem else [e for es in form.errors.values() for e in es]
        message = "Not saved: " + ("; ".join(errors) or "try Save draft")
    return render_template(
        "programme/_autosave.html", message=message, ok=saved and not problem,
        screened_out=applying.screened_out(found),
    )  # fmt: skip


@bp.route("/applications/<int:application_id>/check", methods=["GET", "POST"])
@login_required
def check(application_id: int):
    """Check your answers, then submit: what is missing is listed with a link to it."""
    found = _mine(application_id)
    if found.state != ApplicationState.DRAFT:
        return redirect(url_for("programme.application", application_id=found.id))
    form = ContinueForm()
    if form.validate_on_submit():
        try:
            applying.submit(found, actor=current_user)
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash("Your application is submitted. We have emailed you to confirm it.", "success")
            return redirect(url_for("programme.application", application_id=found.id))
    return render_template(
        "programme/check.html", application=found, form=form,
        missing=applying.to_complete(found), screened_out=applying.screened_out(found),
        deadline=applying.deadline_of(found),
    )  # fmt: skip


@bp.route("/applications/<int:application_id>/equality", methods=["GET", "POST"])
@login_required
def equality_page(application_id: int):
    """The optional equality monitoring form: apart from the application, never seen by
    anyone who judges it."""
    found = _mine(application_id)
    held = equality.return_for(found)
    if request.method == "GET" and held is not None:
        form = equality_form(data=held.answers)
    else:
        form = equality_form()
    if form.validate_on_submit():
        answers = {key: form[key].data for key in equality.QUESTIONS}
        if apply_change(lambda: equality.save(found, actor=current_user, answers=answers),
                        form=form) is not None:  # fmt: skip
            flash("Thank you. Your equality monitoring answers are saved.", "success")
            return redirect(url_for("programme.application", application_id=found.id))
    return render_template("programme/equality.html", application=found, form=form)
