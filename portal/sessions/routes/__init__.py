"""Session pages.

- ``/<tenant>/sessions/…`` (``bp``): an authority's sessions (month calendar and list),
  finding a time and booking a joint visit or consultation, group sessions with
  seats, and each session's page with its changes and calendar file;
- ``/host/…`` (``host_bp``): a host's week across authorities, their availability,
  and group sessions (facilitators create them);
- ``/calendar/…`` (``feed_bp``): each person's private calendar feed.

Every action is a plain form POST that redirects, so all of it works without
JavaScript. A route parses the form, calls one service function (rules live in
``portal.sessions.service``, read-only look-ups in ``portal.sessions.queries``) and
renders or redirects.

The pages are in modules named after what they do: ``partner`` (an authority's calendar
and a session's page), ``host`` (the host's week), ``booking`` (finding a time, booking),
``changes`` (moving, cancelling, confirming, attendance), ``groups`` (group sessions and
seats), ``availability`` (a host's hours and time away) and ``calendar`` (``.ics`` files
and the private feed).
"""

from __future__ import annotations

from flask import Blueprint

from portal.common.routes import tenant_url_defaults

bp = tenant_url_defaults(Blueprint("sessions", __name__, url_prefix="/<tenant_slug>/sessions"))
host_bp = Blueprint("host_sessions", __name__, url_prefix="/host")
feed_bp = Blueprint("calendar", __name__, url_prefix="/calendar")

# Each module adds its routes to the blueprints above when imported.
from portal.sessions.routes import (  # noqa: E402
    availability,
    booking,
    calendar,
    changes,
    groups,
    host,
    partner,
)

__all__ = [
    "availability",
    "booking",
    "bp",
    "calendar",
    "changes",
    "feed_bp",
    "groups",
    "host",
    "host_bp",
    "partner",
]
