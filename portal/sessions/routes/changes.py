"""Changing a session: moving or cancelling it, the host confirming it, attendance."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import roles_required
from portal.common.clock import LONDON, as_utc
from portal.common.forms import ActionForm
from portal.common.routes import apply_change
from portal.sessions import service
from portal.sessions.forms import MoveForm, ReasonForm
from portal.sessions.models import Attendance, Session
from portal.sessions.routes import bp, host_bp
from portal.sessions.routes.access import (
    EVERYONE,
    HOSTS,
    day_arg,
    host_session,
    start_arg,
    tenant_session,
)
from portal.sessions.routes.booking import by_day, fortnight

# --- Cancelling ------------------------------------------------------------------------------


def cancel_page(session: Session, back: str):
    """Ask for the reason, then cancel: everyone is told, every reminder cancelled."""
    if not service.can_change(current_user, session):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit() and apply_change(
        lambda: service.cancel_session(session.id, actor=current_user, reason=form.reason.data),
        form=form,
    ):
        flash("Session cancelled. Everyone booked has been told.", "success")
        return redirect(back)
    return render_template(
        "sessions/cancel.html", session=session, form=form, back=back, when=service.when(session)
    )


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def cancel(tenant_slug: str, session_id: int):
    session = tenant_session(session_id)
    return cancel_page(session, url_for("sessions.detail", session_id=session.id))


@host_bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@roles_required(*HOSTS)
def cancel_group(session_id: int):
    session = host_session(session_id)
    if not session.is_group:
        abort(404)  # one-to-one sessions are changed on their authority's pages
    return cancel_page(session, url_for("host_sessions.session_detail", session_id=session.id))


# --- Moving a one-to-one session ------------------------------------------------------------


def _free_times(session: Session, days: dict) -> list:
    """Times when the session's host and participant are both free for it."""
    participant = next((p.participant for p in session.places), None)
    if participant is None:
        return []
    return service.find_slots(
        participant_id=participant.id,
        hosts=[session.host],
        first_day=days["first"],
        last_day=days["last"],
        length=as_utc(session.ends_at) - as_utc(session.starts_at),
        excluding=session.id,
    )


@bp.route("/<int:session_id>/reschedule", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def reschedule(tenant_slug: str, session_id: int):
    """Pick a new time when everyone is still free, then confirm it (with a reason)."""
    session = tenant_session(session_id)
    if session.is_group or not service.can_change(current_user, session):
        abort(403 if not session.is_group else 404)
    start = start_arg()
    form = MoveForm()
    if start is not None and form.validate_on_submit():
        moved = apply_change(
            lambda: service.reschedule_session(
                session.id, actor=current_user, starts_at=start, reason=form.reason.data
            ),
            form=form,
        )
        if moved is not None:
            flash(f"Moved to {service.when(moved)}. Everyone has been told.", "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
    today = service.london_date(service.now())
    days = fortnight(max(day_arg("from", today), today), today)
    return render_template(
        "sessions/reschedule.html",
        session=session,
        form=form,
        start=start.astimezone(LONDON) if start else None,
        by_day=by_day(_free_times(session, days) if start is None else []),
        when=service.when(session),
        **days,
    )


# --- The host confirms, and records who came ------------------------------------------------


def _confirm(session: Session, back: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: service.confirm_session(session.id, actor=current_user)):
        flash("Confirmed. The participant has been told.", "success")
    return redirect(back)


@bp.post("/<int:session_id>/confirm")
@roles_required(*HOSTS)
def confirm(tenant_slug: str, session_id: int):
    session = tenant_session(session_id)
    return _confirm(session, url_for("sessions.detail", session_id=session.id))


@host_bp.post("/sessions/<int:session_id>/confirm")
@roles_required(*HOSTS)
def confirm_host(session_id: int):
    session = host_session(session_id)
    return _confirm(session, url_for("host_sessions.session_detail", session_id=session.id))


def _attendance(session: Session, back: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    marks = {}
    for place in session.places:
        value = request.form.get(f"place_{place.id}")
        if value in {a.value for a in Attendance}:
            marks[place.id] = Attendance(value)
    if apply_change(lambda: service.record_attendance(session.id, actor=current_user, marks=marks)):
        flash("Attendance recorded", "success")
    return redirect(back)


@bp.post("/<int:session_id>/attendance")
@roles_required(*HOSTS)
def attendance(tenant_slug: str, session_id: int):
    session = tenant_session(session_id)
    return _attendance(session, url_for("sessions.detail", session_id=session.id))


@host_bp.post("/sessions/<int:session_id>/attendance")
@roles_required(*HOSTS)
def group_attendance(session_id: int):
    session = host_session(session_id)
    return _attendance(session, url_for("host_sessions.session_detail", session_id=session.id))
