"""Helpers shared by every feature's routes and templates."""

from __future__ import annotations

from flask import Flask, g, url_for
from flask_login import current_user

from portal.accounts.models import ROLE_LABELS, Role
from portal.errors import RuleError
from portal.security import csp_nonce
from portal.timeutil import london

SERVICE_NAME = "Partnership portal"


def form_error(form, error: RuleError) -> None:
    """Show a service rule's refusal on the field it names (or the whole form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = (
            [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
        )
    else:
        form.form_errors.append(error.message)


def home_url_for(user) -> str:
    """Where a signed-in person starts."""
    if user.role == Role.CENTRE_ADMIN:
        return url_for("admin.index")
    if user.is_host:
        return url_for("host.index")
    from portal.accounts.service import home_tenant

    tenant = home_tenant(user)
    return url_for("partner.index", tenant_slug=tenant.slug) if tenant else url_for("pages.index")


def navigation() -> list[dict]:
    """Service navigation items for the signed-in person, with the current one marked."""
    if not current_user.is_authenticated:
        return []
    from flask import request

    items: list[tuple[str, str]] = []
    tenant = g.get("tenant")
    if current_user.role == Role.CENTRE_ADMIN:
        items += [
            ("Overview", url_for("admin.index")),
            ("People", url_for("admin.users")),
            ("Audit log", url_for("admin.audit")),
            ("Mailbox", url_for("admin.mailbox")),
        ]
    elif current_user.is_host:
        items += [("My work", url_for("host.index"))]
    if tenant is not None:
        items += [("Home", url_for("partner.index", tenant_slug=tenant.slug))]
        if current_user.role in (Role.PARTNER_MANAGER, Role.CENTRE_ADMIN) or current_user.is_host:
            items += [("People", url_for("partner.people", tenant_slug=tenant.slug))]
    elif not current_user.is_host:
        from portal.accounts.service import home_tenant

        own = home_tenant(current_user)
        if own is not None:
            items += [("Home", url_for("partner.index", tenant_slug=own.slug))]
            if current_user.role == Role.PARTNER_MANAGER:
                items += [("People", url_for("partner.people", tenant_slug=own.slug))]
    path = request.path
    best = max((href for _, href in items if path.startswith(href)), key=len, default=None)
    return [{"text": text, "href": href, "active": href == best} for text, href in items]


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(london, "london")

    @app.context_processor
    def portal_context():
        return {
            "csp_nonce": csp_nonce(),
            "service_name": SERVICE_NAME,
            "current_tenant": g.get("tenant"),
            "navigation": navigation,
            "role_labels": ROLE_LABELS,
            "Role": Role,
        }
