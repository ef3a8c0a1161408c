"""Reflections in Markdown, rendered as inert HTML for colleagues in other authorities.

Safety comes from two independent steps, so a bug in either one alone is not
enough to get markup into the page:

1. **Markdown with HTML off.** markdown-it-py parses the text in CommonMark mode
   with ``html`` disabled, so anything that looks like a tag (``<script>``,
   ``<div hx-get=...>``, comments) is shown as text. A core rule then rewrites the
   token stream: headings start at ``h3``, one level for each level the text uses
   (``#`` then ``###`` are ``h3`` then ``h4``), so a reflection never breaks the page
   outline, images become their alt text, links that are
   not absolute ``http``/``https``/``mailto`` become plain text, every attribute
   markdown-it would emit other than ``href`` and ``start`` is dropped, and the
   GOV.UK Frontend classes are added.
2. **An allow-list sanitiser.** nh3 (Ammonia) re-parses that HTML and keeps only
   the tags in :data:`ALLOWED_TAGS`, only ``href`` on ``a`` and ``start`` on
   ``ol``, only the exact classes in :data:`ALLOWED_CLASSES`, only ``http``,
   ``https`` and ``mailto`` URLs (relative ones are stripped), and adds
   ``rel="noopener noreferrer nofollow"`` to links. There is no ``style``, no
   ``id``, no event handler and no ``data-*``/``hx-*`` attribute, so htmx on the
   surrounding page finds nothing to act on.

:func:`plain_text` and :func:`excerpt` give the readable text for search, digests
and email. Their output is text, not HTML: escape it (Jinja autoescaping does)
before putting it in a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_TAGS",
    "excerpt",
    "plain_text",
    "render",
]

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "del", "s", "blockquote", "ul", "ol", "li", "code", "pre",
        "h3", "h4", "h5", "h6", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# The GOV.UK Frontend classes added to each tag; also the sanitiser's class allow-list.
_CLASSES: dict[str, str] = {
    "p": "govuk-body",
    "a": "govuk-link",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "h3": "govuk-heading-m",
    "h4": "govuk-heading-s",
    "h5": "govuk-heading-s",
    "h6": "govuk-heading-s",
    "blockquote": "govuk-inset-text",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
}
ALLOWED_CLASSES: dict[str, set[str]] = {tag: set(names.split()) for tag, names in _CLASSES.items()}

# The page owns h1 and h2: a text's headings start at h3, one level per level it uses,
# so "## What happened" under a page's h2 is an h3, and "#" then "###" are h3 then h4
# (the outline never skips a level, which the Nu HTML Checker reports as an error).
_TOP = 3
# After markdown-it's normalisation (percent-encoding, trimmed), checked again by nh3.
_SAFE_HREF = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)
# Attributes markdown-it may emit that we keep (before the sanitiser sees them).
_KEEP_ATTRS = {"a": {"href"}, "ol": {"start"}}


def _inline_text(tokens: Iterable[Token]) -> str:
    """The readable text of inline tokens (text, code, image alt text, line breaks)."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n" if token.type == "hardbreak" else " ")
        elif token.type == "image":
            parts.append(_inline_text(token.children or []))
    return "".join(parts)


def _tidy_inline(children: list[Token]) -> list[Token]:
    """Images become their alt text; unsafe links become their text; attributes trimmed."""
    result: list[Token] = []
    dropped: list[bool] = []  # one entry per open link: was its link_open dropped?
    for token in children:
        if token.type == "image":
            text = Token("text", "", 0)
            text.content = _inline_text(token.children or [])
            result.append(text)
            continue
        if token.type == "link_open":
            unsafe = not _SAFE_HREF.match(str(token.attrGet("href") or ""))
            dropped.append(unsafe)
            if unsafe:
                continue
        elif token.type == "link_close" and dropped and dropped.pop():
            continue
        _tidy_attrs(token)
        result.append(token)
    return result


def _tidy_attrs(token: Token) -> None:
    """Keep only the attributes we mean to emit, then add the GOV.UK class."""
    if token.nesting == -1:
        return
    keep = _KEEP_ATTRS.get(token.tag, set())
    token.attrs = {name: value for name, value in token.attrs.items() if name in keep}
    if token.tag in _CLASSES:
        token.attrSet("class", _CLASSES[token.tag])


def _heading_tags(tokens: list[Token]) -> dict[str, str]:
    """Each Markdown heading level the text uses -> its tag, from h3 down, no gaps."""
    used = sorted({t.tag for t in tokens if t.type == "heading_open"})
    return {tag: f"h{min(_TOP + rank, 6)}" for rank, tag in enumerate(used)}


def _govuk_and_safety(state: StateCore) -> None:
    """markdown-it core rule: rewrite the parsed tokens before they are rendered."""
    headings = _heading_tags(state.tokens)
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = headings[token.tag]
        if token.type == "fence":
            token.info = ""  # no language-* class on <code>
        elif token.type == "inline":
            token.children = _tidy_inline(token.children or [])
        else:
            _tidy_attrs(token)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.core.ruler.push("govuk_and_safety", _govuk_and_safety)
    return md


_MD = _markdown()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=set(URL_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


def render(text: str) -> Markup:
    """Markdown -> sanitised HTML, safe to put in a page as it is."""
    html = _CLEANER.clean(_MD.render(text or ""))
    # The HTML has just been through the nh3 allow-list sanitiser above.
    return Markup(html)  # noqa: S704


# Block tokens after which plain text needs at least this many line breaks.
_BREAKS = dict.fromkeys(
    ("paragraph_close", "heading_close", "blockquote_close", "table_close", "fence", "code_block"),
    2,
) | {"hr": 2, "list_item_close": 1, "tr_close": 1}


def plain_text(text: str) -> str:
    """The readable text of the Markdown, without markup: blocks separated by blank lines.

    Lists keep a ``-`` or ``1.`` marker (indented when nested) and table cells are
    joined with ``|``. Entities are decoded (``&lt;`` becomes ``<``): this is text.
    """
    parts: list[str] = []
    numbers: list[int | None] = []  # per open list: the next item number, or None for bullets
    previous = ""
    for token in _MD.parse(text or ""):
        kind, breaks = token.type, _BREAKS.get(token.type, 0)
        if kind == "bullet_list_open":
            numbers.append(None)
        elif kind == "ordered_list_open":
            numbers.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            breaks = 1 if numbers else 2
        elif kind == "list_item_open":
            number = numbers[-1]
            parts.append("  " * (len(numbers) - 1) + ("- " if number is None else f"{number}. "))
            if number is not None:
                numbers[-1] = number + 1
        elif kind == "inline":
            parts.append(_inline_text(token.children or []))
        elif kind in ("fence", "code_block"):
            parts.append(token.content)
        elif kind in ("th_open", "td_open") and previous != "tr_open":
            parts.append(" | ")
        elif kind == "paragraph_close" and token.hidden:  # tight list item
            breaks = 1
        if breaks:
            _end_block(parts, breaks)
        previous = kind
    return "\n".join(line.rstrip() for line in "".join(parts).splitlines()).strip("\n")


def _end_block(parts: list[str], breaks: int) -> None:
    """End the text so far with ``breaks`` newlines (or the 1 or 2 it already ends with)."""
    trailing = 0
    while parts:
        stripped = parts[-1].rstrip(" \n")
        trailing += parts[-1].count("\n", len(stripped))
        if stripped:
            parts[-1] = stripped
            break
        parts.pop()
    if parts:
        parts.append("\n" * max(breaks, min(trailing, 2)))


def excerpt(text: str, length: int = 200) -> str:
    """At most ``length`` characters of plain text on one line, cut at a word with "…"."""
    if length < 1:
        raise ValueError("length must be at least 1")
    flat = " ".join(plain_text(text).split())
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1]
    if flat[length - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]  # don't end in the middle of a word
    return cut.rstrip(" ,;:.-–—") + "…"


def highlight(text: str, findings) -> Markup:
    """The text with each finding wrapped in <mark>, everything else escaped."""
    out, last = [], 0
    for finding in findings:
        out.append(escape(text[last : finding.start]))
        out.append(Markup('<mark class="portal-finding">{}</mark>').format(finding.text))
        last = finding.end
    out.append(escape(text[last:]))
    return Markup("").join(out)
