"""Learning-board pages.

- ``/<tenant>/boards/…`` and ``/<tenant>/reflections/…``: boards and search
  (``reading``), writing with an htmx autosave that is a plain "Save draft" button
  without JavaScript, and the identifier check before sharing (``writing``), the
  conversation (``reading``);
- ``/host/…``: the moderation queue, boards for facilitators, reflections linked from
  host staff's notifications (``host``);
- ``/boards/digest``: opting in or out of the weekly digest (``digest``).

Routes parse the form, call one service function, and render or redirect.
"""

from __future__ import annotations

from portal.boards.routes import digest, host, reading, writing  # noqa: F401 - the views
from portal.boards.routes.blueprints import bp, digest_bp, host_bp

__all__ = ["bp", "digest_bp", "host_bp"]
