"""The words of a reflection that its readers see, listed once.

Both rules about them read this list, so a field added to it is covered by both and a
field left out by neither: a change to any of them takes a shared reflection back to a
draft (``writing.save_draft``), and the identifier check reads each of them before the
reflection is shared again (``writing.check_for_sharing``). A new column that readers see
belongs here (``tests/test_boards_security.py`` fails until it is, or is named as not
words). Comments are checked as they are written (``conversation.add_comment``).
"""

from __future__ import annotations

from collections.abc import Callable

from portal.boards.models import Reflection
from portal.boards.themes import themes_as_words

# Each field, and its text as the identifier check reads it (and as the share page shows it).
SHARED_TEXT: dict[str, Callable[[Reflection], str]] = {
    "title": lambda reflection: reflection.title or "",
    "body": lambda reflection: reflection.body or "",
    "themes": lambda reflection: themes_as_words(reflection.theme_list),
}


def shared_text(reflection: Reflection) -> dict[str, str]:
    """Every text of the reflection its readers see, by field, in :data:`SHARED_TEXT`'s order."""
    return {field: text_of(reflection) for field, text_of in SHARED_TEXT.items()}
