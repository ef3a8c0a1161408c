"""What every feature's blueprints share."""

from __future__ import annotations

from flask import Blueprint, g


def add_tenant_slug(endpoint: str, values: dict) -> None:
    """Fill ``tenant_slug`` in ``url_for`` from the authority of the current request, so
    a page under ``/<tenant_slug>/`` links to its own authority's pages without saying so."""
    if "tenant_slug" not in values and g.get("tenant") is not None:
        values["tenant_slug"] = g.tenant.slug


def tenant_url_defaults(bp: Blueprint) -> Blueprint:
    """Register :func:`add_tenant_slug` on a blueprint under ``/<tenant_slug>/``."""
    bp.url_defaults(add_tenant_slug)
    return bp
