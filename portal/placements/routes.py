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

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.models import HOST_ROLES, Role
from portal.auth import roles_required
from portal.common import inputs
from portal.common.confirm import Ask, ask_first
from portal.common.forms import ActionForm
from portal.common.routes import apply_change, htmx_swap, tenant_url_defaults
from portal.errors import NotFound, RuleError
from portal.extensions import db, htmx
from portal.host.models import Borough
from portal.placements import service
from portal.placements.forms import (
    CancelForm,
    DeclineForm,
    EvaluationForm,
    ProposeDatesForm,
    RequestPlacementForm,
    ServiceFilterForm,
)
from portal.placements.models import Placement, PlacementStatus

bp = tenant_url_defaults(Blueprint("placements", __name__, url_prefix="/<tenant_slug>/placements"))
host_bp = Blueprint("host_placements", __name__, url_prefix="/host")

EVERYONE = (Role.PARTNER_MANAGER, Role.PARTICIPANT, *HOST_ROLES)
STAFF = (Role.PARTNER_MANAGER, *HOST_ROLES)
CALENDAR_WEEKS = 13


def _placement(placement_id: int) -> Placement:
    """Load-or-404 within the tenant; participants see only their own."""
    placement = service.placement_for(g.tenant, current_user, placement_id)
    if placement is None:
        abort(404)
    return placement


@bp.get("/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    status = _status_arg()
    listed = service.tenant_placements(
        g.tenant, current_user, status=status, page=inputs.page_number(request.args.get("page"))
    )
    return render_template(
        "placements/index.html",
        listed=listed,
        groups=listed.groups,
        needs_action=listed.needs_action,
        order=list(PlacementStatus),
        status=status,
    )


def _status_arg() -> PlacementStatus | None:
    """``?status=`` names one state to list in full; anything else lists them all."""
    value = request.args.get("status")
    return next((s for s in PlacementStatus if s.value == value), None)


def _request_form() -> RequestPlacementForm:
    form = RequestPlacementForm()
    choices = service.request_choices(g.tenant)
    form.participant.choices = [("", "Select a participant")] + [
        (str(p.id), p.name) for p in choices.participants
    ]
    form.service.choices = [("", "Select a service")] + [
        (str(s.id), str(s)) for s in choices.services
    ]
    if request.method == "GET" and request.args.get("service", "").isdigit():
        form.service.data = request.args["service"]
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PARTNER_MANAGER)
def new(tenant_slug: str):
    form = _request_form()
    if form.validate_on_submit():
        placement = apply_change(
            lambda: service.request_placement(
                manager=current_user,
                tenant=g.tenant,
                participant_id=int(form.participant.data),
                service_id=int(form.service.data),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                weekdays=form.weekdays.data,
                learning_goals=form.learning_goals.data,
            ),
            form=form,
        )
        if placement is not None:
            flash(_sent_to(placement), "success")
            return redirect(url_for("placements.detail", placement_id=placement.id))
    return render_template("placements/new.html", form=form)


def _sent_to(placement: Placement) -> str:
    if service.service_leads(placement.service_id, placement.tenant_id):
        return "Request sent to the service lead"
    return (
        f"Request sent to the Centre for Social Work: {placement.service.name} has no lead "
        "yet, so the centre decides on its requests"
    )


@bp.get("/<int:placement_id>")
@roles_required(*EVERYONE)
def detail(tenant_slug: str, placement_id: int):
    placement = _placement(placement_id)
    is_lead = service.can_decide(current_user, placement)
    deciding = is_lead and placement.status == service.PlacementStatus.REQUESTED
    return render_template(
        "placements/detail.html",
        placement=placement,
        leads=service.service_leads(placement.service_id, placement.tenant_id),
        form=ActionForm(),
        is_lead=is_lead,
        room=service.room_for(placement) if deciding else None,
        can_check=service.can_confirm_checks(current_user, placement),
        checks=service.CHECKS,
        today=service.today(),
    )


def _act(placement_id: int, apply, done: str):
    """Run one state change from a button; a refusal is shown, never a crash."""
    placement = _placement(placement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: apply(placement)) is not None:
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


@bp.route("/<int:placement_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.PARTNER_MANAGER)
def withdraw(tenant_slug: str, placement_id: int):
    if request.method == "GET":
        p = _placement(placement_id)
        return ask_first(Ask(
            title=f"Withdraw the placement for {p.participant.name}?",
            says=[f"{p.service.name}, {p.starts_on:%-d %B} to {p.ends_on:%-d %B %Y}. The "
                  "service lead and the participant are told, and any joint visits it "
                  "allowed after today are cancelled."],
            warning="You cannot undo this. To go ahead later, request a new placement.",
            button="Yes, withdraw it",
            back=url_for("placements.detail", placement_id=p.id),
        ))  # fmt: skip
    return _act(placement_id, lambda p: service.withdraw_placement(p.id, manager=current_user),
                "Placement withdrawn")  # fmt: skip


@bp.post("/<int:placement_id>/start")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def start(tenant_slug: str, placement_id: int):
    return _act(placement_id, lambda p: service.start_placement(p.id, user=current_user),
                "Placement started")  # fmt: skip


@bp.route("/<int:placement_id>/complete", methods=["GET", "POST"])
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def complete(tenant_slug: str, placement_id: int):
    if request.method == "GET":
        p = _placement(placement_id)
        return ask_first(Ask(
            title=f"Mark {p.participant.name}'s placement as completed?",
            says=[f"{p.service.name}, {p.starts_on:%-d %B} to {p.ends_on:%-d %B %Y}. You and "
                  f"{p.participant.name} are both asked to evaluate it."],
            warning="You cannot undo this.",
            button="Yes, it is completed",
            back=url_for("placements.detail", placement_id=p.id),
        ))  # fmt: skip
    return _act(placement_id, lambda p: service.complete_placement(p.id, user=current_user),
                "Placement completed: both sides have been asked to evaluate it")  # fmt: skip


def _form_action(placement_id: int, form, template: str, apply, done: str, **context):
    placement = _placement(placement_id)
    if form.validate_on_submit() and apply_change(lambda: apply(placement, form), form=form):
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
    catalogue = service.service_catalogue(
        borough=form.borough.data, kind=form.kind.data, weeks=CALENDAR_WEEKS
    )
    form.borough.choices = [("", "Any borough")] + [(b.name, b.value) for b in Borough]
    form.kind.choices = [("", "Any kind of work")] + [(k, k) for k in catalogue.kinds]
    form.validate()  # marks a filter value that is not on offer
    template = "placements/_services.html" if htmx_swap() else "placements/services.html"
    return render_template(
        template,
        form=form,
        services=catalogue.services,
        room=catalogue.room,
        weeks=CALENDAR_WEEKS,
        start=catalogue.start,
    )


# --- The service lead's view ------------------------------------------------------------------


@host_bp.get("/placements")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def lead_index():
    """Requests waiting for the lead's service, across the authorities they work with."""
    listed = service.lead_requests(current_user)
    return render_template(
        "placements/lead_index.html",
        waiting=listed.waiting,
        current=listed.current,
        form=ActionForm(),
        service_id=current_user.host_service_id,
    )


@host_bp.get("/services/<int:service_id>/capacity")
@roles_required(*HOST_ROLES)
def capacity(service_id: int):
    """The capacity calendar: a picture of the coming weeks, with a table behind it."""
    try:
        calendar = service.capacity_calendar(service_id, CALENDAR_WEEKS)
    except NotFound:
        abort(404)
    return render_template(
        "placements/capacity.html",
        service=calendar.service,
        weeks=calendar.weeks,
        today=service.today(),
    )


# The checklist and the undo buttons register on ``bp`` too.
from portal.placements import clearance_routes  # noqa: E402, F401
