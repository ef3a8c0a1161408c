"""The admins' view of a round's applications (on the programme's admin blueprint): the
list by state, one application with its deadline extension, and the equality
monitoring report in aggregate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal.common.clock import london_exact
from portal.common.inputs import page_number
from portal.common.paging import window
from portal.common.routes import apply_change
from portal.errors import NotFound
from portal.extensions import db
from portal.programme import applying, equality
from portal.programme.apply_forms import ExtendForm
from portal.programme.models import Application, ApplicationState
from portal.programme.routes import _round, admin_bp, admin_only

PER_PAGE = 50


@admin_bp.get("/rounds/<int:round_id>/applications")
@admin_only
def applications(round_id: int):
    held = _round(round_id)
    state = request.args.get("state")
    if state is not None and state not in {s.value for s in ApplicationState}:
        abort(404)
    query = select(Application).where(Application.round_id == held.id)
    if state:
        query = query.where(Application.state == ApplicationState(state))
    page = window(query.order_by(Application.created_at, Application.id),
                  page=page_number(request.args.get("page")), per_page=PER_PAGE)  # fmt: skip
    counts = dict(
        db.session.execute(
            select(Application.state, func.count())
            .where(Application.round_id == held.id)
            .group_by(Application.state)
        ).all()
    )
    return render_template(
        "programme/admin_applications.html", round=held, page=page, state=state,
        counts=counts, states=list(ApplicationState),
    )  # fmt: skip


def _application(application_id: int):
    try:
        return applying.get_application(application_id)
    except NotFound:
        abort(404)


@admin_bp.get("/applications/<int:application_id>")
@admin_only
def application(application_id: int):
    found = _application(application_id)
    return _page(found, ExtendForm(formdata=None))


def _page(found, form):
    return render_template(
        "programme/admin_application.html", application=found, form=form,
        deadline=applying.deadline_of(found), screened_out=applying.screened_out(found),
    )  # fmt: skip


@admin_bp.post("/applications/<int:application_id>/extend")
@admin_only
def extend(application_id: int):
    found = _application(application_id)
    form = ExtendForm()
    if form.validate_on_submit():
        until = apply_change(
            lambda: applying.extend(found, actor=current_user, day=form.until_on.data,
                                    clock=form.until_time.data, reason=form.reason.data),
            form=form,
        )  # fmt: skip
        if until is not None:
            flash(f"{found.full_name or 'This applicant'} may now submit until "
                  f"{london_exact(until)} (UK time)", "success")  # fmt: skip
            return redirect(url_for("programme_admin.application", application_id=found.id))
    return _page(found, form)


@admin_bp.get("/rounds/<int:round_id>/equality")
@admin_only
def equality_report(round_id: int):
    held = _round(round_id)
    total, tallies = equality.report(held.id, actor=current_user)
    return render_template("programme/equality_report.html", round=held, total=total,
                           tallies=tallies, under=equality.SUPPRESS_UNDER)  # fmt: skip
