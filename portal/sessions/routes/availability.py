"""A host's availability: working hours, buffers, caps, confirmation, and time away."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import roles_required
from portal.common.forms import ActionForm
from portal.common.routes import apply_change
from portal.sessions import service
from portal.sessions.forms import ExceptionForm, SettingsForm
from portal.sessions.models import ExceptionKind
from portal.sessions.routes import host_bp
from portal.sessions.routes.access import HOSTS


def _saved_settings_form() -> SettingsForm:
    """The hours form showing what the host has saved (never what another form posted)."""
    return SettingsForm.saved(
        service.settings_for(current_user.id), service.windows_for(current_user.id)
    )


def _page(form: SettingsForm, away_form: ExceptionForm):
    today = service.london_date(service.now())
    return render_template(
        "sessions/availability.html",
        form=form,
        away_form=away_form,
        away=service.exceptions_for(current_user.id, from_day=today),
        action_form=ActionForm(),
    )


def _save(form: SettingsForm):
    return service.save_availability(
        current_user,
        windows=form.windows(),
        buffer_before=int(form.buffer_before.data),
        buffer_after=int(form.buffer_after.data),
        max_per_day=form.max_per_day.data,
        max_per_week=form.max_per_week.data,
        confirm_bookings=form.confirm_bookings.data,
    )


@host_bp.route("/availability", methods=["GET", "POST"])
@roles_required(*HOSTS)
def availability():
    """Working hours, buffers, caps and confirmation; time away is added below."""
    form = SettingsForm() if request.method == "POST" else _saved_settings_form()
    if form.validate_on_submit() and apply_change(lambda: _save(form), form=form):
        flash("Availability saved", "success")
        return redirect(url_for("host_sessions.availability"))
    return _page(form, ExceptionForm(formdata=None))


@host_bp.post("/availability/away")
@roles_required(*HOSTS)
def add_away():
    form = ExceptionForm()
    if form.validate_on_submit():
        added = apply_change(
            lambda: service.add_exception(
                current_user,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                kind=ExceptionKind(form.kind.data),
                note=form.note.data,
            ),
            form=form,
        )
        if added is not None:
            flash("Time away added: nobody can book you then", "success")
            return redirect(url_for("host_sessions.availability"))
    return _page(_saved_settings_form(), form), 400


@host_bp.post("/availability/away/<int:exception_id>/delete")
@roles_required(*HOSTS)
def remove_away(exception_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    apply_change(lambda: service.remove_exception(current_user, exception_id))
    flash("Time away removed", "success")
    return redirect(url_for("host_sessions.availability"))
