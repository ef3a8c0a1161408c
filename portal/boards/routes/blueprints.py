"""The boards' blueprints, and who may use them."""

from __future__ import annotations

from flask import Blueprint

from portal.accounts.models import HOST_ROLES, Role
from portal.boards.people import MODERATORS, WRITERS
from portal.common.routes import tenant_url_defaults

bp = tenant_url_defaults(Blueprint("boards", __name__, url_prefix="/<tenant_slug>"))
host_bp = Blueprint("host_boards", __name__, url_prefix="/host")
digest_bp = Blueprint("digest", __name__, url_prefix="/boards")

EVERYONE = (Role.PARTNER_MANAGER, Role.PARTICIPANT, *HOST_ROLES)

__all__ = ["EVERYONE", "MODERATORS", "WRITERS", "bp", "digest_bp", "host_bp"]
