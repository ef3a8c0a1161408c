"""Placement pages.

- ``/<tenant>/placements/…``: an authority's placements (its manager, its
  participants, the host staff who work with it, admins) and the service catalogue;
- ``/host/placements``: a service lead's requests and capacity, across the
  authorities they work with;
- ``/admin/services/…``: the centre admin manages services and capacity.

Each action is a plain form POST that redirects; with htmx, the checklist and
the lead's list of requests update in place.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import HOST_ROLES, Membership, Role, User
from portal.auth import roles_required
from portal.errors import NotFound, RuleError
from portal.extensions import db, htmx
from portal.host.models import Borough, HostService
from portal.placements import service
from portal.placements.forms import (
    ActionForm,
    CancelForm,
    DeclineForm,
    EvaluationForm,
    ProposeDatesForm,
    RequestPlacementForm,
    ServiceFilterForm,
)
from portal.placements.models import OPEN, Placement, PlacementStatus
from portal.web import form_error, htmx_swap

bp = Blueprint("placements", __name__, url_prefix="/<tenant_slug>/placements")
host_bp = Blueprint("host_placements", __name__, url_prefix="/host")

S = PlacementStatus
EVERYONE = (Role.PARTNER_MANAGER, Role.PARTICIPANT, *HOST_ROLES)
STAFF = (Role.PARTNER_MANAGER, *HOST_ROLES)
CALENDAR_WEEKS = 13


@bp.url_defaults
def add_tenant_slug(endpoint, values):
    if "tenant_slug" not in values and g.get("tenant") is not None:
        values["tenant_slug"] = g.tenant.slug


def _with_people(query):
    return query.options(
        selectinload(Placement.participant),
        selectinload(Placement.service),
        selectinload(Placement.requested_by),
    )


def _placement(placement_id: int) -> Placement:
    """Load-or-404 within the tenant, then authorise: participants see only their own."""
    placement = db.session.scalar(
        _with_people(select(Placement)).where(
            Placement.id == placement_id, Placement.tenant_id == g.tenant.id
        )
    )
    if placement is None:
        abort(404)
    if current_user.role == Role.PARTICIPANT and placement.participant_id != current_user.id:
        abort(404)
    return placement


NEEDS_ACTION = {
    Role.PARTNER_MANAGER: (S.PROPOSED, S.APPROVED),
    Role.SERVICE_LEAD: (S.REQUESTED, S.APPROVED),
}


@bp.get("/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    query = _with_people(select(Placement)).where(Placement.tenant_id == g.tenant.id)
    if current_user.role == Role.PARTICIPANT:
        query = query.where(Placement.participant_id == current_user.id)
    first = NEEDS_ACTION.get(current_user.role, ())
    query = query.order_by(
        case((Placement.status.in_(first), 0), else_=1) if first else Placement.id,
        Placement.starts_on,
    )
    placements = db.session.scalars(query).all()
    groups: dict[PlacementStatus, list[Placement]] = {}
    for placement in placements:
        groups.setdefault(placement.status, []).append(placement)
    return render_template(
        "placements/index.html",
        groups=groups,
        needs_action=[p for p in placements if p.status in first],
        order=list(PlacementStatus),
    )


def _request_form() -> RequestPlacementForm:
    form = RequestPlacementForm()
    participants = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == g.tenant.id, User.role == Role.PARTICIPANT, User.active)
        .order_by(User.name)
    ).all()
    form.participant.choices = [("", "Select a participant")] + [
        (str(p.id), p.name) for p in participants
    ]
    services = db.session.scalars(select(HostService).order_by(HostService.name)).all()
    form.service.choices = [("", "Select a service")] + [(str(s.id), str(s)) for s in services]
    if request.method == "GET" and request.args.get("service", "").isdigit():
        form.service.data = request.args["service"]
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PARTNER_MANAGER)
def new(tenant_slug: str):
    form = _request_form()
    if form.validate_on_submit():
        try:
            placement = service.request_placement(
                manager=current_user,
                tenant=g.tenant,
                participant_id=int(form.participant.data),
                service_id=int(form.service.data),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                days_per_week=int(form.days_per_week.data),
                learning_goals=form.learning_goals.data,
            )
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash("Request sent to the service lead", "success")
            return redirect(url_for("placements.detail", placement_id=placement.id))
    return render_template("placements/new.html", form=form)


@bp.get("/<int:placement_id>")
@roles_required(*EVERYONE)
def detail(tenant_slug: str, placement_id: int):
    placement = _placement(placement_id)
    return render_template(
        "placements/detail.html",
        placement=placement,
        leads=service.service_leads(placement.service_id, placement.tenant_id),
        form=ActionForm(),
        is_lead=service.is_lead_of(current_user, placement.service_id)
        or current_user.role == Role.CENTRE_ADMIN,
        can_check=service.can_confirm_checks(current_user, placement),
        checks=service.CHECKS,
        today=service.today(),
    )


def _act(placement_id: int, apply, done: str):
    """Run one state change from a button; a refusal is shown, never a crash."""
    placement = _placement(placement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        apply(placement)
    except NotFound:
        abort(404)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("placements.detail", placement_id=placement_id))


def _act_in_place(placement_id: int, apply) -> str | None:
    """The htmx version of :func:`_act`: apply the change, and return the refusal (if
    any) for the partial to show in place, instead of flashing and redirecting."""
    placement = _placement(placement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        apply(placement)
    except RuleError as refused:
        db.session.rollback()
        return refused.message
    db.session.commit()
    return None


@bp.post("/<int:placement_id>/approve")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def approve(tenant_slug: str, placement_id: int):
    def apply(p):
        return service.approve_placement(p.id, lead=current_user)

    if not htmx:
        return _act(placement_id, apply, "Placement approved")
    # From the lead's list: answer with the row, approved or with the reason it was not.
    error = _act_in_place(placement_id, apply)
    return render_template(
        "placements/_lead_row.html", p=_placement(placement_id), error=error, form=ActionForm()
    )


@bp.post("/<int:placement_id>/accept")
@roles_required(Role.PARTNER_MANAGER)
def accept(tenant_slug: str, placement_id: int):
    return _act(placement_id, lambda p: service.accept_proposal(p.id, manager=current_user),
                "New dates accepted: the placement is approved")  # fmt: skip


@bp.post("/<int:placement_id>/reject")
@roles_required(Role.PARTNER_MANAGER)
def reject(tenant_slug: str, placement_id: int):
    return _act(placement_id, lambda p: service.reject_proposal(p.id, manager=current_user),
                "Proposed dates declined: the request is withdrawn")  # fmt: skip


@bp.post("/<int:placement_id>/withdraw")
@roles_required(Role.PARTNER_MANAGER)
def withdraw(tenant_slug: str, placement_id: int):
    return _act(placement_id, lambda p: service.withdraw_placement(p.id, manager=current_user),
                "Placement withdrawn")  # fmt: skip


@bp.post("/<int:placement_id>/start")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def start(tenant_slug: str, placement_id: int):
    return _act(placement_id, lambda p: service.start_placement(p.id, user=current_user),
                "Placement started")  # fmt: skip


@bp.post("/<int:placement_id>/complete")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def complete(tenant_slug: str, placement_id: int):
    return _act(placement_id, lambda p: service.complete_placement(p.id, user=current_user),
                "Placement completed: both sides have been asked to evaluate it")  # fmt: skip


@bp.post("/<int:placement_id>/checks/<item>")
@roles_required(Role.PARTNER_MANAGER, Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def check(tenant_slug: str, placement_id: int, item: str):
    if item not in service.CHECKS:
        abort(404)

    def apply(p):
        return service.confirm_check(p.id, user=current_user, item=item)

    if not htmx:
        return _act(placement_id, apply, service.CHECKS[item][2])
    error = _act_in_place(placement_id, apply)
    placement = _placement(placement_id)
    return render_template(
        "placements/_checklist.html",
        placement=placement,
        form=ActionForm(),
        can_check=service.can_confirm_checks(current_user, placement),
        checks=service.CHECKS,
        error=error,
    )


def _form_action(placement_id: int, form, template: str, apply, done: str, **context):
    placement = _placement(placement_id)
    if form.validate_on_submit():
        try:
            apply(placement, form)
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("placements.detail", placement_id=placement_id))
    return render_template(template, placement=placement, form=form, **context)


@bp.route("/<int:placement_id>/decline", methods=["GET", "POST"])
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def decline(tenant_slug: str, placement_id: int):
    return _form_action(
        placement_id, DeclineForm(), "placements/reason.html",
        lambda p, f: service.decline_placement(p.id, lead=current_user, reason=f.reason.data),
        "Request declined", title="Decline this request",
    )  # fmt: skip


@bp.route("/<int:placement_id>/propose", methods=["GET", "POST"])
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def propose(tenant_slug: str, placement_id: int):
    return _form_action(
        placement_id, ProposeDatesForm(), "placements/propose.html",
        lambda p, f: service.propose_dates(p.id, lead=current_user, starts_on=f.starts_on.data,
                                           ends_on=f.ends_on.data, note=f.note.data or ""),
        "Other dates proposed to the partner manager",
    )  # fmt: skip


@bp.route("/<int:placement_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.CENTRE_ADMIN)
def cancel(tenant_slug: str, placement_id: int):
    return _form_action(
        placement_id, CancelForm(), "placements/reason.html",
        lambda p, f: service.cancel_placement(p.id, admin=current_user, reason=f.reason.data),
        "Placement cancelled", title="Cancel this placement",
    )  # fmt: skip


@bp.route("/<int:placement_id>/evaluate", methods=["GET", "POST"])
@roles_required(Role.PARTICIPANT, Role.SERVICE_LEAD)
def evaluate(tenant_slug: str, placement_id: int):
    return _form_action(
        placement_id, EvaluationForm(), "placements/evaluate.html",
        lambda p, f: service.submit_evaluation(p.id, user=current_user, text=f.text.data),
        "Thank you: your evaluation is saved",
    )  # fmt: skip


# --- The service catalogue (for partner managers) -------------------------------------------


@bp.get("/services")
@roles_required(*STAFF)
def services(tenant_slug: str):
    form = ServiceFilterForm(request.args)
    all_services = db.session.scalars(
        select(HostService).order_by(HostService.borough, HostService.name)
    ).all()
    form.borough.choices = [("", "Any borough")] + [(b.name, b.value) for b in Borough]
    form.kind.choices = [("", "Any kind of work")] + [
        (k, k) for k in sorted({s.kind for s in all_services})
    ]
    form.validate()
    shown = [
        s for s in all_services
        if (not form.borough.data or s.borough.name == form.borough.data)
        and (not form.kind.data or s.kind == form.kind.data)
    ]  # fmt: skip
    start = service.today()
    end = start + timedelta(weeks=CALENDAR_WEEKS)
    room = {s.id: service.free_days(s, start, end) for s in shown}
    template = "placements/_services.html" if htmx_swap() else "placements/services.html"
    return render_template(
        template, form=form, services=shown, room=room, weeks=CALENDAR_WEEKS, start=start
    )


# --- The service lead's view ------------------------------------------------------------------


@host_bp.get("/placements")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def lead_index():
    """Requests waiting for the lead's service, across the authorities they work with."""
    query = _with_people(select(Placement)).options(selectinload(Placement.tenant))
    if current_user.role == Role.SERVICE_LEAD:
        query = query.where(Placement.service_id == current_user.host_service_id)
    placements = db.session.scalars(
        query.where(Placement.status.in_(list(OPEN))).order_by(Placement.starts_on)
    ).all()
    return render_template(
        "placements/lead_index.html",
        waiting=[p for p in placements if p.status == S.REQUESTED],
        current=[p for p in placements if p.status != S.REQUESTED],
        form=ActionForm(),
        service_id=current_user.host_service_id,
    )


@host_bp.get("/services/<int:service_id>/capacity")
@roles_required(*HOST_ROLES)
def capacity(service_id: int):
    """The capacity calendar: a picture of the coming weeks, with a table behind it."""
    host_service = db.first_or_404(select(HostService).where(HostService.id == service_id))
    start = service.today() - timedelta(days=service.today().weekday())
    weeks = []
    room = service.service_room(host_service, start, start + timedelta(weeks=CALENDAR_WEEKS) -
                                timedelta(days=1))  # fmt: skip
    for index in range(CALENDAR_WEEKS):
        weeks.append(room[index * 7 : index * 7 + 7])
    return render_template(
        "placements/capacity.html", service=host_service, weeks=weeks, today=service.today()
    )
