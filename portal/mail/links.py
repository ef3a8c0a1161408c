"""Links in email: which may be clickable, and which must never be shown to a reader.

Email bodies mix the portal's own text and links with text people typed: names,
reflection titles, comments, reasons. Two rules follow.

- In the HTML part, only the portal's own links (on ``PORTAL_BASE_URL``'s origin) are
  links. Anything else that looks like a link (``http://evil.example``, ``www.…``,
  ``<a href=…>``, ``[x](…)``) is shown as the text it is.
- Some links are secrets: an invitation or password reset link signs someone in, a
  calendar feed address reads their diary. The centre admin's mailbox shows that such
  a link was sent, never the link. A message's ``kind`` marks its links secret where
  it is queued (:data:`SECRET_LINK_KINDS`); any link to a page that takes a ``token``
  in its address is treated as secret too, whatever the kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from portal.common.clock import london

URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence (or a bracket) rather than the link before it.
TRAILING = ".,;:!?)]}*"

# Kinds of email whose links are single-use secrets, and what the mailbox calls them.
SECRET_LINK_KINDS = {
    "invitation": "invitation link",
    "password_reset": "password reset link",
    "programme_start": "programme application link",
}
PRIVATE_LINK = "private link"


def _links(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of everything in ``text`` that looks like a web address."""
    found = []
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        if url.split("://", 1)[1]:  # not a bare "http://"
            found.append((match.start(), match.start() + len(url), url))
    return found


def _replace_links(text: str, replace: Callable[[str], Any], keep: Callable[[str], Any]) -> list:
    """``text`` in pieces: each link for which ``replace`` returns something is that
    something; the text between (and any link left alone) goes through ``keep``."""
    pieces, last = [], 0
    for start, end, url in _links(text):
        replacement = replace(url)
        if replacement is None:
            continue
        pieces += [keep(text[last:start]), replacement]
        last = end
    pieces.append(keep(text[last:]))
    return pieces


def is_portal_link(url: str) -> bool:
    """True for a link to one of the portal's own pages: the same scheme, host and port
    as ``PORTAL_BASE_URL`` (no ``user@`` part), under its path, with no query or fragment
    (the portal's links in email carry none)."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() == base.scheme.lower()
        and parts.netloc.lower() == base.netloc.lower()
        and parts.path.startswith(base.path + "/")
        and not parts.query
        and not parts.fragment
        and "\\" not in url
    )


def html_paragraphs(text: str) -> list[Markup]:
    """Plain text as safe HTML paragraphs, in which only the portal's own links are links."""

    def linked(line: str) -> Markup:
        def link(url: str) -> Markup | None:
            return Markup('<a href="{0}">{0}</a>').format(url) if is_portal_link(url) else None

        return Markup("").join(_replace_links(line, link, keep=escape))

    return [
        Markup("<br>").join(linked(line) for line in block.split("\n"))
        for block in text.strip().split("\n\n")
    ]


def takes_token(url: str) -> bool:
    """True for a link to a page whose address carries a secret (a route with a ``token``
    argument: an invitation, a password reset, a calendar feed), on any host."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return True  # cannot tell: do not show it
    base_path = urlsplit(current_app.config["PORTAL_BASE_URL"]).path.rstrip("/")
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path) :]
    adapter = current_app.url_map.bind("portal.invalid")
    try:
        rule, _ = adapter.match(path, method="GET", return_rule=True)
    except (HTTPException, RoutingException):
        return False
    return "token" in rule.arguments


def without_secret_links(text: str, *, kind: str, sent_at: datetime) -> str:
    """``text`` with every secret link replaced by a note that it was sent, e.g.
    ``[invitation link, sent 11 January 2027, 9:30am]``; other links are kept."""
    label = SECRET_LINK_KINDS.get(kind)

    def note(url: str) -> str | None:
        if label is None and not takes_token(url):
            return None
        return f"[{label or PRIVATE_LINK}, sent {london(sent_at)}]"

    return "".join(_replace_links(text, note, keep=str))
