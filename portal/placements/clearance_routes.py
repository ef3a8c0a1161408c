"""The clearance checklist, and taking back what was done by mistake: a ticked item
(before the placement starts) and an approval (by the lead who gave it, for a while)."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.auth import roles_required
from portal.common.forms import ActionForm
from portal.extensions import htmx
from portal.placements import service
from portal.placements.models import PlacementStatus
from portal.placements.routes import _act, _act_in_place, _placement, bp

CHECKERS = (Role.PARTNER_MANAGER, Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
bp.add_app_template_global(service.can_undo_approval, "can_undo_approval")


@bp.post("/<int:placement_id>/checks/<item>")
@roles_required(*CHECKERS)
def check(tenant_slug: str, placement_id: int, item: str):
    if item not in service.CHECKS:
        abort(404)

    def apply(p):
        return service.confirm_check(p.id, user=current_user, item=item)

    done = service.CHECKS[item][2]
    if not htmx:
        return _act(placement_id, apply, done)
    error = _act_in_place(placement_id, apply)
    placement = _placement(placement_id)
    if placement.status == PlacementStatus.CLEARED and not error:
        # The last item: the placement's state and what can be done next change all over
        # the page, so the whole page comes again, with the news in its banner.
        flash(f"{done}. The placement is cleared: it can start on its first day", "success")
        return _whole_page(placement.id)
    return _checklist(placement, error=error, said=None if error else f"Confirmed: {done}")


@bp.post("/<int:placement_id>/checks/<item>/undo")
@roles_required(*CHECKERS)
def undo_check(tenant_slug: str, placement_id: int, item: str):
    if item not in service.CHECKS:
        abort(404)
    before = _placement(placement_id).status

    def apply(p):
        return service.undo_check(p.id, user=current_user, item=item)

    undone = f"Undone: {service.CHECKS[item][2]}"
    if not htmx:
        return _act(placement_id, apply, undone)
    error = _act_in_place(placement_id, apply)
    placement = _placement(placement_id)
    if before == PlacementStatus.CLEARED and not error:  # no longer cleared: the whole page
        flash(f"{undone}. The placement is no longer cleared", "success")
        return _whole_page(placement.id)
    return _checklist(placement, error=error, said=None if error else undone)


def _whole_page(placement_id: int) -> Response:
    response = Response(status=204)
    response.headers["HX-Redirect"] = url_for("placements.detail", placement_id=placement_id)
    return response


def _checklist(placement, *, error, said):
    return render_template(
        "placements/_checklist.html",
        placement=placement,
        form=ActionForm(),
        can_check=service.can_confirm_checks(current_user, placement),
        checks=service.CHECKS,
        error=error,
        said=said,
    )


@bp.post("/<int:placement_id>/approve/undo")
@roles_required(Role.SERVICE_LEAD, Role.CENTRE_ADMIN)
def undo_approval(tenant_slug: str, placement_id: int):
    def apply(p):
        return service.undo_approval(p.id, lead=current_user)

    if not htmx:
        return _act(placement_id, apply, "Approval taken back: the request waits for a decision")
    error = _act_in_place(placement_id, apply)
    return render_template(
        "placements/_lead_row.html", p=_placement(placement_id), error=error, form=ActionForm()
    )
