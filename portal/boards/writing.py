"""Writing: drafts from templates, the identifier check, sharing, deleting.

Sharing is decided here and only here: the check runs once, and :func:`share` either
shares or refuses with what the check found (:class:`ShareRefused`), for the page to
show. Anything beyond the author is checked for details that could identify a child or
family; with findings, the author must confirm (having seen them highlighted), and a
cohort-wide reflection with findings then waits for a facilitator's approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.models import User
from portal.accounts.people import colleague_names
from portal.audit.service import record
from portal.boards import links
from portal.boards.listing import board_for_reflecting, get_board, writable
from portal.boards.models import Reflection, ReflectionStatus, Visibility
from portal.boards.people import WRITERS
from portal.boards.sharing import forget_conversation, sync_sharing
from portal.boards.telling import tell_moderators
from portal.boards.texts import shared_text
from portal.boards.themes import normalise_themes
from portal.boards.visibility import own_reflection
from portal.common.clock import utcnow
from portal.common.text import plural
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.identifiers import Finding, find_identifiers
from portal.tenants.models import Tenant

R = ReflectionStatus
V = Visibility
TEMPLATES = {
    "kolb": (
        "Kolb's learning cycle",
        [
            (
                "What happened",
                "Describe the visit or discussion. No names or details that "
                "could identify a child or family.",
            ),
            ("What I felt", "Your reactions at the time, and now."),
            ("What I learned", "What made sense, what surprised you, what it connects to."),
            ("What I will do", "What you will try or do differently in your own practice."),
        ],
    ),
    "gibbs": (
        "Gibbs' reflective cycle",
        [
            ("Description", "What happened?"),
            ("Feelings", "What were you thinking and feeling?"),
            ("Evaluation", "What was good and bad about the experience?"),
            ("Analysis", "What sense can you make of it?"),
            ("Conclusion", "What else could you have done?"),
            ("Action plan", "If it arose again, what would you do?"),
        ],
    ),
}
CONFIRM = "Confirm you have checked the highlighted details"


def template_body(name: str | None) -> str:
    """A Markdown skeleton with one heading per prompt of the template."""
    if name not in TEMPLATES:
        return ""
    _, prompts = TEMPLATES[name]
    return "\n\n".join(f"## {heading}\n\n" for heading, _ in prompts)


def start_reflection(
    *,
    actor: User,
    tenant: Tenant,
    board_id: int,
    template: str | None = None,
    session_id: int | None = None,
) -> Reflection:
    """A new draft on a board, optionally from a template and about a session."""
    if actor.role not in WRITERS:
        raise RuleError("Only partner staff write reflections")
    board = get_board(board_id, tenant)
    writable(board)
    if session_id is not None and not links.attended(actor, session_id):
        session_id = None  # only a session they were in
    reflection = Reflection(
        tenant_id=tenant.id,
        board_id=board.id,
        author_id=actor.id,
        template=template if template in TEMPLATES else None,
        body=template_body(template),
        session_id=session_id,
        visibility=V.PRIVATE,  # the narrowest: the author widens it when they choose to
    )
    db.session.add(reflection)
    db.session.flush()
    return reflection


def reflect_on_session(*, actor: User, tenant: Tenant, session_id: int) -> Reflection:
    """A Kolb draft about a session the author was in, on their cohort's open board."""
    board = board_for_reflecting(tenant)
    if board is None:
        raise RuleError("There is no open learning board to write on")
    if not links.attended(actor, session_id):
        raise NotFound(session_id)
    return start_reflection(
        actor=actor, tenant=tenant, board_id=board.id, template="kolb", session_id=session_id
    )


def save_draft(
    reflection_id: int,
    *,
    actor: User,
    title: str,
    body: str,
    themes: str,
    visibility: Visibility | None,
    about: str | None = None,
) -> Reflection:
    """Save the author's words (the autosave, and "Save draft"). A shared reflection whose
    words (any in ``texts.SHARED_TEXT``) or visibility change is a draft again, and goes back
    through the check (and any approval) when it is shared again."""
    reflection = own_reflection(reflection_id, actor, lock=True)
    writable(reflection.board)
    title, body = (title or "").strip(), body or ""
    if len(title) > 150:
        raise RuleError("The title must be 150 characters or fewer", "title")
    if len(body) > 20000:
        raise RuleError("The reflection must be 20,000 characters or fewer", "body")
    if visibility is None:
        raise RuleError("Select who can see it", "visibility")
    if visibility == V.COHORT and not reflection.board.is_cohort_wide:
        raise RuleError("This is an internal board: choose your authority or fewer", "visibility")
    before = (shared_text(reflection), reflection.visibility)
    reflection.title, reflection.body = title, body
    reflection.themes = normalise_themes(themes or "")
    if about is not None:
        links.link(reflection, actor, about)
    reflection.visibility = visibility
    reflection.updated_at = utcnow()
    changed = (shared_text(reflection), reflection.visibility) != before
    if changed and reflection.status != R.DRAFT:
        # Edited after sharing: back to a draft until shared (and checked) again.
        reflection.status = R.DRAFT
        reflection.approved_by_id = reflection.approved_at = None
        sync_sharing(reflection)  # a hide stays: only a facilitator lifts it (moderation)
    return reflection


@dataclass(frozen=True)
class Check:
    """What the identifier check found in each text readers would see (``texts.SHARED_TEXT``),
    and what that means for sharing."""

    visibility: Visibility
    texts: dict[str, str]  # each field's text, as checked
    found: dict[str, list[Finding]]  # the findings in each, by offset into that text

    @property
    def title(self) -> list[Finding]:
        return self.found["title"]

    @property
    def body(self) -> list[Finding]:
        return self.found["body"]

    @property
    def findings(self) -> list[Finding]:
        return [finding for field in self.found.values() for finding in field]

    @property
    def total(self) -> int:
        return len(self.findings)

    @property
    def flagged(self) -> bool:
        """Seen by more than the author, with findings: the page shows them highlighted."""
        return self.total > 0 and self.visibility != V.PRIVATE

    @property
    def must_confirm(self) -> bool:
        """Shared at once despite findings: the author confirms they checked them first.
        A cohort-wide post with findings goes to a facilitator instead, unconfirmed."""
        return self.flagged and not self.waits

    @property
    def waits(self) -> bool:
        """Cohort-wide, with findings: shared once a facilitator approves."""
        return self.total > 0 and self.visibility == V.COHORT


class ShareRefused(RuleError):
    """:func:`share` would not share: why, and the check it ran (for the page to show)."""

    def __init__(self, message: str, field: str | None, check: Check):
        super().__init__(message, field)
        self.check = check


def check_for_sharing(reflection: Reflection) -> Check:
    """The identifier check on every text of the reflection that readers would see."""
    texts = shared_text(reflection)
    known = colleague_names(reflection.board.cohort_id) if any(texts.values()) else []
    found = {
        field: find_identifiers(text, colleagues=known) if text else []
        for field, text in texts.items()
    }
    return Check(reflection.visibility, texts, found)


def _refusal(reflection: Reflection, check: Check, confirmed: bool) -> tuple:
    """Why the reflection cannot be shared as it is (and the field to blame), if it can't."""
    try:
        writable(reflection.board)
    except RuleError as error:
        return error.message, None
    if not reflection.title:
        return "Give your reflection a title", "title"
    if not reflection.body.strip():
        return "Write your reflection", "body"
    if check.must_confirm and not confirmed:
        return CONFIRM, "confirmed"
    return ()


def share(reflection_id: int, *, actor: User, confirmed: bool = False) -> Reflection:
    """Share the author's reflection with the people its visibility names, or refuse with
    :class:`ShareRefused` (holding the check's findings)."""
    reflection = own_reflection(reflection_id, actor, lock=True)
    check = check_for_sharing(reflection)
    refused = _refusal(reflection, check, confirmed)
    if refused:
        raise ShareRefused(*refused, check)
    reflection.findings = check.total
    reflection.status = R.PENDING if check.waits else R.PUBLISHED
    reflection.published_at = reflection.published_at or utcnow()
    sync_sharing(reflection)
    record(
        "reflection.shared",
        obj=reflection,
        actor=actor,
        tenant_id=reflection.tenant_id,
        summary=f"{reflection.visibility.label}, {plural(check.total, 'finding')}",
    )
    if reflection.is_hidden:
        tell_moderators(
            reflection,
            f"A hidden reflection was changed by its author: “{reflection.title}”. It stays "
            "hidden until a facilitator restores it.",
        )
    elif check.waits:
        tell_moderators(
            reflection,
            f"A reflection for the whole cohort waits for approval: "
            f"“{reflection.title}” ({check.total} possible identifying details).",
        )
    return reflection


def delete_reflection(reflection_id: int, *, actor: User) -> None:
    """The author deletes their reflection: it is gone for everyone, with its conversation."""
    reflection = own_reflection(reflection_id, actor, lock=True)
    record(
        "reflection.deleted",
        obj=reflection,
        actor=actor,
        tenant_id=reflection.tenant_id,
        summary=reflection.title or "Untitled",
    )
    forget_conversation(reflection.id)
    db.session.delete(reflection)
    db.session.flush()
