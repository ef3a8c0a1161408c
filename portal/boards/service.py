"""The rules of learning boards. Every change to a reflection goes through here.

Who sees a reflection (``visible_to`` in SQL, ``can_see`` in Python, kept side by
side so lists, search, counts, the digest and notifications agree):

- its author, always;
- "me and my coach": facilitators who work with the author's authority;
- "my authority": the authority's partner staff, once shared;
- "the whole cohort": everyone in the cohort, once shared and, if the identifier
  check found anything, approved by a facilitator;
- facilitators and centre admins also see what waits for them or was hidden.

Between authorities the tenancy layer (ORM filter and row-level security) lets a
reflection out of its authority only while ``shared_cohort_id`` is set, which
``_sync_sharing`` does for a published, cohort-wide reflection and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, false, func, literal_column, or_, select, text, update
from sqlalchemy.orm import selectinload

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.audit.service import record
from portal.boards.markdown import excerpt, plain_text
from portal.boards.models import (
    Board,
    Comment,
    DigestPreference,
    Flag,
    Reaction,
    Reflection,
    ReflectionStatus,
    Visibility,
)
from portal.common.clock import LONDON, as_utc, utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.identifiers import Finding, find_identifiers
from portal.mail.service import queue_mail
from portal.notifications.service import notify
from portal.tenants.models import Cohort, Tenant

R = ReflectionStatus
V = Visibility
MODERATORS = (Role.FACILITATOR, Role.CENTRE_ADMIN)
WRITERS = (Role.PARTICIPANT, Role.PARTNER_MANAGER)
PAGE_SIZE = 20
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


def today() -> date:
    return utcnow().astimezone(LONDON).date()


def template_body(name: str | None) -> str:
    """A Markdown skeleton with one heading per prompt of the template."""
    if name not in TEMPLATES:
        return ""
    _, prompts = TEMPLATES[name]
    return "\n\n".join(f"## {heading}\n\n" for heading, _ in prompts)


def normalise_themes(raw: str | Iterable[str]) -> str:
    """ ",risk,supervision," from "Risk, supervision" (lower case, hyphenated, at most 8)."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    themes = []
    for item in items:
        theme = re.sub(r"[^a-z0-9]+", "-", item.strip().lower()).strip("-")[:40]
        if theme and theme not in themes:
            themes.append(theme)
    if len(themes) > 8:
        raise RuleError("Use at most 8 themes", "themes")
    return f",{','.join(themes)}," if themes else ""


# --- Who sees what ---------------------------------------------------------------------------


def is_moderator(user: User) -> bool:
    return user.role in MODERATORS


def _scope_ids() -> list[int]:
    return sorted(tenancy.current_scope() or ())


def visible_to(user: User):
    """SQL: the reflections ``user`` may see (within the tenant scope already applied)."""
    own_tenants = _scope_ids()
    shown = Reflection.status == R.PUBLISHED
    rule = or_(
        Reflection.author_id == user.id,
        and_(shown, Reflection.visibility == V.COHORT),
    )
    if user.role in WRITERS:
        rule = or_(
            rule,
            and_(
                shown, Reflection.visibility == V.AUTHORITY, Reflection.tenant_id.in_(own_tenants)
            ),
        )
    if user.role == Role.FACILITATOR:
        rule = or_(
            rule,
            and_(shown, Reflection.visibility.in_([V.COACH, V.AUTHORITY])),
        )
    if is_moderator(user):
        rule = or_(
            rule,
            and_(Reflection.visibility == V.COHORT, Reflection.status.in_([R.PENDING, R.HIDDEN])),
        )
    if user.role == Role.CENTRE_ADMIN:  # oversight, but not what is between coach and author
        rule = or_(rule, and_(shown, Reflection.visibility == V.AUTHORITY))
    return rule


def can_see(user: User, reflection: Reflection, user_tenant_ids: Iterable[int]) -> bool:
    """The same rule as :func:`visible_to`, for one person and one reflection (the digest
    and notifications use it for people other than the one signed in)."""
    if reflection.author_id == user.id:
        return True
    tenants = set(user_tenant_ids)
    in_reach = reflection.tenant_id in tenants or (
        reflection.shared_cohort_id is not None
        and reflection.shared_cohort_id in _cohorts_of(tenants)
    )
    if not in_reach:
        return False
    shown = reflection.status == R.PUBLISHED
    v = reflection.visibility
    if shown and v == V.COHORT:
        return True
    if user.role in WRITERS:
        return shown and v == V.AUTHORITY and reflection.tenant_id in tenants
    if user.role == Role.FACILITATOR and shown and v in (V.COACH, V.AUTHORITY):
        return True
    if is_moderator(user) and v == V.COHORT and reflection.status in (R.PENDING, R.HIDDEN):
        return True
    return user.role == Role.CENTRE_ADMIN and shown and v == V.AUTHORITY


def _cohorts_of(tenant_ids: Iterable[int]) -> set[int]:
    ids = list(tenant_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Tenant.cohort_id).where(Tenant.id.in_(ids))))


def _people_ids(user: User) -> list[int]:
    from portal.accounts.service import tenant_ids_for

    return tenant_ids_for(user)


def get_reflection(reflection_id: int, user: User) -> Reflection:
    """A reflection the user may see, or NotFound (a 404: never confirm it exists)."""
    reflection = db.session.scalar(
        select(Reflection)
        .where(Reflection.id == reflection_id, visible_to(user))
        .options(selectinload(Reflection.author), selectinload(Reflection.board))
    )
    if reflection is None:
        raise NotFound(reflection_id)
    return reflection


def _own(reflection_id: int, user: User, *, lock: bool = False) -> Reflection:
    query = select(Reflection).where(
        Reflection.id == reflection_id, Reflection.author_id == user.id
    )
    reflection = db.session.scalar(query.with_for_update() if lock else query)
    if reflection is None:
        raise NotFound(reflection_id)
    return reflection


# --- Boards ----------------------------------------------------------------------------------


def boards_for(tenant: Tenant) -> list[Board]:
    """The authority's cohort's boards and its own internal boards."""
    return list(
        db.session.scalars(
            select(Board)
            .where(
                Board.cohort_id == tenant.cohort_id,
                or_(Board.tenant_id.is_(None), Board.tenant_id == tenant.id),
            )
            .order_by(Board.tenant_id.is_not(None), Board.title)
        )
    )


def get_board(board_id: int, tenant: Tenant) -> Board:
    board = db.session.scalar(
        select(Board).where(
            Board.id == board_id,
            Board.cohort_id == tenant.cohort_id,
            or_(Board.tenant_id.is_(None), Board.tenant_id == tenant.id),
        )
    )
    if board is None:
        raise NotFound(board_id)
    return board


def create_board(
    *,
    actor: User,
    cohort: Cohort | None,
    tenant: Tenant | None,
    title: str,
    purpose: str = "",
    prompts: str = "",
) -> Board:
    if actor.role not in MODERATORS:
        raise RuleError("Only facilitators create boards")
    if cohort is None:
        raise RuleError("Select the cohort", "cohort")
    if tenant is not None and tenant.cohort_id != cohort.id:
        raise RuleError("That authority is not in this cohort", "tenant")
    title = (title or "").strip()
    if not title:
        raise RuleError("Enter a title", "title")
    if len(title) > 120:
        raise RuleError("The title must be 120 characters or fewer", "title")
    board = Board(
        cohort_id=cohort.id,
        tenant_id=tenant.id if tenant else None,
        title=title,
        purpose=(purpose or "").strip()[:2000],
        prompts=(prompts or "").strip()[:2000],
        created_by_id=actor.id,
    )
    db.session.add(board)
    db.session.flush()
    record("board.created", obj=board, actor=actor, tenant_id=board.tenant_id, summary=title)
    return board


def _writable(board: Board) -> None:
    if board.archived_on(today()):
        raise RuleError("This board is archived: it can be read but not added to")


# --- Writing ---------------------------------------------------------------------------------


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
    _writable(board)
    if session_id is not None:
        from portal.sessions.models import Place, Session

        attended = db.session.scalar(
            select(Session.id)
            .join(Place, Place.session_id == Session.id)
            .where(Session.id == session_id, Place.participant_id == actor.id)
        )
        if attended is None:
            session_id = None  # only a session they were in
    reflection = Reflection(
        tenant_id=tenant.id,
        board_id=board.id,
        author_id=actor.id,
        template=template if template in TEMPLATES else None,
        body=template_body(template),
        session_id=session_id,
        visibility=V.COHORT if board.is_cohort_wide else V.AUTHORITY,
    )
    db.session.add(reflection)
    db.session.flush()
    return reflection


def about_choices(user: User) -> list[tuple[str, str]]:
    """What a reflection can be linked to: the author's sessions and placements."""
    from portal.placements.models import Placement
    from portal.sessions.service import attended_by

    found = [
        (f"session:{s.id}", f"{s.title}, {s.starts_at.astimezone(LONDON):%-d %b %Y}")
        for s in attended_by(user)
    ]
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.participant_id == user.id)
        .options(selectinload(Placement.service))
    )
    found += [(f"placement:{p.id}", f"Placement: {p.service.name}") for p in placements]
    return found


def _link(reflection: Reflection, actor: User, about: str | None) -> None:
    """Link the reflection to one of the author's sessions or placements (or nothing)."""
    reflection.session_id = reflection.placement_id = None
    if not about:
        return
    if about not in dict(about_choices(actor)):
        raise RuleError("Select one of your own sessions or placements", "about")
    kind, _, raw = about.partition(":")
    if kind == "session":
        reflection.session_id = int(raw)
    else:
        reflection.placement_id = int(raw)


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
    """Save the author's words (the autosave, and "Save draft"). A shared reflection that is
    edited goes back through the check when it is shared again."""
    reflection = _own(reflection_id, actor, lock=True)
    _writable(reflection.board)
    title, body = (title or "").strip(), body or ""
    if len(title) > 150:
        raise RuleError("The title must be 150 characters or fewer", "title")
    if len(body) > 20000:
        raise RuleError("The reflection must be 20,000 characters or fewer", "body")
    if visibility is None:
        raise RuleError("Select who can see it", "visibility")
    if visibility == V.COHORT and not reflection.board.is_cohort_wide:
        raise RuleError("This is an internal board: choose your authority or fewer", "visibility")
    changed = (title, body, visibility) != (
        reflection.title,
        reflection.body,
        reflection.visibility,
    )
    reflection.title, reflection.body = title, body
    reflection.themes = normalise_themes(themes or "")
    if about is not None:
        _link(reflection, actor, about)
    reflection.visibility = visibility
    reflection.updated_at = utcnow()
    if changed and reflection.status != R.DRAFT:
        # Edited after sharing: back to a draft until shared (and checked) again.
        reflection.status = R.DRAFT
        reflection.approved_by_id = reflection.approved_at = None
        _sync_sharing(reflection)
    return reflection


def findings_for(reflection: Reflection) -> list[tuple[str, list[Finding]]]:
    """Identifier check on the title and the body: [("title", [...]), ("body", [...])]."""
    return [
        ("title", find_identifiers(reflection.title)),
        ("body", find_identifiers(reflection.body)),
    ]


def share(reflection_id: int, *, actor: User, confirmed: bool = False) -> Reflection:
    """Share a draft with the people its visibility names.

    Anything beyond the author is checked for details that could identify a child or
    family. With findings, the author must confirm (having seen them highlighted); a
    cohort-wide reflection with findings then waits for a facilitator's approval.
    """
    reflection = _own(reflection_id, actor, lock=True)
    _writable(reflection.board)
    if not reflection.title:
        raise RuleError("Give your reflection a title", "title")
    if not reflection.body.strip():
        raise RuleError("Write your reflection", "body")
    found = sum(len(items) for _, items in findings_for(reflection))
    reflection.findings = found
    if reflection.visibility != V.PRIVATE and found and not confirmed:
        raise RuleError("Check the highlighted details before you share")
    waits = reflection.visibility == V.COHORT and found > 0
    reflection.status = R.PENDING if waits else R.PUBLISHED
    reflection.published_at = reflection.published_at or utcnow()
    _sync_sharing(reflection)
    record(
        "reflection.shared",
        obj=reflection,
        actor=actor,
        tenant_id=reflection.tenant_id,
        summary=f"{reflection.visibility.label}, {found} finding(s)",
    )
    if waits:
        _tell_moderators(
            reflection,
            f"A reflection for the whole cohort waits for approval: "
            f"“{reflection.title}” ({found} possible identifying details).",
        )
    return reflection


def _sync_sharing(reflection: Reflection) -> None:
    """Let a reflection (and its conversation) out to the cohort exactly when it is a
    published, cohort-wide reflection; pull it back otherwise. Its comments, reactions
    and flags may belong to other authorities, so this reaches them in the system scope."""
    shared = None
    if reflection.visibility == V.COHORT and reflection.status == R.PUBLISHED:
        shared = reflection.board.cohort_id
    reflection.shared_cohort_id = shared
    db.session.flush()
    with tenancy.system_scope():
        for model in (Comment, Reaction, Flag):
            db.session.execute(
                update(model)
                .where(model.reflection_id == reflection.id)
                .values(shared_cohort_id=shared)
                .execution_options(synchronize_session=False)
            )


def delete_reflection(reflection_id: int, *, actor: User) -> None:
    """The author deletes their reflection: it is gone for everyone, with its conversation."""
    reflection = _own(reflection_id, actor, lock=True)
    record(
        "reflection.deleted",
        obj=reflection,
        actor=actor,
        tenant_id=reflection.tenant_id,
        summary=reflection.title or "Untitled",
    )
    with tenancy.system_scope():  # others' comments and reactions on it go too
        for model in (Flag, Reaction, Comment):
            db.session.execute(model.__table__.delete().where(model.reflection_id == reflection.id))
        db.session.delete(reflection)
        db.session.flush()


# --- Moderation ------------------------------------------------------------------------------


def _moderated(reflection_id: int, moderator: User) -> Reflection:
    if not is_moderator(moderator):
        raise RuleError("Only facilitators moderate reflections")
    reflection = db.session.scalar(
        select(Reflection).where(Reflection.id == reflection_id).with_for_update()
    )
    if reflection is None:
        raise NotFound(reflection_id)
    return reflection


def approve(reflection_id: int, *, moderator: User) -> Reflection:
    reflection = _moderated(reflection_id, moderator)
    if reflection.status != R.PENDING:
        raise RuleError("Only reflections waiting for approval can be approved")
    reflection.status = R.PUBLISHED
    reflection.approved_by_id, reflection.approved_at = moderator.id, utcnow()
    _sync_sharing(reflection)
    record(
        "reflection.approved",
        obj=reflection,
        actor=moderator,
        tenant_id=reflection.tenant_id,
        summary=reflection.title,
    )
    _tell(
        reflection.author,
        reflection,
        f"Your reflection “{reflection.title}” is now shared with the whole cohort.",
    )
    return reflection


def hide(reflection_id: int, *, moderator: User, reason: str) -> Reflection:
    reflection = _moderated(reflection_id, moderator)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason: the author will see it", "reason")
    reflection.status, reflection.hidden_reason = R.HIDDEN, reason[:500]
    _sync_sharing(reflection)
    _resolve_flags(reflection.id, moderator)
    record(
        "reflection.hidden",
        obj=reflection,
        actor=moderator,
        tenant_id=reflection.tenant_id,
        summary=reason[:200],
    )
    _tell(
        reflection.author,
        reflection,
        f"A facilitator hid your reflection “{reflection.title}”. Reason: {reason[:200]}",
    )
    return reflection


def restore(reflection_id: int, *, moderator: User) -> Reflection:
    reflection = _moderated(reflection_id, moderator)
    if reflection.status not in (R.HIDDEN, R.PENDING):
        raise RuleError("Only hidden or waiting reflections can be restored")
    reflection.status, reflection.hidden_reason = R.PUBLISHED, None
    _sync_sharing(reflection)
    _resolve_flags(reflection.id, moderator)
    record(
        "reflection.restored",
        obj=reflection,
        actor=moderator,
        tenant_id=reflection.tenant_id,
        summary=reflection.title,
    )
    return reflection


def toggle_pin(reflection_id: int, *, moderator: User) -> Reflection:
    reflection = _moderated(reflection_id, moderator)
    reflection.pinned_at = None if reflection.pinned_at else utcnow()
    return reflection


def _resolve_flags(reflection_id: int, moderator: User) -> None:
    with tenancy.system_scope():
        db.session.execute(
            update(Flag)
            .where(Flag.reflection_id == reflection_id, Flag.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolved_by_id=moderator.id)
            .execution_options(synchronize_session=False)
        )


def dismiss_flag(flag_id: int, *, moderator: User) -> None:
    if not is_moderator(moderator):
        raise RuleError("Only facilitators moderate reflections")
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        raise NotFound(flag_id)
    flag.resolved_at, flag.resolved_by_id = utcnow(), moderator.id


def hide_comment(comment_id: int, *, moderator: User, reason: str) -> Comment:
    if not is_moderator(moderator):
        raise RuleError("Only facilitators moderate comments")
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(comment_id)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason", "reason")
    comment.hidden_reason = reason[:500]
    return comment


def moderation_queue() -> tuple[list[Reflection], list[Flag]]:
    """What waits for a facilitator in the authorities in scope."""
    waiting = db.session.scalars(
        select(Reflection)
        .where(Reflection.status == R.PENDING)
        .options(selectinload(Reflection.author), selectinload(Reflection.tenant))
        .order_by(Reflection.published_at)
    ).all()
    flags = db.session.scalars(
        select(Flag)
        .where(Flag.resolved_at.is_(None))
        .options(
            selectinload(Flag.reflection).selectinload(Reflection.tenant),
            selectinload(Flag.comment),
            selectinload(Flag.user),
        )
        .order_by(Flag.created_at)
    ).all()
    return list(waiting), list(flags)


# --- Conversation ----------------------------------------------------------------------------


def _owner_tenant(actor: User, reflection: Reflection) -> int:
    """The authority a comment or reaction belongs to: the writer's own, or for host
    staff the reflection's (which must be one they work with)."""
    scope = tenancy.current_scope() or frozenset()
    if actor.is_host:
        if reflection.tenant_id not in scope:
            raise RuleError("You can only join conversations in authorities you work with")
        return reflection.tenant_id
    mine = [t for t in _people_ids(actor) if t in scope]
    if not mine:
        raise RuleError("You cannot comment here")
    return mine[0]


def add_comment(reflection_id: int, *, actor: User, body: str) -> Comment:
    reflection = get_reflection(reflection_id, actor)
    if reflection.status != R.PUBLISHED:
        raise RuleError("You can comment once the reflection is shared")
    _writable(reflection.board)
    body = (body or "").strip()
    if not body:
        raise RuleError("Write a comment", "body")
    if len(body) > 5000:
        raise RuleError("A comment must be 5,000 characters or fewer", "body")
    if reflection.visibility != V.PRIVATE:
        found = find_identifiers(body)
        if found:
            listed = "; ".join(f"“{f.text}”" for f in found[:5])
            raise RuleError(
                f"Remove details that could identify a child or family: {listed}", "body"
            )
    comment = Comment(
        tenant_id=_owner_tenant(actor, reflection),
        shared_cohort_id=reflection.shared_cohort_id,
        reflection_id=reflection.id,
        author_id=actor.id,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    people = {reflection.author_id} - {actor.id}
    for user in mentioned(body, reflection):
        if user.id != actor.id:
            people.add(user.id)
    _tell_ids(people, reflection, f"{actor.name} commented on “{reflection.title}”.")
    return comment


def mentioned(body: str, reflection: Reflection) -> list[User]:
    """People named as ``@Full Name`` who can see the reflection (anyone else is ignored)."""
    if "@" not in body:
        return []
    lowered = body.lower()
    with tenancy.system_scope():  # names only, then each person's own visibility decides
        people = db.session.scalars(select(User).where(User.active)).all()
        found = []
        for person in people:
            if f"@{person.name.lower()}" in lowered and can_see(
                person, reflection, _people_ids(person)
            ):
                found.append(person)
    return found


def toggle_reaction(reflection_id: int, *, actor: User) -> bool:
    """ "This helped me" on or off; returns whether it is now on."""
    reflection = get_reflection(reflection_id, actor)
    if reflection.status != R.PUBLISHED:
        raise RuleError("You can react once the reflection is shared")
    existing = db.session.scalar(
        select(Reaction).where(
            Reaction.reflection_id == reflection.id, Reaction.user_id == actor.id
        )
    )
    if existing is not None:
        db.session.delete(existing)
        return False
    db.session.add(
        Reaction(
            tenant_id=_owner_tenant(actor, reflection),
            reflection_id=reflection.id,
            user_id=actor.id,
            shared_cohort_id=reflection.shared_cohort_id,
        )
    )
    return True


def flag(reflection_id: int, *, actor: User, reason: str, comment_id: int | None = None) -> Flag:
    reflection = get_reflection(reflection_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Say what worries you", "reason")
    if comment_id is not None and db.session.get(Comment, comment_id) is None:
        raise NotFound(comment_id)
    item = Flag(
        tenant_id=_owner_tenant(actor, reflection),
        shared_cohort_id=reflection.shared_cohort_id,
        reflection_id=reflection.id,
        comment_id=comment_id,
        user_id=actor.id,
        reason=reason[:500],
    )
    db.session.add(item)
    db.session.flush()
    _tell_moderators(reflection, f"Flagged for a facilitator: “{reflection.title}”. {reason[:200]}")
    return item


def helped_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Reaction.reflection_id, func.count())
            .where(Reaction.reflection_id.in_(ids))
            .group_by(Reaction.reflection_id)
        ).all()
    )


def helped_by(user: User, reflection_id: int) -> bool:
    return (
        db.session.scalar(
            select(Reaction.id).where(
                Reaction.reflection_id == reflection_id, Reaction.user_id == user.id
            )
        )
        is not None
    )


def comment_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Comment.reflection_id, func.count())
            .where(Comment.reflection_id.in_(ids), Comment.hidden_reason.is_(None))
            .group_by(Comment.reflection_id)
        ).all()
    )


# --- Telling people --------------------------------------------------------------------------


def reflection_path(reflection: Reflection, tenant_id: int | None) -> str:
    slug = (
        db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)) if tenant_id else None
    )
    if slug is None:
        return f"/host/reflections/{reflection.id}"
    return f"/{slug}/reflections/{reflection.id}"


def _tell(user: User | None, reflection: Reflection, text: str) -> None:
    if user is not None:
        _tell_ids({user.id}, reflection, text)


def _tell_ids(user_ids: Iterable[int], reflection: Reflection, text_: str) -> None:
    """Notify each person who can see the reflection, on their own authority's page."""
    with tenancy.system_scope():
        for user in db.session.scalars(select(User).where(User.id.in_(list(user_ids)))):
            tenant_ids = _people_ids(user)
            if not user.active or not can_see(user, reflection, tenant_ids):
                continue
            home = None if user.is_host else (tenant_ids[0] if tenant_ids else None)
            notify(
                user_id=user.id, text=text_, link=reflection_path(reflection, home), tenant_id=home
            )
        db.session.flush()


def _tell_moderators(reflection: Reflection, text_: str) -> None:
    with tenancy.system_scope():
        ids = db.session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(User.role == Role.FACILITATOR, Membership.tenant_id == reflection.tenant_id)
        ).all()
    _tell_ids(set(ids), reflection, text_)


# --- Finding things --------------------------------------------------------------------------


def _matches(query: str):
    """Full-text match: PostgreSQL's own search, or SQLite's FTS5 in embedded mode."""
    if db.engine.dialect.name == "postgresql":
        # The stored tsvector column migration 0005 adds (PostgreSQL only), GIN-indexed.
        document = literal_column("reflections.search_vector")
        return document.op("@@")(func.websearch_to_tsquery(literal_column("'english'"), query))
    terms = re.findall(r"\w+", query)
    if not terms:
        return false()
    fts = " ".join('"' + term.replace('"', '""') + '"' for term in terms[:12])
    rows = text("SELECT rowid FROM reflections_fts WHERE reflections_fts MATCH :q").bindparams(
        q=fts
    )
    return Reflection.id.in_(rows)


def search(
    *,
    user: User,
    board_ids: list[int],
    query: str = "",
    theme: str = "",
    tenant_id: int | None = None,
    board_id: int | None = None,
    order: str = "newest",
    page: int = 1,
):
    """Reflections the user may see on these boards, filtered and ordered, one page."""
    statement = select(Reflection).where(visible_to(user), Reflection.board_id.in_(board_ids))
    statement = statement.where(or_(Reflection.status != R.DRAFT, Reflection.author_id == user.id))
    if query.strip():
        statement = statement.where(_matches(query.strip()[:200]))
    if theme:
        statement = statement.where(
            Reflection.themes.contains(f",{normalise_themes(theme).strip(',')},", autoescape=True)
        )
    if tenant_id:
        statement = statement.where(Reflection.tenant_id == tenant_id)
    if board_id:
        statement = statement.where(Reflection.board_id == board_id)
    if order == "helpful":
        helped = (
            select(func.count())
            .select_from(Reaction)
            .where(Reaction.reflection_id == Reflection.id)
            .scalar_subquery()
        )
        statement = statement.order_by(
            Reflection.pinned_at.is_(None), helped.desc(), Reflection.id.desc()
        )
    else:
        statement = statement.order_by(
            Reflection.pinned_at.is_(None),
            func.coalesce(Reflection.published_at, Reflection.updated_at).desc(),
            Reflection.id.desc(),
        )
    statement = statement.options(
        selectinload(Reflection.author),
        selectinload(Reflection.tenant),
        selectinload(Reflection.board),
    )
    return db.paginate(statement, page=max(page, 1), per_page=PAGE_SIZE, error_out=False)


# --- The weekly digest -----------------------------------------------------------------------

DIGEST_TOPIC = "boards:weekly-digest"


def wants_digest(user_id: int) -> bool:
    preference = db.session.get(DigestPreference, user_id)
    return preference is None or preference.weekly


def set_digest(user: User, weekly: bool) -> None:
    preference = db.session.get(DigestPreference, user.id)
    if preference is None:
        preference = DigestPreference(user_id=user.id)
        db.session.add(preference)
    preference.weekly = weekly


def digest_for(user: User, since: datetime) -> list[Reflection]:
    """New reflections (not their own) shared since ``since`` that the user may see."""
    return list(
        db.session.scalars(
            select(Reflection)
            .where(
                visible_to(user),
                Reflection.status == R.PUBLISHED,
                Reflection.author_id != user.id,
                Reflection.published_at >= since,
            )
            .options(selectinload(Reflection.tenant), selectinload(Reflection.board))
            .order_by(Reflection.published_at.desc())
            .limit(30)
        )
    )


def send_digest(user_id: int) -> int:
    """Build and queue one person's digest in their own scope; returns how many items."""
    with tenancy.system_scope():
        user = db.session.get(User, user_id)
        if user is None or not user.active or not wants_digest(user_id):
            return 0
        tenant_ids = _people_ids(user)
        preference = db.session.get(DigestPreference, user_id)
        since = (
            as_utc(preference.last_sent_at)
            if preference and preference.last_sent_at
            else (utcnow() - timedelta(days=7))
        )
    with tenancy.scoped(tenant_ids):
        items = digest_for(user, since)
        home = None if user.is_host else (tenant_ids[0] if tenant_ids else None)
        if items:
            base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
            lines = [
                f"- {r.title} ({r.tenant.name}, {r.board.title})\n  "
                f"{excerpt(plain_text(r.body), 160)}\n  {base}{reflection_path(r, home)}"
                for r in items
            ]
            queue_mail(
                to=user.email,
                subject=f"This week on the learning boards: {len(items)} new reflection"
                + ("s" if len(items) != 1 else ""),
                body=f"Hello {user.name},\n\nNew reflections you can read:\n\n"
                + "\n\n".join(lines)
                + f"\n\nTo stop these emails: {base}/boards/digest\n",
                kind="digest",
                tenant_id=home,
            )
        set_digest(user, True)
        db.session.get(DigestPreference, user.id).last_sent_at = utcnow()
        db.session.flush()
    return len(items)


def next_digest_time(now: datetime | None = None) -> datetime:
    """Monday 8am London, the next one after ``now``."""
    from portal.sessions.slots import local

    now = now or utcnow()
    day = now.astimezone(LONDON).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    when = local(day, datetime.min.time().replace(hour=8))
    return when if when > now else local(day + timedelta(days=7), when.astimezone(LONDON).time())


def schedule_weekly_digest() -> bool:
    """Make sure the next weekly run is in the outbox (once); True if one was added."""
    from portal.jobs.models import OutboxMessage, OutboxStatus
    from portal.jobs.service import enqueue

    with tenancy.system_scope():
        waiting = db.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.topic == DIGEST_TOPIC,
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.RELAYED]),
            )
        )
        if waiting:
            return False
        enqueue(
            "boards.weekly_digest", tenant_id=None, run_at=next_digest_time(), topic=DIGEST_TOPIC
        )
        db.session.flush()
    return True


def fan_out_digests() -> int:
    """The weekly run: one digest job per active person, then the next week's run."""
    from portal.jobs.service import enqueue

    with tenancy.system_scope():
        # One query for everyone who has not opted out (no preference row means yes).
        ids = db.session.scalars(
            select(User.id)
            .outerjoin(DigestPreference, DigestPreference.user_id == User.id)
            .where(User.active, or_(DigestPreference.weekly.is_(None), DigestPreference.weekly))
            .order_by(User.id)
        ).all()
        for user_id in ids:
            enqueue("boards.digest", tenant_id=None, user_id=user_id)
        enqueue(
            "boards.weekly_digest",
            tenant_id=None,
            run_at=next_digest_time(utcnow() + timedelta(hours=1)),
            topic=DIGEST_TOPIC,
        )
        db.session.flush()
    return len(ids)
