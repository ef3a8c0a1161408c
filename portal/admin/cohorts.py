"""Cohorts and the partner authorities' files, from the centre's pages: open next
year's cohort, see which files belong to each, and apply the files with the same
checks as ``flask tenants sync`` (nothing is written unless every file is right).
/admin/cohorts/...

An authority's identity still lives in its file (``tenants/<slug>.toml``), reviewed
like code; these pages show and apply the files, they do not edit them.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from portal.accounts.models import Role
from portal.admin.forms import CohortForm
from portal.auth import roles_required
from portal.common.forms import ActionForm
from portal.common.routes import apply_change
from portal.extensions import db
from portal.tenants import service
from portal.tenants.files import TenantFileError

bp = Blueprint("admin_cohorts", __name__, url_prefix="/admin/cohorts")
admin_only = roles_required(Role.CENTRE_ADMIN)


def _directory() -> Path:
    return Path(current_app.config["TENANTS_DIR"])


@bp.get("/")
@admin_only
def index():
    checked = service.check_files(_directory())
    by_year: dict[int, list] = {}
    for spec in checked.files:
        by_year.setdefault(spec.cohort, []).append(spec)
    return render_template(
        "admin/cohorts.html",
        cohorts=service.cohorts_newest_first(),
        checked=checked,
        by_year=by_year,
        directory=_directory(),
        limit=current_app.config["COHORT_PARTNER_LIMIT"],
        form=ActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def new():
    form = CohortForm()
    if form.validate_on_submit():
        cohort = apply_change(
            lambda: service.open_cohort(
                year=form.year.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data
            ),
            form=form,
        )
        if cohort is not None:
            flash(
                f"{cohort} is open. Add each partner authority's file with "
                f"cohort = {cohort.year}, then apply the files here.",
                "success",
            )
            return redirect(url_for("admin_cohorts.index"))
    return render_template("admin/cohort_new.html", form=form)


@bp.post("/apply")
@admin_only
def apply_files():
    """``flask tenants sync`` from the page: every file checked, then all or nothing."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin_cohorts.index"))
    try:
        report = service.sync_tenants(_directory())
    except TenantFileError:
        db.session.rollback()
        flash("Nothing was changed: the files have problems, listed below", "error")
        return redirect(url_for("admin_cohorts.index"))
    db.session.commit()
    flash("Files applied. " + "; ".join(report.lines()), "success")
    return redirect(url_for("admin_cohorts.index"))
