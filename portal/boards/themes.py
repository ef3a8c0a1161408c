"""Themes: the tags on a reflection, kept in one normal form for storing and searching."""

from __future__ import annotations

import re
from collections.abc import Iterable

from portal.errors import RuleError

MOST_THEMES = 8


def theme_list(raw: str | Iterable[str]) -> list[str]:
    """["risk", "home-visits"] from "Risk, home visits": lower case, hyphenated, each at
    most 40 characters, no repeats, at most 8."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    themes: list[str] = []
    for item in items:
        theme = re.sub(r"[^a-z0-9]+", "-", item.strip().lower()).strip("-")[:40]
        if theme and theme not in themes:
            themes.append(theme)
    if len(themes) > MOST_THEMES:
        raise RuleError(f"Use at most {MOST_THEMES} themes", "themes")
    return themes


def normalise_themes(raw: str | Iterable[str]) -> str:
    """ ",risk,supervision," from "Risk, supervision": the stored form, delimited at each
    end so one theme is matched whole."""
    themes = theme_list(raw)
    return f",{','.join(themes)}," if themes else ""


def themes_as_words(themes: Iterable[str]) -> str:
    """The stored themes as words, for the identifier check: "Kerry Smith, 14 Elm Road
    W8 7NX" from ["kerry-smith", "14-elm-road-w8-7nx"]. Their capitals are gone, so each
    word gets one back (one with a digit in it is all capitals, as postcodes are written):
    a name or a postcode in a theme is found as it would be in the body. Cautious, as the
    check is: an ordinary word that is also a name ("grace") is put to the author too."""
    return ", ".join(" ".join(map(_as_written, theme.split("-"))) for theme in themes)


def _as_written(word: str) -> str:
    return word.upper() if any(c.isdigit() for c in word) else word.capitalize()
