"""Finding a time when a host and a participant are both free, and booking it."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.service import active_participant
from portal.auth import roles_required
from portal.common.clock import LONDON
from portal.common.routes import apply_change, htmx_swap
from portal.sessions import service
from portal.sessions.forms import BookForm, FindTimeForm
from portal.sessions.models import SessionKind
from portal.sessions.routes import bp
from portal.sessions.routes.access import PARTNERS, day_arg, participant_choices, start_arg

FIND_DAYS = 14  # how many days of free times a page shows
FIND_ARGS = ("participant", "kind", "who", "length")


def by_day(slots) -> dict[date, list]:
    """Free times grouped by their London day."""
    days: dict[date, list] = {}
    for slot in slots:
        days.setdefault(slot.local_start.date(), []).append(slot)
    return days


def fortnight(first: date, today: date) -> dict:
    """The days a page of free times covers, and the pages before and after it."""
    last = first + timedelta(days=FIND_DAYS - 1)
    return {
        "first": first,
        "last": last,
        "earlier": (first - timedelta(days=FIND_DAYS)) if first > today else None,
        "later": last + timedelta(days=1),
    }


def _find_form() -> tuple[FindTimeForm, list]:
    """The find-a-time form from the query string, with its choices; and the hosts."""
    form = FindTimeForm(request.args)
    participant_choices(form.participant)
    hosts = service.visit_hosts(g.tenant)
    form.offer_hosts(hosts)
    return form, hosts


def _free_times(form: FindTimeForm, hosts: list, days: dict) -> tuple[list, list]:
    """(free times, placement periods) for a valid search, or errors on the form."""
    chosen, _, _ = form.chosen_hosts(hosts)
    participant_id = int(form.participant.data)
    if not chosen:
        form.who.errors.append("Select a host or a service")
    elif active_participant(g.tenant.id, participant_id) is None:
        form.participant.errors.append("Select a participant from your authority")
    else:
        found = service.find_slots(
            participant_id=participant_id,
            hosts=chosen,
            first_day=days["first"],
            last_day=days["last"],
            length=form.minutes,
        )
        return found, service.placement_periods(participant_id)
    return [], []


@bp.get("/find")
@roles_required(*PARTNERS)
def find(tenant_slug: str):
    form, hosts = _find_form()
    today = service.london_date(service.now())
    days = fortnight(max(day_arg("from", today), today), today)
    found, periods, searched = [], [], bool(request.args)
    if searched and form.validate():
        found, periods = _free_times(form, hosts, days)
    return render_template(
        "sessions/_times.html" if htmx_swap() else "sessions/find.html",
        form=form,
        by_day=by_day(found),
        searched=searched and not form.errors,
        periods=periods,
        query={k: v for k, v in request.args.items() if k in FIND_ARGS},
        **days,
    )


def _book_form(chosen: list) -> BookForm:
    form = BookForm()
    form.location.choices = [("", "Select a place")] + [(o, o) for o in service.offices()]
    if request.method == "GET" and len(chosen) == 1 and chosen[0].host_service:
        form.location.data = chosen[0].host_service.office
    return form


@bp.route("/book", methods=["GET", "POST"])
@roles_required(*PARTNERS)
def book(tenant_slug: str):
    start = start_arg()
    search, hosts = _find_form()
    if start is None or not search.validate():
        flash("Choose a time from the list", "error")
        return redirect(url_for("sessions.find", **request.args))
    chosen, host_id, service_id = search.chosen_hosts(hosts)
    if not chosen:
        abort(404)
    form = _book_form(chosen)
    if form.validate_on_submit():
        refusals: list = []
        session = apply_change(
            lambda: service.book_visit(
                actor=current_user,
                tenant=g.tenant,
                participant_id=int(search.participant.data),
                kind=SessionKind(search.kind.data),
                starts_at=start,
                length_minutes=int(search.length.data),
                location=form.location.data,
                host_id=host_id,
                service_id=service_id,
                agenda=form.agenda.data,
            ),
            form=form,
            refusals=refusals,
        )
        if session is not None:
            flash(f"Booked: {service.when(session)}", "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
        if refusals and refusals[0].field == "starts_at":
            # The time went while the form was open: nothing on it can be fixed, so
            # back to the free times as they are now, saying why (and cheaply: no form).
            flash(refusals[0].message, "error")
            again = {k: v for k, v in request.args.items() if k in FIND_ARGS}
            again["from"] = start.astimezone(LONDON).date().isoformat()
            return redirect(url_for("sessions.find", **again), 303)
    return render_template(
        "sessions/book.html",
        form=form,
        find=search,
        args=request.args,
        start=start.astimezone(LONDON),
        end=(start + search.minutes).astimezone(LONDON),
        hosts=chosen,
        participant=active_participant(g.tenant.id, int(search.participant.data)),
        kind=SessionKind(search.kind.data),
    )
