"""Group sessions: the list, seats and waiting lists, and (facilitators) creating and
moving them."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.auth import roles_required
from portal.common.forms import ActionForm
from portal.common.routes import apply_change
from portal.sessions import queries, service
from portal.sessions.forms import GroupForm, MoveGroupForm, SeatForm
from portal.sessions.models import PlaceStatus, SessionKind
from portal.sessions.routes import bp, host_bp
from portal.sessions.routes.access import (
    EVERYONE,
    HOSTS,
    PARTNERS,
    host_session,
    participant_choices,
    tenant_session,
)

# --- Seats -----------------------------------------------------------------------------------


@bp.get("/groups")
@roles_required(*EVERYONE)
def groups(tenant_slug: str):
    sessions = service.upcoming_groups(service.now())
    mine = (
        queries.places_held(sessions, current_user) if current_user.role == Role.PARTICIPANT else {}
    )
    return render_template(
        "sessions/groups.html",
        sessions=sessions,
        taken=service.seat_counts([s.id for s in sessions]),
        mine=mine,
        form=ActionForm(),
    )


def _seat_form() -> SeatForm:
    """The seat form as posted, or a 400; a participant always acts for themselves."""
    form = SeatForm()
    participant_choices(form.participant)
    if not form.validate_on_submit():
        abort(400)
    return form


def _seat_participant(form: SeatForm) -> int | None:
    if current_user.role == Role.PARTICIPANT:
        return current_user.id
    raw = form.participant.data or ""
    return int(raw) if raw.isdigit() else None


@bp.post("/<int:session_id>/seat")
@roles_required(*PARTNERS)
def seat(tenant_slug: str, session_id: int):
    session = tenant_session(session_id)
    participant_id = _seat_participant(_seat_form())
    place = apply_change(
        lambda: service.book_seat(
            actor=current_user,
            tenant=g.tenant,
            session_id=session.id,
            participant_id=participant_id,
        )
    )
    if place is not None:
        flash(
            "Seat booked"
            if place.status == PlaceStatus.BOOKED
            else f"No seat is free for {g.tenant.name}: "
            + ("you are" if place.participant_id == current_user.id else "they are")
            + " on the waiting list",
            "success",
        )
    return redirect(url_for("sessions.detail", session_id=session.id))


@bp.post("/<int:session_id>/seat/series")
@roles_required(*PARTNERS)
def seat_series(tenant_slug: str, session_id: int):
    """Book every coming session of the series in one action."""
    session = tenant_session(session_id)
    participant_id = _seat_participant(_seat_form())
    booked = apply_change(
        lambda: service.book_series(
            actor=current_user,
            tenant=g.tenant,
            session_id=session.id,
            participant_id=participant_id,
        )
    )
    if booked is not None:
        said = booked.summary("you" if participant_id == current_user.id else "them")
        flash(said[:1].upper() + said[1:], "success")
        for passed, why in booked.passed_over:
            flash(f"{service.when(passed)}: {why}", "info")
    return redirect(url_for("sessions.detail", session_id=session.id))


@bp.post("/<int:session_id>/seat/cancel")
@roles_required(*PARTNERS)
def leave(tenant_slug: str, session_id: int):
    session = tenant_session(session_id)
    participant_id = _seat_participant(_seat_form()) or 0
    if apply_change(
        lambda: service.leave_seat(
            actor=current_user,
            tenant=g.tenant,
            session_id=session.id,
            participant_id=participant_id,
        )
    ):
        flash("Place given up", "success")
    return redirect(url_for("sessions.detail", session_id=session.id))


# --- Creating and moving group sessions ------------------------------------------------------


@host_bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.FACILITATOR, Role.CENTRE_ADMIN)
def new_group():
    form = GroupForm()
    form.location.choices = [("", "Select a place")] + [(o, o) for o in service.offices()]
    if form.validate_on_submit():
        starts_at, ends_at = form.times()
        created = apply_change(
            lambda: service.create_group(
                actor=current_user,
                kind=SessionKind(form.kind.data),
                title=form.title.data,
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.location.data,
                seats=form.seats.data,
                seats_per_authority=form.seats_per_authority.data,
                repeat=form.repeat.data,
                count=form.count.data or 1,
                agenda=form.agenda.data,
            ),
            form=form,
        )
        if created:
            flash(f"Created {len(created)} session{'s' if len(created) > 1 else ''}", "success")
            return redirect(url_for("host_sessions.session_detail", session_id=created[0].id))
    return render_template("sessions/new_group.html", form=form)


@host_bp.route("/sessions/<int:session_id>/reschedule", methods=["GET", "POST"])
@roles_required(*HOSTS)
def reschedule_group(session_id: int):
    session = host_session(session_id)
    if not session.is_group:
        abort(404)  # one-to-one sessions are moved on their authority's pages
    if not service.can_change(current_user, session):
        abort(403)
    form = MoveGroupForm()
    if request.method == "GET":
        form.show(session.starts_at, session.ends_at)
    if form.validate_on_submit() and form.keeps_length(session.ends_at - session.starts_at):
        moved = apply_change(
            lambda: service.reschedule_session(
                session.id, actor=current_user, starts_at=form.times()[0], reason=form.reason.data
            ),
            form=form,
        )
        if moved is not None:
            flash(f"Moved to {service.when(moved)}. Everyone booked has been told.", "success")
            return redirect(url_for("host_sessions.session_detail", session_id=session.id))
    return render_template(
        "sessions/reschedule_group.html", session=session, form=form, when=service.when(session)
    )
