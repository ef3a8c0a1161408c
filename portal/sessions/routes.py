"""Session pages.

- ``/<tenant>/sessions/…``: an authority's sessions (month calendar and list),
  finding a time and booking a joint visit or consultation, group sessions with
  seats, and each session's page with its changes and calendar file;
- ``/host/…``: a host's week across authorities, their availability, and
  group sessions (facilitators create them);
- ``/calendar/…``: each person's private calendar feed.

Every action is a plain form POST that redirects, so all of it works without
JavaScript; rules live in ``portal.sessions.service``.
"""

from __future__ import annotations

import calendar as months
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import HOST_ROLES, Membership, Role, User
from portal.auth import roles_required
from portal.common.clock import LONDON, as_utc
from portal.extensions import db
from portal.placements.forms import ActionForm
from portal.sessions import ical, service
from portal.sessions.forms import (
    BookForm,
    ExceptionForm,
    FindTimeForm,
    GroupForm,
    MoveForm,
    MoveGroupForm,
    ReasonForm,
    SeatForm,
    SettingsForm,
    parse_time,
)
from portal.sessions.models import (
    Attendance,
    ExceptionKind,
    PlaceStatus,
    Session,
    SessionKind,
)
from portal.web import apply_change, htmx_swap

bp = Blueprint("sessions", __name__, url_prefix="/<tenant_slug>/sessions")
host_bp = Blueprint("host_sessions", __name__, url_prefix="/host")
feed_bp = Blueprint("calendar", __name__, url_prefix="/calendar")

PARTNERS = (Role.PARTNER_MANAGER, Role.PARTICIPANT)
EVERYONE = (*PARTNERS, *HOST_ROLES)
HOSTS = tuple(HOST_ROLES)
FIND_DAYS = 14


@bp.url_defaults
def add_tenant_slug(endpoint, values):
    if "tenant_slug" not in values and g.get("tenant") is not None:
        values["tenant_slug"] = g.tenant.slug


# --- Small helpers -----------------------------------------------------------------------------


def _day_arg(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


def _month_arg() -> date:
    try:
        return datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        return service.london_date(service.now()).replace(day=1)


def _start_arg() -> datetime | None:
    try:
        value = datetime.fromisoformat(request.args.get("start", ""))
    except ValueError:
        return None
    return as_utc(value) if value.tzinfo else None


def _bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    from portal.sessions.slots import local

    return local(first_day, datetime.min.time()), local(
        last_day + timedelta(days=1), datetime.min.time()
    )


def _month(first: date, sessions: list[Session]) -> dict:
    """A month grid (weeks of days, Monday first) with each day's sessions."""
    by_day: dict[date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(service.london_date(session.starts_at), []).append(session)
    weeks = months.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "first": first,
        "weeks": weeks,
        "by_day": by_day,
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m"),
        "today": service.london_date(service.now()),
    }


def _partner_people() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == g.tenant.id, User.role == Role.PARTICIPANT, User.active)
            .order_by(User.name)
        )
    )


def _participant_choices(field) -> None:
    """A manager picks any participant of the authority; a participant is themselves."""
    if current_user.role == Role.PARTICIPANT:
        field.choices = [(str(current_user.id), current_user.name)]
        field.data = str(current_user.id)
    else:
        field.choices = [("", "Select a participant")] + [
            (str(p.id), p.name) for p in _partner_people()
        ]


# --- An authority's sessions ------------------------------------------------------------------


@bp.get("/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    first = _month_arg()
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start, end = _bounds(first - timedelta(days=7), last + timedelta(days=7))
    if current_user.role == Role.PARTICIPANT:
        in_month = service.attended_by(current_user, start, end)
        upcoming = service.attended_by(current_user, service.now())
    else:
        in_month = service.authority_sessions(g.tenant, start, end)
        upcoming = service.authority_sessions(
            g.tenant, service.now(), service.now() + timedelta(days=60)
        )
    return render_template(
        "sessions/index.html",
        month=_month(first, in_month),
        upcoming=upcoming,
    )


def _session(session_id: int) -> Session:
    """Load-or-404 in this authority, then authorise: a participant sees their own
    one-to-one sessions and every group session."""
    session = db.session.scalar(select(Session).where(Session.id == session_id))
    if session is None or (session.tenant_id not in (None, g.tenant.id)):
        abort(404)
    if (
        current_user.role == Role.PARTICIPANT
        and not session.is_group
        and all(p.participant_id != current_user.id for p in session.places)
    ):
        abort(404)
    return session


def _link(session: Session, tenant_id: int | None) -> str:
    base = request.host_url.rstrip("/")
    return base + service.session_path(session, tenant_id)


@bp.get("/<int:session_id>")
@roles_required(*EVERYONE)
def detail(tenant_slug: str, session_id: int):
    session = _session(session_id)
    return _detail_page(session, g.tenant.id)


def _detail_page(session: Session, tenant_id: int | None):
    places = [p for p in session.places if p.status != PlaceStatus.CANCELLED]
    mine = next((p for p in places if p.participant_id == current_user.id), None)
    seat_form = SeatForm()
    if current_user.role == Role.PARTNER_MANAGER and session.is_group and g.get("tenant"):
        _participant_choices(seat_form.participant)
    return render_template(
        "sessions/detail.html",
        session=session,
        places=places,
        mine=mine,
        taken=service.seat_counts([session.id]).get(session.id, 0),
        form=ActionForm(),
        seat_form=seat_form,
        can_change=service.can_change(current_user, session) and session.is_open,
        is_host=current_user.id == session.host_id or current_user.role == Role.CENTRE_ADMIN,
        started=as_utc(session.starts_at) <= service.now(),
        when=service.when(session),
        attendance=list(Attendance),
        tenant_id=tenant_id,
        reflect_board=_reflect_board(session, mine),
    )


def _reflect_board(session: Session, mine):
    """Where a participant who came to a visit is invited to reflect: their cohort's
    first open board (the learning boards take it from there)."""
    if mine is None or session.is_group or g.get("tenant") is None:
        return None
    from portal.boards.service import boards_for, today

    open_boards = [b for b in boards_for(g.tenant) if not b.archived_on(today())]
    cohort_wide = [b for b in open_boards if b.is_cohort_wide]
    return (cohort_wide or open_boards or [None])[0]


@bp.get("/<int:session_id>/calendar.ics")
@roles_required(*EVERYONE)
def ics(tenant_slug: str, session_id: int):
    session = _session(session_id)
    return _ics_response(session, g.tenant.id)


def _ics_response(session: Session, tenant_id: int | None) -> Response:
    body = ical.session_file(session, link=_link(session, tenant_id))
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="session-{session.id}.ics"'},
    )


# --- Finding a time and booking ---------------------------------------------------------------


def _who_choices(form: FindTimeForm) -> list[User]:
    hosts = service.visit_hosts(g.tenant)
    services = sorted({h.host_service for h in hosts if h.host_service}, key=lambda s: s.name)
    form.who.choices = (
        [("", "Select a host or a service")]
        + [(f"service:{s.id}", f"Anyone in {s.name}") for s in services]
        + [
            (f"host:{h.id}", f"{h.name}" + (f", {h.host_service.name}" if h.host_service else ""))
            for h in hosts
        ]
    )
    return hosts


def _chosen_hosts(who: str, hosts: list[User]) -> tuple[list[User], int | None, int | None]:
    """(hosts to search, host id, service id) for a "host:N" or "service:N" choice."""
    kind, _, raw = (who or "").partition(":")
    if not raw.isdigit():
        return [], None, None
    if kind == "host":
        return [h for h in hosts if h.id == int(raw)], int(raw), None
    if kind == "service":
        return [h for h in hosts if h.host_service_id == int(raw)], None, int(raw)
    return [], None, None


@bp.get("/find")
@roles_required(*PARTNERS)
def find(tenant_slug: str):
    form = FindTimeForm(request.args)
    _participant_choices(form.participant)
    hosts = _who_choices(form)
    today = service.london_date(service.now())
    first = max(_day_arg("from", today), today)
    last = first + timedelta(days=FIND_DAYS - 1)
    found, periods, searched = [], [], bool(request.args)
    if searched and form.validate():
        chosen, _, _ = _chosen_hosts(form.who.data, hosts)
        participant_id = int(form.participant.data)
        if not chosen:
            form.who.errors.append("Select a host or a service")
        elif participant_id not in {p.id for p in _partner_people()}:
            form.participant.errors.append("Select a participant from your authority")
        else:
            periods = service.placement_periods(participant_id)
            found = service.find_slots(
                participant_id=participant_id,
                hosts=chosen,
                first_day=first,
                last_day=last,
                length=timedelta(minutes=int(form.length.data)),
            )
    by_day: dict[date, list] = {}
    for slot in found:
        by_day.setdefault(slot.local_start.date(), []).append(slot)
    query = {k: v for k, v in request.args.items() if k in ("participant", "kind", "who", "length")}
    return render_template(
        "sessions/_times.html" if htmx_swap() else "sessions/find.html",
        form=form,
        by_day=by_day,
        first=first,
        last=last,
        searched=searched and not form.errors,
        periods=periods,
        query=query,
        earlier=(first - timedelta(days=FIND_DAYS)) if first > today else None,
        later=last + timedelta(days=1),
    )


@bp.route("/book", methods=["GET", "POST"])
@roles_required(*PARTNERS)
def book(tenant_slug: str):
    args = request.args
    start = _start_arg()
    form = FindTimeForm(args)
    _participant_choices(form.participant)
    hosts = _who_choices(form)
    if start is None or not form.validate():
        flash("Choose a time from the list", "error")
        return redirect(url_for("sessions.find", **args))
    chosen, host_id, service_id = _chosen_hosts(form.who.data, hosts)
    if not chosen:
        abort(404)
    book_form = BookForm()
    book_form.location.choices = [("", "Select a place")] + [(o, o) for o in service.offices()]
    if request.method == "GET" and len(chosen) == 1 and chosen[0].host_service:
        book_form.location.data = chosen[0].host_service.office
    if book_form.validate_on_submit():
        session = apply_change(
            lambda: service.book_visit(
                actor=current_user,
                tenant=g.tenant,
                participant_id=int(form.participant.data),
                kind=SessionKind(form.kind.data),
                starts_at=start,
                length_minutes=int(form.length.data),
                location=book_form.location.data,
                host_id=host_id,
                service_id=service_id,
                agenda=book_form.agenda.data,
            ),
            form=book_form,
        )
        if session is not None:
            flash(f"Booked: {service.when(session)}", "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
    length = timedelta(minutes=int(form.length.data))
    participant = db.session.get(User, int(form.participant.data))
    return render_template(
        "sessions/book.html",
        form=book_form,
        find=form,
        args=args,
        start=start.astimezone(LONDON),
        end=(start + length).astimezone(LONDON),
        hosts=chosen,
        participant=participant,
        kind=SessionKind(form.kind.data),
    )


# --- Changes ----------------------------------------------------------------------------------


def _cancel_page(session: Session, back: str):
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
    session = _session(session_id)
    return _cancel_page(session, url_for("sessions.detail", session_id=session.id))


@bp.route("/<int:session_id>/reschedule", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def reschedule(tenant_slug: str, session_id: int):
    """Pick a new time when everyone is still free, then confirm it (with a reason)."""
    session = _session(session_id)
    if session.is_group or not service.can_change(current_user, session):
        abort(403 if not session.is_group else 404)
    start = _start_arg()
    form = MoveForm()
    participant = next((p.participant for p in session.places), None)
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
    first = max(_day_arg("from", today), today)
    last = first + timedelta(days=FIND_DAYS - 1)
    found = []
    if start is None and participant is not None:
        found = service.find_slots(
            participant_id=participant.id,
            hosts=[session.host],
            first_day=first,
            last_day=last,
            length=as_utc(session.ends_at) - as_utc(session.starts_at),
            excluding=session.id,
        )
    by_day: dict[date, list] = {}
    for slot in found:
        by_day.setdefault(slot.local_start.date(), []).append(slot)
    return render_template(
        "sessions/reschedule.html",
        session=session,
        form=form,
        start=start.astimezone(LONDON) if start else None,
        by_day=by_day,
        first=first,
        last=last,
        earlier=(first - timedelta(days=FIND_DAYS)) if first > today else None,
        later=last + timedelta(days=1),
        when=service.when(session),
    )


@bp.post("/<int:session_id>/confirm")
@roles_required(*HOSTS)
def confirm(tenant_slug: str, session_id: int):
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: service.confirm_session(session.id, actor=current_user)):
        flash("Confirmed. The participant has been told.", "success")
    return redirect(url_for("sessions.detail", session_id=session.id))


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
    session = _session(session_id)
    return _attendance(session, url_for("sessions.detail", session_id=session.id))


# --- Group sessions: seats --------------------------------------------------------------------


@bp.get("/groups")
@roles_required(*EVERYONE)
def groups(tenant_slug: str):
    sessions = service.upcoming_groups(service.now())
    mine = {}
    if current_user.role == Role.PARTICIPANT:
        mine = {
            p.session_id: p
            for s in sessions
            for p in s.places
            if p.participant_id == current_user.id and p.status != PlaceStatus.CANCELLED
        }
    return render_template(
        "sessions/groups.html",
        sessions=sessions,
        taken=service.seat_counts([s.id for s in sessions]),
        mine=mine,
        form=ActionForm(),
    )


def _seat_participant(form: SeatForm) -> int | None:
    if current_user.role == Role.PARTICIPANT:
        return current_user.id
    raw = form.participant.data or ""
    return int(raw) if raw.isdigit() else None


@bp.post("/<int:session_id>/seat")
@roles_required(*PARTNERS)
def seat(tenant_slug: str, session_id: int):
    session = _session(session_id)
    form = SeatForm()
    _participant_choices(form.participant)
    if not form.validate_on_submit():
        abort(400)
    place = apply_change(
        lambda: service.book_seat(
            actor=current_user,
            tenant=g.tenant,
            session_id=session.id,
            participant_id=_seat_participant(form),
        )
    )
    if place is not None:
        flash(
            "Seat booked"
            if place.status == PlaceStatus.BOOKED
            else "The session is full: you are on the waiting list",
            "success",
        )
    return redirect(url_for("sessions.detail", session_id=session.id))


@bp.post("/<int:session_id>/seat/cancel")
@roles_required(*PARTNERS)
def leave(tenant_slug: str, session_id: int):
    session = _session(session_id)
    form = SeatForm()
    _participant_choices(form.participant)
    if not form.validate_on_submit():
        abort(400)
    participant_id = _seat_participant(form) or 0
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


# --- Host pages -------------------------------------------------------------------------------


@host_bp.get("/week")
@roles_required(*HOSTS)
def week():
    """The host's week across every authority they work with."""
    today = service.london_date(service.now())
    chosen = _day_arg("week", today)
    monday = chosen - timedelta(days=chosen.weekday())
    start, end = _bounds(monday, monday + timedelta(days=6))
    sessions = service.hosted_by(current_user, start, end)
    days = [monday + timedelta(days=n) for n in range(7)]
    by_day: dict[date, list[Session]] = {day: [] for day in days}
    for session in sessions:
        by_day.setdefault(service.london_date(session.starts_at), []).append(session)
    from portal.sessions.slots import bank_holiday

    return render_template(
        "sessions/week.html",
        days=days,
        by_day=by_day,
        holidays={day: bank_holiday(day) for day in days},
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        today=today,
        seat_counts=service.seat_counts([s.id for s in sessions if s.is_group]),
    )


def _host_session(session_id: int) -> Session:
    session = db.session.scalar(select(Session).where(Session.id == session_id))
    if session is None:
        abort(404)
    return session


@host_bp.get("/sessions/<int:session_id>")
@roles_required(*HOSTS)
def session_detail(session_id: int):
    return _detail_page(_host_session(session_id), None)


@host_bp.get("/sessions/<int:session_id>/calendar.ics")
@roles_required(*HOSTS)
def session_ics(session_id: int):
    return _ics_response(_host_session(session_id), None)


@host_bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@roles_required(*HOSTS)
def cancel_group(session_id: int):
    session = _host_session(session_id)
    if not session.is_group:
        abort(404)  # one-to-one sessions are changed on their authority's pages
    return _cancel_page(session, url_for("host_sessions.session_detail", session_id=session.id))


def _group_times(form) -> tuple[datetime | None, datetime | None]:
    from portal.sessions.slots import local

    if form.starts_on.data is None or form.starts.time is None or form.ends.time is None:
        return None, None
    last_day = form.ends_on.data or form.starts_on.data
    return local(form.starts_on.data, form.starts.time), local(last_day, form.ends.time)


@host_bp.route("/sessions/<int:session_id>/reschedule", methods=["GET", "POST"])
@roles_required(*HOSTS)
def reschedule_group(session_id: int):
    session = _host_session(session_id)
    if not session.is_group:
        abort(404)  # one-to-one sessions are moved on their authority's pages
    if not service.can_change(current_user, session):
        abort(403)
    form = MoveGroupForm()
    if request.method == "GET":
        start = as_utc(session.starts_at).astimezone(LONDON)
        end = as_utc(session.ends_at).astimezone(LONDON)
        form.starts_on.data, form.starts.data = start.date(), f"{start:%H:%M}"
        form.ends.data = f"{end:%H:%M}"
        form.ends_on.data = end.date() if end.date() != start.date() else None
    if form.validate_on_submit():
        starts_at, ends_at = _group_times(form)
        if starts_at and ends_at and ends_at - starts_at != session.ends_at - session.starts_at:
            form.ends.errors.append("Keep the same length, or cancel and create a new session")
        else:
            moved = apply_change(
                lambda: service.reschedule_session(
                    session.id, actor=current_user, starts_at=starts_at, reason=form.reason.data
                ),
                form=form,
            )
            if moved is not None:
                flash(f"Moved to {service.when(moved)}. Everyone booked has been told.", "success")
                return redirect(url_for("host_sessions.session_detail", session_id=session.id))
    return render_template(
        "sessions/reschedule_group.html", session=session, form=form, when=service.when(session)
    )


@host_bp.post("/sessions/<int:session_id>/attendance")
@roles_required(*HOSTS)
def group_attendance(session_id: int):
    session = _host_session(session_id)
    return _attendance(session, url_for("host_sessions.session_detail", session_id=session.id))


@host_bp.post("/sessions/<int:session_id>/confirm")
@roles_required(*HOSTS)
def confirm_host(session_id: int):
    session = _host_session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: service.confirm_session(session.id, actor=current_user)):
        flash("Confirmed. The participant has been told.", "success")
    return redirect(url_for("host_sessions.session_detail", session_id=session.id))


@host_bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.FACILITATOR, Role.CENTRE_ADMIN)
def new_group():
    form = GroupForm()
    form.location.choices = [("", "Select a place")] + [(o, o) for o in service.offices()]
    if form.validate_on_submit():
        starts_at, ends_at = _group_times(form)
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


@host_bp.route("/availability", methods=["GET", "POST"])
@roles_required(*HOSTS)
def availability():
    """Working hours, buffers, caps and confirmation; time away is added below."""
    settings = service.settings_for(current_user.id)
    form = SettingsForm(obj=None if request.method == "POST" else settings)
    if request.method == "GET":
        form.buffer_before.data = str(settings.buffer_before)
        form.buffer_after.data = str(settings.buffer_after)
        for window in service.windows_for(current_user.id):
            if window.weekday < 5:
                getattr(form, f"day_{window.weekday}_starts").data = f"{window.starts:%H:%M}"
                getattr(form, f"day_{window.weekday}_ends").data = f"{window.ends:%H:%M}"
    if form.validate_on_submit():

        def save():
            service.save_settings(
                current_user,
                buffer_before=int(form.buffer_before.data),
                buffer_after=int(form.buffer_after.data),
                max_per_day=form.max_per_day.data,
                max_per_week=form.max_per_week.data,
                confirm_bookings=form.confirm_bookings.data,
            )
            windows = {}
            for n in range(5):
                starts = parse_time(getattr(form, f"day_{n}_starts").data)
                ends = parse_time(getattr(form, f"day_{n}_ends").data)
                windows[n] = None if starts is None and ends is None else (starts, ends)
            service.save_windows(current_user, windows)
            return True

        if apply_change(save, form=form):
            flash("Availability saved", "success")
            return redirect(url_for("host_sessions.availability"))
    today = service.london_date(service.now())
    return render_template(
        "sessions/availability.html",
        form=form,
        away_form=ExceptionForm(formdata=None),
        away=service.exceptions_for(current_user.id, from_day=today),
        action_form=ActionForm(),
    )


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
    settings_form = SettingsForm(formdata=None, obj=service.settings_for(current_user.id))
    today = service.london_date(service.now())
    return render_template(
        "sessions/availability.html",
        form=settings_form,
        away_form=form,
        away=service.exceptions_for(current_user.id, from_day=today),
        action_form=ActionForm(),
    ), 400


@host_bp.post("/availability/away/<int:exception_id>/delete")
@roles_required(*HOSTS)
def remove_away(exception_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    apply_change(lambda: service.remove_exception(current_user, exception_id))
    flash("Time away removed", "success")
    return redirect(url_for("host_sessions.availability"))


# --- Calendar feeds ---------------------------------------------------------------------------


@feed_bp.route("/", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def settings():
    """Create (or replace) the private feed address, or turn it off."""
    form = ActionForm()
    token = None
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            apply_change(lambda: service.revoke_feed(current_user))
            flash("Calendar link turned off: calendars using it will stop updating", "success")
            return redirect(url_for("calendar.settings"))
        token = apply_change(lambda: service.new_feed_token(current_user))
    feed = service.feed_for(current_user)
    return render_template(
        "sessions/calendar_feed.html",
        form=form,
        feed=feed,
        feed_url=url_for("calendar.feed", token=token, _external=True) if token else None,
    )


@feed_bp.get("/<token>.ics")
def feed(token: str):
    """The feed itself: no sign-in (calendar apps cannot), the secret token is the key."""
    with tenancy.system_scope():  # finding whose token this is
        owner = service.feed_owner(token)
        if owner is not None:
            db.session.commit()
    if owner is None:
        abort(404)
    from portal.accounts.service import tenant_ids_for

    allowed = tenant_ids_for(owner)
    with tenancy.scoped(allowed):
        base = request.host_url.rstrip("/")
        home = None if owner.is_host else (allowed[0] if allowed else None)
        where = (lambda s: None) if owner.is_host else (lambda s: s.tenant_id or home)
        items = [
            (s, base + service.session_path(s, where(s))) for s in service.calendar_sessions(owner)
        ]
        body = ical.feed(items, owner=owner.name)
    return Response(
        body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"}
    )
