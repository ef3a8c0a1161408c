"""The rules of learning boards: the one place routes, CLI commands and jobs call.

Every change to a reflection goes through these functions; they live in modules named
after what they do, and this module is their public face:

- ``visibility``: who sees what (``visible_to`` in SQL, ``can_see`` in Python);
- ``listing``: boards, and whether one can be added to;
- ``writing``: drafts, the identifier check and sharing, deleting;
- ``sharing``: letting a reflection and its conversation out to the cohort and back;
- ``moderation``: facilitators' decisions, kept as the host's own rows;
- ``conversation`` and ``mentions``: comments, "This helped me", flags;
- ``search``, ``digest``, ``telling`` (notifications), ``links`` (sessions and
  placements a reflection is about), ``people`` (roles, and whom people reach).
"""

from __future__ import annotations

from portal.boards.conversation import (
    add_comment,
    comment_counts,
    comments_on,
    flag,
    helped_by,
    helped_counts,
    toggle_reaction,
)
from portal.boards.digest import (
    DIGEST_TOPIC,
    digest_for,
    fan_out_digests,
    next_digest_time,
    schedule_weekly_digest,
    send_digest,
    set_digest,
    wants_digest,
)
from portal.boards.links import about_choices
from portal.boards.listing import (
    audience,
    audiences,
    boards_for,
    cohort_authorities,
    create_board,
    get_board,
    own_recent,
)
from portal.boards.mentions import mentioned
from portal.boards.moderation import (
    approve,
    dismiss_flag,
    hide,
    hide_comment,
    moderation_queue,
    pinnable,
    restore,
    toggle_pin,
)
from portal.boards.people import MODERATORS, WRITERS, is_moderator
from portal.boards.search import ORDERS, PAGE_SIZE, search
from portal.boards.telling import reflection_path
from portal.boards.themes import normalise_themes
from portal.boards.visibility import can_see, get_reflection, own_reflection, visible_to
from portal.boards.writing import (
    TEMPLATES,
    Check,
    ShareRefused,
    check_for_sharing,
    delete_reflection,
    reflect_on_session,
    save_draft,
    share,
    start_reflection,
    template_body,
)
from portal.common.clock import today

__all__ = [
    "own_recent",
    "DIGEST_TOPIC", "MODERATORS", "ORDERS", "PAGE_SIZE", "TEMPLATES", "WRITERS", "Check",
    "ShareRefused", "about_choices", "add_comment", "approve", "audience", "audiences",
    "boards_for", "can_see", "check_for_sharing", "cohort_authorities", "comment_counts",
    "comments_on", "create_board", "delete_reflection", "digest_for", "dismiss_flag",
    "fan_out_digests", "flag", "get_board", "get_reflection", "helped_by", "helped_counts",
    "hide", "hide_comment", "is_moderator", "mentioned", "moderation_queue",
    "next_digest_time", "normalise_themes", "own_reflection", "pinnable", "reflect_on_session",
    "reflection_path", "restore",
    "save_draft", "schedule_weekly_digest", "search", "send_digest", "set_digest", "share",
    "start_reflection", "template_body", "today", "toggle_pin", "toggle_reaction",
    "visible_to", "wants_digest",
]  # fmt: skip
