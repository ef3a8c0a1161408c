"""``@Full Name`` in a comment: who is meant.

A mention is an ``@`` (not inside a word, so not an email address) followed by a
person's whole name, matched as whole words and ignoring case: "@Sam," and "@Sam."
mention Sam, "@Samira" does not. Where names overlap ("@Sam Lee" when there is a Sam
and a Sam Lee), the longest wins. Only candidates are read: people whose name starts
with a word that follows an ``@``, in one query.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from portal.accounts.models import User
from portal.boards.models import Reflection
from portal.boards.people import reach_of
from portal.boards.visibility import can_see
from portal.extensions import db

MENTION = re.compile(r"(?<!\w)@(\w+)")
MOST_WORDS = 20  # a comment mentioning more people than this is not asking for them all


def mention_words(body: str) -> list[str]:
    """The first word after each ``@``, each once."""
    words: dict[str, str] = {}
    for match in MENTION.finditer(body or ""):
        words.setdefault(match.group(1).casefold(), match.group(1))
    return list(words.values())[:MOST_WORDS]


def _pattern(name: str) -> re.Pattern:
    words = (re.escape(word) for word in name.split())
    return re.compile("@" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def names_in(body: str, names: dict[int, str]) -> set[int]:
    """Which of these people (id -> name) the body mentions."""
    patterns = {id_: _pattern(name) for id_, name in names.items() if name.split()}
    found: set[int] = set()
    for match in MENTION.finditer(body or ""):
        hits = [
            (len(" ".join(names[id_].split())), id_)
            for id_, pattern in patterns.items()
            if pattern.match(body, match.start())
        ]
        if hits:
            longest = max(length for length, _ in hits)
            found |= {id_ for length, id_ in hits if length == longest}
    return found


def candidates(body: str) -> dict[int, str]:
    """Active people whose name starts with a word that follows an ``@`` (id -> name)."""
    words = mention_words(body)
    if not words:
        return {}
    starts = or_(*(User.name.istartswith(word, autoescape=True) for word in words))
    return dict(db.session.execute(select(User.id, User.name).where(User.active, starts)).all())


def mentioned_ids(body: str) -> set[int]:
    """Everyone the body mentions, whether or not they can see where it is written."""
    return names_in(body, candidates(body))


def mentioned(body: str, reflection: Reflection) -> list[User]:
    """People named as ``@Full Name`` who can see the reflection (anyone else is ignored)."""
    ids = mentioned_ids(body)
    if not ids:
        return []
    people = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all()
    reach = reach_of(people)
    return [person for person in people if can_see(person, reflection, reach[person.id])]
