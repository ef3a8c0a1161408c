"""The site's shell: where a person starts, the navigation, and template helpers.

The helpers every feature's routes use (apply_change, htmx_swap, form_error) live in
``portal.common.routes``."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, url_for
from flask_login import current_user

from portal.accounts.models import ROLE_LABELS, Role
from portal.accounts.pending import AccountState, account_state, invitation_expires_at
from portal.auth import session_seconds_left
from portal.common.clock import london, london_exact, london_time, utcnow
from portal.common.inputs import word_count
from portal.common.text import plural
from portal.security import csp_nonce

SERVICE_NAME = "Partnership portal"


def home_url_for(user) -> str:
    """Where a signed-in person starts."""
    if user.role == Role.CENTRE_ADMIN:
        return url_for("admin.index")
    if user.is_host:
        return url_for("host.index")
    if user.role == Role.APPLICANT:
        return url_for("programme.my_applications")
    from portal.accounts.service import home_tenant

    tenant = home_tenant(user)
    return url_for("partner.index", tenant_slug=tenant.slug) if tenant else url_for("pages.index")


def navigation() -> list[dict]:
    """Service navigation items for the signed-in person, with the current one marked."""
    if not current_user.is_authenticated:
        return []
    from flask import request

    items: list[tuple[str, str]] = []
    role = current_user.role
    if role == Role.CENTRE_ADMIN:
        items += [
            ("Overview", url_for("admin.index")),
            ("People", url_for("admin.users")),
            ("Cohorts", url_for("admin_cohorts.index")),
            ("Programme", url_for("programme_admin.rounds_list")),
            ("Services", url_for("admin.services")),
            ("Placement requests", url_for("host_placements.lead_index")),
            ("Audit log", url_for("admin.audit")),
            ("Moderation", url_for("host_boards.moderation")),
            ("Mailbox", url_for("admin.mailbox")),
            ("Background work", url_for("operations.index")),
        ]
    elif current_user.is_host:
        items += [
            ("My work", url_for("host.index")),
            ("My week", url_for("host_sessions.week")),
        ]
        if role == Role.FACILITATOR:
            items += [("Moderation", url_for("host_boards.moderation"))]
        if role == Role.SERVICE_LEAD:
            items += [("Placement requests", url_for("host_placements.lead_index"))]
    elif role == Role.APPLICANT:
        items += [("Your applications", url_for("programme.my_applications"))]
    tenant = g.get("tenant")
    if tenant is None and not current_user.is_host:
        from portal.accounts.service import home_tenant

        tenant = home_tenant(current_user)
    if tenant is not None:
        slug = tenant.slug
        label = "Your placements" if role == Role.PARTICIPANT else "Placements"
        sessions = "Your sessions" if role == Role.PARTICIPANT else "Sessions"
        items += [
            ("Home", url_for("partner.index", tenant_slug=slug)),
            (label, url_for("placements.index", tenant_slug=slug)),
            (sessions, url_for("sessions.index", tenant_slug=slug)),
            ("Learning boards", url_for("boards.index", tenant_slug=slug)),
        ]
        if role != Role.PARTICIPANT:
            items += [
                ("Services", url_for("placements.services", tenant_slug=slug)),
                ("People", url_for("partner.people", tenant_slug=slug)),
            ]
    # Pages that belong to an item without living under its address.
    also = {}
    if tenant is not None:
        also[f"/{tenant.slug}/reflections/"] = url_for("boards.index", tenant_slug=tenant.slug)
    best = _current(request.path, [(href, href) for _, href in items] + list(also.items()))
    return [{"text": text, "href": href, "active": href == best} for text, href in items]


def _current(path: str, prefixes: list[tuple[str, str]]) -> str | None:
    """The item whose address (or other prefix) matches most of ``path``."""
    matches = [(prefix, href) for prefix, href in prefixes if path.startswith(prefix)]
    return max(matches, key=lambda pair: len(pair[0]), default=(None, None))[1]


def wtforms_errors(form, params: dict | None = None) -> dict:
    """The GOV.UK error summary for a form, linking a date's errors to its day box."""
    from govuk_frontend_wtf.main import wtforms_errors as govuk_errors
    from govuk_frontend_wtf.wtforms_widgets import GovDateInput

    summary = govuk_errors(form, dict(params or {}))
    dates = {f"#{field.id}" for field in form if isinstance(field.widget, GovDateInput)}
    for item in summary["errorList"]:
        if item.get("href") in dates:
            item["href"] += "-day"
    return summary


def unread_notifications() -> int:
    from portal.notifications.service import unread_count

    return unread_count(current_user.id) if current_user.is_authenticated else 0


def idle_timeout() -> dict | None:
    """When this page's session idles out, for the warning and the form notices."""
    left = session_seconds_left()
    if left is None:
        return None
    config = current_app.config
    return {
        "left": left,
        "warn": int(config["IDLE_WARNING"].total_seconds()),
        "idle": int(config["IDLE_TIMEOUT"].total_seconds()),
        "minutes": int(config["IDLE_TIMEOUT"].total_seconds()) // 60,
        "ends_at": utcnow() + timedelta(seconds=left),
    }


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(london, "london")
    app.add_template_filter(london_time, "london_time")
    app.add_template_filter(london_exact, "london_exact")
    app.add_template_filter(word_count, "words")
    app.add_template_filter(plural, "plural")  # {{ n | plural("problem") }}
    app.add_template_global(wtforms_errors, "wtforms_errors")  # replaces the plain one
    app.add_template_global(account_state, "account_state")
    app.add_template_global(invitation_expires_at, "invitation_expires_at")
    app.add_template_global(AccountState, "AccountState")
    app.add_template_global(idle_timeout, "idle_timeout")  # macros see it too

    @app.context_processor
    def portal_context():
        return {
            "csp_nonce": csp_nonce(),
            "service_name": SERVICE_NAME,
            "current_tenant": g.get("tenant"),
            "navigation": navigation,
            "unread_notifications": unread_notifications,
            "role_labels": ROLE_LABELS,
            "Role": Role,
        }
