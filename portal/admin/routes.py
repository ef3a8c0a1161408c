"""Centre administration: authorities, people, the audit log and the mailbox. /admin/..."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import service
from portal.accounts.models import HOST_ROLES, ROLE_LABELS, Role, User
from portal.audit.models import AuditEvent
from portal.audit.service import action_label, event_actions, search_events
from portal.auth import get_or_404, roles_required
from portal.common import inputs
from portal.common.paging import keyset_window
from portal.common.routes import apply_change, paginate
from portal.extensions import db
from portal.host.models import HostService
from portal.host.service import catalogue, save_service, services_by_name, set_host_service
from portal.mail.links import html_paragraphs
from portal.mail.models import MailMessage
from portal.mail.service import mailbox_query
from portal.people_forms import (
    ActiveForm,
    AdminInviteForm,
    AssignmentsForm,
    AuditFilterForm,
    HostServiceForm,
    RoleForm,
    details_page,
    invitation_message,
)
from portal.tenants.models import Tenant
from portal.tenants.service import cohorts_newest_first, tenants_by_name

bp = Blueprint("admin", __name__, url_prefix="/admin")

admin_only = roles_required(Role.CENTRE_ADMIN)
PER_PAGE = 50


@bp.get("/")
@admin_only
def index():
    return render_template(
        "admin/index.html",
        cohorts=cohorts_newest_first(),
        tenants=tenants_by_name(),
        member_counts=service.partner_staff_counts(),
        role_counts=service.count_users_by_role(),
    )


@bp.get("/users")
@admin_only
def users():
    role = request.args.get("role") or None
    if role is not None and role not in ROLE_LABELS:
        abort(400, description="There is no such role. Choose one from the list.")
    words = request.args.get("q", "")[: inputs.MOST_SEARCHED]
    page = paginate(service.people_query(role, words), per_page=PER_PAGE)
    return render_template(
        "admin/users.html", page=page, role=role, roles=ROLE_LABELS, words=words.strip()
    )


def _invite_form() -> AdminInviteForm:
    form = AdminInviteForm()
    tenants = tenants_by_name()
    form.tenant.choices = [("", "Select an authority")] + [(str(t.id), t.name) for t in tenants]
    form.works_with.choices = [(t.id, t.name) for t in tenants]
    services = services_by_name()
    form.host_service.choices = [("", "None")] + [(str(s.id), str(s)) for s in services]
    return form


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_only
def invite():
    form = _invite_form()
    if form.validate_on_submit():
        role = Role(form.role.data)
        tenant = db.session.get(Tenant, int(form.tenant.data)) if form.tenant.data else None
        works_with = [t for t in tenants_by_name() if t.id in set(form.works_with.data or [])]
        invitation = apply_change(
            lambda: service.invite_user(
                inviter=current_user,
                email=form.email.data,
                name=form.name.data,
                role=role,
                tenant=tenant if role == Role.PARTNER_MANAGER else None,
                works_with=works_with if role in HOST_ROLES else (),
                host_service_id=int(form.host_service.data) if form.host_service.data else None,
            ),
            form=form,
        )
        if invitation:
            flash(invitation_message(invitation), "success")
            return redirect(url_for("admin.user", user_id=invitation.user.id))
    return render_template("admin/invite.html", form=form)


def _user_forms(user: User) -> dict:
    role_form = RoleForm(prefix="role")
    same_side = HOST_ROLES if user.is_host else {Role.PARTNER_MANAGER, Role.PARTICIPANT}
    role_form.role.choices = [(r.value, ROLE_LABELS[r]) for r in Role if r in same_side]
    if not role_form.is_submitted():
        role_form.role.data = user.role.value
    assignments = AssignmentsForm(prefix="assign")
    assignments.works_with.choices = [(t.id, t.name) for t in tenants_by_name()]
    if not assignments.is_submitted():
        assignments.works_with.data = service.tenant_ids_for(user)
    active = ActiveForm(prefix="active")
    active.submit.label.text = "Deactivate account" if user.active else "Reactivate account"
    sessions = ActiveForm(prefix="sessions")
    sessions.submit.label.text = "Sign them out everywhere"
    works_in = HostServiceForm(prefix="service")
    works_in.host_service.choices = [("", "None")] + [
        (str(s.id), str(s)) for s in services_by_name()
    ]
    if not works_in.is_submitted():
        works_in.host_service.data = str(user.host_service_id or "")
    return {
        "service_form": works_in,
        "role_form": role_form,
        "assignments_form": assignments,
        "active_form": active,
        "sessions_form": sessions,
    }


@bp.get("/users/<int:user_id>")
@admin_only
def user(user_id: int):
    person = get_or_404(User, user_id)
    return _user_page(person, _user_forms(person))


def _user_page(person: User, forms: dict):
    return render_template(
        "admin/user.html",
        person=person,
        state=service.account_state(person),
        tenants=service.tenants_for(person),
        signed_in=service.open_sessions(person),
        **forms,
    )


def _user_action(user_id: int, form_key: str, apply) -> str:
    person = get_or_404(User, user_id)
    forms = _user_forms(person)
    form = forms[form_key]
    if form.validate_on_submit():
        message = apply_change(lambda: apply(person, form), form=form)
        if message:
            flash(message, "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, forms), 400


@bp.post("/users/<int:user_id>/role")
@admin_only
def change_role(user_id: int):
    def apply(person, form):
        service.change_role(person, Role(form.role.data), by=current_user)
        return f"{person.name} is now {person.role.label.lower()}"

    return _user_action(user_id, "role_form", apply)


@bp.post("/users/<int:user_id>/service")
@admin_only
def set_service(user_id: int):
    def apply(person, form):
        chosen = inputs.whole_number(form.host_service.data)
        set_host_service(person, chosen, by=current_user)
        where = person.host_service.name if person.host_service else "no service"
        return f"{person.name} works in {where}"

    return _user_action(user_id, "service_form", apply)


@bp.post("/users/<int:user_id>/assignments")
@admin_only
def assignments(user_id: int):
    def apply(person, form):
        service.set_assignments(person, form.works_with.data or [], by=current_user)
        return f"Saved the authorities {person.name} works with"

    return _user_action(user_id, "assignments_form", apply)


@bp.post("/users/<int:user_id>/active")
@admin_only
def set_active(user_id: int):
    def apply(person, form):
        service.set_active(person, not person.active, by=current_user)
        return (
            f"{person.name}'s account has been {'reactivated' if person.active else 'deactivated'}"
        )

    return _user_action(user_id, "active_form", apply)


@bp.post("/users/<int:user_id>/sessions/end")
@admin_only
def end_sessions(user_id: int):
    def apply(person, form):
        ended = service.end_sessions(person, by=current_user)
        if not ended:
            return f"{person.name} was not signed in anywhere"
        return f"{person.name} has been signed out everywhere"

    return _user_action(user_id, "sessions_form", apply)


def _invitation_action(user_id: int, apply):
    """Send again or cancel: a refusal is flashed on the person's page, as is the result."""
    person = get_or_404(User, user_id)
    if ActiveForm().validate_on_submit():
        message = apply_change(lambda: apply(person))
        if message:
            flash(message, "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/invitation")
@admin_only
def resend_invitation(user_id: int):
    return _invitation_action(
        user_id,
        lambda person: invitation_message(service.resend_invitation(person, by=current_user)),
    )


@bp.post("/users/<int:user_id>/invitation/cancel")
@admin_only
def cancel_invitation(user_id: int):
    def apply(person):
        service.cancel_invitation(person, by=current_user)
        return f"The invitation to {person.email} is cancelled: its link no longer works"

    return _invitation_action(user_id, apply)


@bp.route("/users/<int:user_id>/details", methods=["GET", "POST"])
@admin_only
def user_details(user_id: int):
    person = get_or_404(User, user_id)
    if not service.can_manage_person(current_user, person):
        abort(403)
    back_url = url_for("admin.user", user_id=person.id)
    return details_page(person, back_url=back_url, after=lambda result: back_url)


@bp.get("/audit")
@admin_only
def audit():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Any action")] + [(a, action_label(a)) for a in event_actions()]
    form.tenant.choices = [("", "Any authority")] + [(str(t.id), t.name) for t in tenants_by_name()]
    form.validate()
    query = search_events(
        action=form.action.data or None,
        tenant_id=inputs.whole_number(form.tenant.data),
        actor_email=form.actor.data or None,
        since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None,
    )
    page = keyset_window(
        query,
        columns=(AuditEvent.occurred_at, AuditEvent.id),
        older=request.args.get("older"),
        newer=request.args.get("newer"),
        per_page=PER_PAGE,
    )
    return render_template("admin/audit.html", form=form, page=page, action_label=action_label)


@bp.get("/mailbox")
@admin_only
def mailbox():
    from portal.mail.retention import body_retention_days

    page = paginate(mailbox_query(), per_page=PER_PAGE)
    return render_template("admin/mailbox.html", page=page, retention_days=body_retention_days())


@bp.get("/mailbox/<int:message_id>")
@admin_only
def mail_message(message_id: int):
    from portal.mail.retention import body_retention_days
    from portal.mail.service import mailbox_body

    message = get_or_404(MailMessage, message_id)
    return render_template(
        "admin/mail_message.html",
        message=message,
        body=mailbox_body(message),  # secret links shown only as "sent"
        mail_paragraphs=html_paragraphs,  # the portal's own links as links
        retention_days=body_retention_days(),
    )


# --- Host services ------------------------------------------------------------------------


@bp.get("/services")
@admin_only
def services():
    return render_template(
        "admin/services.html",
        services=catalogue(),
    )


@bp.route("/services/new", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@admin_only
def edit_service(service_id: int | None = None):
    from portal.host.forms import ServiceForm

    existing = get_or_404(HostService, service_id) if service_id else None
    form = ServiceForm(obj=existing)
    if existing is not None and not form.is_submitted():
        form.borough.data = existing.borough.name
    if form.validate_on_submit():
        saved = apply_change(
            lambda: save_service(
                existing,
                actor=current_user,
                name=form.name.data,
                borough=form.borough.data,
                kind=form.kind.data,
                office=form.office.data,
                description=form.description.data,
                capacity=form.capacity.data,
            ),
            form=form,
        )
        if saved:
            flash(f"Saved {saved.name}", "success")
            return redirect(url_for("admin.services"))
    return render_template("admin/service.html", form=form, service=existing)
