"""A partner authority's pages, under /<tenant_slug>/. The tenant is resolved (or 404)
by ``portal.auth.set_request_scope`` before any view here runs."""

from __future__ import annotations

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

from portal.accounts import service
from portal.accounts.models import HOST_ROLES, Role
from portal.auth import roles_required
from portal.boards import service as boards
from portal.common import inputs
from portal.common.routes import apply_change, form_error, paginate, polled, tenant_url_defaults
from portal.errors import RuleError
from portal.extensions import db, htmx
from portal.imports import service as imports
from portal.people_forms import (
    ActiveForm,
    ImportParticipantsForm,
    InviteParticipantForm,
    details_page,
    invitation_message,
)
from portal.placements.service import placement_summary

bp = tenant_url_defaults(Blueprint("partner", __name__, url_prefix="/<tenant_slug>"))

EVERYONE = (Role.PARTNER_MANAGER, Role.PARTICIPANT, *HOST_ROLES)
STAFF = (Role.PARTNER_MANAGER, *HOST_ROLES)
PEOPLE_PER_PAGE = 50
COMING_MOST = 10  # a home page shows the next few; the sessions page has the rest
REFLECTIONS_MOST = 3  # a participant's latest reflections; the boards have the rest


@bp.get("/")
@roles_required(*EVERYONE)
def index(tenant_slug: str):
    participants, awaiting = service.participant_counts(g.tenant)
    written, latest = 0, []
    if current_user.role == Role.PARTICIPANT:
        written, latest = boards.own_recent(current_user, g.tenant, most=REFLECTIONS_MOST)
    return render_template(
        "partner/index.html",
        tenant=g.tenant,
        participants=participants,
        awaiting=awaiting,
        placements=placement_summary(g.tenant, current_user),
        sessions=_coming_sessions(),
        coming_most=COMING_MOST,
        written=written,
        latest=latest,
    )


def _coming_sessions():
    """The next four weeks' sessions: a participant's own, or the authority's."""
    from datetime import timedelta

    from portal.sessions import service as sessions

    now = sessions.now()
    soon = {"limit": COMING_MOST, "loaded": False}
    if current_user.role == Role.PARTICIPANT:
        return sessions.attended_by(current_user, now, now + timedelta(days=28), **soon)
    return sessions.authority_sessions(g.tenant, now, now + timedelta(days=28), **soon)


@bp.get("/people")
@roles_required(*STAFF)
def people(tenant_slug: str):
    words = request.args.get("q", "")[: inputs.MOST_SEARCHED]
    page = paginate(service.tenant_people_query(g.tenant, words), per_page=PEOPLE_PER_PAGE)
    return render_template("partner/people.html", people=page.items, page=page, words=words.strip())


@bp.route("/people/invite", methods=["GET", "POST"])
@roles_required(Role.PARTNER_MANAGER)
def invite(tenant_slug: str):
    form = InviteParticipantForm()
    if form.validate_on_submit():
        try:
            invitation = service.invite_user(
                inviter=current_user,
                email=form.email.data,
                name=form.name.data,
                role=Role.PARTICIPANT,
                tenant=g.tenant,
            )
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(invitation_message(invitation), "success")
            return redirect(url_for("partner.people"))
    return render_template("partner/invite.html", form=form)


@bp.get("/people/<int:user_id>")
@roles_required(*STAFF)
def person(tenant_slug: str, user_id: int):
    person = service.tenant_person(g.tenant, user_id) or abort(404)
    form = ActiveForm()
    form.submit.label.text = "Deactivate account" if person.active else "Reactivate account"
    return render_template(
        "partner/person.html",
        person=person,
        form=form,
        state=service.account_state(person),
        can_manage=service.can_manage_person(current_user, person),
    )


def _managed_person(user_id: int):
    person = service.tenant_person(g.tenant, user_id) or abort(404)
    if not service.can_manage_person(current_user, person):
        abort(403)
    return person


@bp.post("/people/<int:user_id>/invitation")
@roles_required(Role.PARTNER_MANAGER)
def resend_invitation(tenant_slug: str, user_id: int):
    person = _managed_person(user_id)
    if ActiveForm().validate_on_submit():
        sent = apply_change(lambda: service.resend_invitation(person, by=current_user))
        if sent:
            flash(invitation_message(sent), "success")
    return redirect(url_for("partner.person", user_id=person.id))


@bp.post("/people/<int:user_id>/invitation/cancel")
@roles_required(Role.PARTNER_MANAGER)
def cancel_invitation(tenant_slug: str, user_id: int):
    person = _managed_person(user_id)
    if ActiveForm().validate_on_submit() and apply_change(
        lambda: service.cancel_invitation(person, by=current_user)
    ):
        flash(f"The invitation to {person.email} is cancelled: its link no longer works", "success")
    return redirect(url_for("partner.person", user_id=person.id))


@bp.route("/people/<int:user_id>/details", methods=["GET", "POST"])
@roles_required(Role.PARTNER_MANAGER)
def person_details(tenant_slug: str, user_id: int):
    person = _managed_person(user_id)
    back_url = url_for("partner.person", user_id=person.id)

    def after(result) -> str:
        """A new address was invited afresh: their page (or, answered as inviting is, the
        list); anything else, this person's page."""
        if not isinstance(result, service.Invitation) or result.user.id == person.id:
            return back_url
        if result.sent:
            return url_for("partner.person", user_id=result.user.id)
        return url_for("partner.people")

    return details_page(person, back_url=back_url, after=after)


@bp.post("/people/<int:user_id>/active")
@roles_required(Role.PARTNER_MANAGER, Role.CENTRE_ADMIN)
def set_active(tenant_slug: str, user_id: int):
    person = _managed_person(user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        try:
            service.set_active(person, not person.active, by=current_user)
        except RuleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            state = "reactivated" if person.active else "deactivated and signed out"
            flash(f"{person.name}'s account has been {state}", "success")
    return redirect(url_for("partner.person", user_id=person.id))


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required(Role.PARTNER_MANAGER)
def import_participants(tenant_slug: str):
    form = ImportParticipantsForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            run = imports.start_participant_import(
                tenant=g.tenant,
                manager=current_user,
                filename=upload.filename or "participants.csv",
                raw=upload.read(imports.MAX_BYTES + 1),
            )
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("partner.import_status", run_id=run.id))
    return render_template("partner/import.html", form=form, max_rows=imports.MAX_ROWS)


@bp.get("/people/import/template.csv")
@roles_required(Role.PARTNER_MANAGER)
def import_template(tenant_slug: str):
    return Response(
        imports.TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=participants-template.csv"},
    )


@bp.get("/people/import/<run_id>")
@roles_required(Role.PARTNER_MANAGER)
@polled
def import_status(tenant_slug: str, run_id: str):
    run = imports.import_run(g.tenant, run_id)
    template = "partner/_import_status.html" if htmx else "partner/import_status.html"
    return render_template(template, run=run)
