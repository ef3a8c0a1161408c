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
