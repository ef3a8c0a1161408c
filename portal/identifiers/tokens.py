"""Word-level pieces shared by the rules: what a word is, and the words either side of a point.

Every pattern that starts with a repeat is anchored with a look-behind (``START``) so a
match can only start where a word starts.
"""

from __future__ import annotations

import re
from functools import lru_cache

LETTER = r"[^\W\d_]"  # one letter, in any alphabet
WORD = rf"{LETTER}++(?:['’\-]{LETTER}++)*"  # "Lily-Mae", "O'Neill", "Kerry's"
START = r"(?<![\w'’\-])"  # only where a word starts
RUN = rf"{START}{WORD}(?:[ ]{WORD}){{0,2}}"  # up to three words: "Darren Lee Whitfield"
ANY_WORD = re.compile(rf"{START}{WORD}")


def strip_possessive(word: str) -> str:
    return word[:-2] if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS" else word


def word_spans(run: str, offset: int) -> list[tuple[int, int, str]]:
    return [(offset + m.start(), offset + m.end(), m.group()) for m in re.finditer(WORD, run)]


def next_word(text: str, end: int) -> re.Match[str] | None:
    """The word after a single space at ``end``."""
    return ANY_WORD.match(text, end + 1) if text[end : end + 1] == " " else None


def previous_word(text: str, pos: int) -> tuple[int, int] | None:
    """The word before a single space at ``pos - 1``, as (start, end)."""
    if pos < 2 or text[pos - 1] != " " or text[pos - 2].isspace():
        return None
    end = start = pos - 1
    while start > 0 and not text[start - 1].isspace() and end - start < 40:
        start -= 1
    return start, end


@lru_cache(maxsize=8)
def words_in(text: str) -> tuple[re.Match[str], ...]:
    """Every word of ``text``, once: the rules that look at each word share the scan."""
    return tuple(ANY_WORD.finditer(text))
