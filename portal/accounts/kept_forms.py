"""What was typed when the idle timeout came, kept until the person signs in again.

The idle timeout (portal/accounts/sign_in_sessions.py) must not lose work (WCAG
2.2.1). A form sent after it ran out, or handed over by the page's own warning just
before it does (``static/js/timeout.js``), is kept here against the account and the
page the form was on. After signing in again that page opens with the form filled in
as it was (``portal.common.forms.PortalForm``), once; then the copy is deleted. An
unclaimed copy goes after ``KEEP_FOR``. Secrets never reach it: the CSRF token and
anything named like a password are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from portal.accounts.models import KeptForm
from portal.common.clock import utcnow
from portal.extensions import db

KEEP_FOR = timedelta(hours=12)
MAX_FIELDS = 200
MAX_CHARACTERS = 200_000  # all values together: a long reflection is about 20,000
NOT_KEPT = ("csrf_token", "password", "next")


def page_of(referrer: str | None, host: str, fallback: str) -> str:
    """The page (path and query) a form was sent from: the Referer when it is this
    site's (the policy is same-origin, so browsers send it), else ``fallback``."""
    if referrer:
        parts = urlsplit(referrer)
        page = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc == host and page.startswith("/") and len(page) <= 500:
            return page
    return fallback[:500]


def worth_keeping(sent: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The fields of a form that someone typed, in order, without secrets, bounded."""
    kept, size = [], 0
    for name, value in sent:
        if any(word in name.lower() for word in NOT_KEPT) or not isinstance(value, str):
            continue
        size += len(value)
        if len(kept) >= MAX_FIELDS or size > MAX_CHARACTERS:
            break
        kept.append([name[:100], value])
    return kept


def keep(user_id: int, path: str, sent: Iterable[tuple[str, str]]) -> bool:
    """Keep what ``user_id`` sent from the page at ``path`` (the newest copy per page);
    returns whether anything was worth keeping. Old copies of theirs go at the same time."""
    fields = worth_keeping(sent)
    if not any(value.strip() for _, value in fields):
        return False
    db.session.execute(
        delete(KeptForm).where(
            KeptForm.user_id == user_id,
            (KeptForm.path == path) | (KeptForm.created_at < utcnow() - KEEP_FOR),
        )
    )
    db.session.add(KeptForm(user_id=user_id, path=path, fields=fields))
    return True


def _recent(user_id: int, path: str):
    """A copy ``user_id`` kept of ``path`` in the last ``KEEP_FOR``."""
    return (
        (KeptForm.user_id == user_id)
        & (KeptForm.path == path)
        & (KeptForm.created_at >= utcnow() - KEEP_FOR)
    )


def take(user_id: int, path: str) -> MultiDict | None:
    """What ``user_id`` typed on the page at ``path``, if a recent copy is kept; the copy
    is deleted in the same statement, so it fills the form once."""
    fields = db.session.scalar(
        delete(KeptForm).where(_recent(user_id, path)).returning(KeptForm.fields)
    )
    return MultiDict([tuple(pair) for pair in fields]) if fields else None


def waiting(user_id: int | None, path: str) -> bool:
    """Whether a recent copy of what ``user_id`` typed on ``path`` is kept."""
    if user_id is None:
        return False
    return db.session.scalar(select(KeptForm.id).where(_recent(user_id, path))) is not None
