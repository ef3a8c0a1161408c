"""Checks every page a journey visits: axe-core's WCAG 2.2 A/AA rules, and the markup.

``check_page(page)`` runs both. It works the same whether the page's context has
JavaScript on or off (see :func:`assert_accessible` for how).

The markup check is cheap and runs on every page served. axe takes a few hundred
milliseconds a page, and journeys see the same pages again and again, so it runs once
per *page type* in a test run (in each pytest-xdist worker): the route that served
the page, JavaScript on or off, and the kinds of element it shows (see
:func:`page_type`). A page in another state (an error summary, a banner, an empty list
rather than a full one) is another type, and is checked too.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from flask import current_app, has_app_context
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal import tenancy
from portal.extensions import db
from portal.mail.models import MailMessage
from tests.html_checker import nu_errors

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_js_enabled: WeakKeyDictionary = WeakKeyDictionary()  # BrowserContext -> bool
_last_document: WeakKeyDictionary = WeakKeyDictionary()  # Page -> its latest HTML Response


def register_context(context, *, js: bool) -> None:
    """Remember whether ``context`` runs JavaScript, and keep each page's raw HTML response."""
    _js_enabled[context] = js

    def remember(response) -> None:
        request = response.request
        if request.resource_type == "document" and request.frame.parent_frame is None:
            _last_document[request.frame.page] = response

    context.on("response", remember)


def js_enabled(context) -> bool:
    if context in _js_enabled:
        return _js_enabled[context]
    raise LookupError("open pages with the new_page fixture, so their JavaScript setting is known")


def check_page(page) -> None:
    """The page as it is now is valid, labelled markup with no WCAG 2.2 A/AA violations
    (axe: once per page type, see :func:`assert_accessible_once`)."""
    page.wait_for_load_state("load")
    assert_valid_html(page)
    assert_accessible_once(page)


# --- Page types -------------------------------------------------------------------------

_axe_passed: set[tuple] = set()  # page types axe has found nothing wrong with, this run

# The kinds of element a page shows: tag, classes, role and type, each kind once.
_ELEMENT_KINDS = """() => {
  const kinds = new Set();
  for (const element of document.querySelectorAll("body *")) {
    let kind = element.localName;
    for (const name of [...element.classList].sort()) kind += "." + name;
    for (const name of ["role", "type"]) {
      if (element.hasAttribute(name)) kind += `[${name}=${element.getAttribute(name)}]`;
    }
    kinds.add(kind);
  }
  return [...kinds].sort();
}"""


def _route(page) -> str:
    """The endpoint that serves the page's address (or the path, if none does)."""
    path = urlsplit(page.url).path
    if not has_app_context():
        return path
    adapter = current_app.url_map.bind("localhost")
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(path, method=method)
        except RequestRedirect:
            return path
        except HTTPException as error:
            if error.code == 405:
                continue
            return f"{error.code}"  # e.g. the not-found page, whatever the address
        return endpoint
    return path


def page_type(page) -> tuple:
    """What two visits must share to be the same page to axe: the route, JavaScript on or
    off, the HTTP status and method of the document, and the kinds of element shown."""
    document = _last_document.get(page)
    served = (document.request.method, document.status) if document is not None else None
    kinds = tuple(page.evaluate(_ELEMENT_KINDS))
    return (_route(page), js_enabled(page.context), served, kinds)


def assert_accessible_once(page) -> bool:
    """:func:`assert_accessible`, unless a page of this type has already passed it in
    this run. True if axe ran."""
    key = page_type(page)
    if key in _axe_passed:
        return False
    assert_accessible(page)
    _axe_passed.add(key)
    return True


# --- axe-core ---------------------------------------------------------------------------


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def _run_axe(page) -> list[dict]:
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(_axe_source())
    return page.evaluate(_RUN_AXE, WCAG_TAGS)


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_NOSCRIPT_TAG = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)
_checkers: WeakKeyDictionary = WeakKeyDictionary()  # Browser -> {origin: Page}


def _checker_page(page):
    """A JavaScript-enabled page on ``page``'s origin with axe loaded, kept for the run."""
    browser = page.context.browser
    parts = urlsplit(page.url)
    origin = f"{parts.scheme}://{parts.netloc}"
    checkers = _checkers.setdefault(browser, {})
    checker = checkers.get(origin)
    if checker is None or checker.is_closed():
        context = browser.new_context(java_script_enabled=True, bypass_csp=True)
        register_context(context, js=True)
        checker = context.new_page()
        blank = f"{origin}/__axe-check__"
        checker.route(
            blank,
            lambda route: route.fulfill(
                content_type="text/html; charset=utf-8",
                body="<!DOCTYPE html><title>axe-core check</title>",
            ),
        )
        checker.goto(blank)
        checkers[origin] = checker
    return checker


def _run_axe_on_copy(page) -> list[dict]:
    """axe on a JavaScript-off page: that page's DOM, scripts removed (and <noscript>
    content kept, as a browser without JavaScript shows it), written into a
    JavaScript-enabled page on the same origin and viewport size, so the stylesheets,
    images and colours are exactly those the visitor had. Nothing is requested again,
    so the page of a POST or a single-use link is checked as it was shown."""
    html = _NOSCRIPT_TAG.sub("", _SCRIPT.sub("", page.content()))
    checker = _checker_page(page)
    if page.viewport_size:
        checker.set_viewport_size(page.viewport_size)
    checker.set_content(html)  # document.write: axe, already loaded, survives it
    return _run_axe(checker)


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation in what ``page`` shows now.

    With JavaScript on, axe runs in the page itself. With it off, Chromium still
    evaluates Playwright's scripts but never fires their timers, so ``axe.run``
    would never finish; the page's own DOM is checked in a JavaScript-enabled copy
    instead (see :func:`_run_axe_on_copy`).
    """
    js = js_enabled(page.context)
    violations = _run_axe(page) if js else _run_axe_on_copy(page)
    if violations:
        lines = [
            f"axe-core found {len(violations)} WCAG 2.2 A/AA violation(s) on {page.url} "
            f"(JavaScript {'on' if js else 'off'}):"
        ]
        for v in violations:
            lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"    - {node['target']}: {summary}")
        raise AssertionError("\n".join(lines))


# --- Markup -----------------------------------------------------------------------------

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Elements that may not appear inside <p> (the parser would silently end the paragraph).
NOT_IN_PARAGRAPH = {
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "dialog",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
}
INTERACTIVE = {"a", "button", "details", "embed", "iframe", "label", "select", "textarea"}
IDREF_ATTRIBUTES = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "list", "form")
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "image", "reset"}


class _MarkupChecker(HTMLParser):
    """A strict reading of the served HTML: every element closed in order, no
    duplicate ids or attributes, references that resolve, labels on every field."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[tuple[str, int]] = []
        self.ids: dict[str, int] = {}
        self.references: list[tuple[str, str, int]] = []  # (attribute, id, line)
        self.fields: list[tuple[str, str | None, bool, int]] = []  # tag, id, labelled, line
        self.label_for: set[str] = set()
        self.counts = {"main": 0, "h1": 0}
        self.doctype = False
        self.html_lang = False

    def problem(self, text: str) -> None:
        self.problems.append(f"line {self.getpos()[0]}: {text}")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_startendtag(self, tag, attrs) -> None:
        if tag not in VOID:
            self.problem(f"<{tag}/> is not self-closing in HTML")
        self.handle_starttag(tag, attrs, void=True)

    def handle_starttag(self, tag, attrs, void: bool = False) -> None:
        line = self.getpos()[0]
        names = [name for name, _ in attrs]
        for name in {n for n in names if names.count(n) > 1}:
            self.problem(f"<{tag}> has the attribute {name} more than once")
        attributes = dict(attrs)
        open_tags = {t for t, _ in self.stack}
        if tag == "html":
            self.html_lang = bool(attributes.get("lang"))
        if tag in self.counts:
            self.counts[tag] += 1
        if "p" in open_tags and tag in NOT_IN_PARAGRAPH:
            self.problem(f"<{tag}> inside <p>")
        for name in ("action", "src"):
            if name in attributes and not (attributes[name] or "").strip():
                self.problem(f"<{tag}> has an empty {name} (leave it out instead)")
        if tag == "form" and "form" in open_tags:
            self.problem("<form> inside another <form>")
        if (tag in INTERACTIVE or (tag == "input" and attributes.get("type") != "hidden")) and (
            open_tags & {"a", "button"}
        ):
            self.problem(f"interactive <{tag}> inside a link or button")
        if "id" in attributes:
            ident = attributes["id"] or ""
            if not ident or any(c.isspace() for c in ident):
                self.problem(f"<{tag}> has an empty id or one with spaces: {ident!r}")
            elif ident in self.ids:
                self.problem(f"id {ident!r} is also used on line {self.ids[ident]}")
            else:
                self.ids[ident] = line
        for name in IDREF_ATTRIBUTES:
            for ident in (attributes.get(name) or "").split():
                self.references.append((f"{tag} {name}", ident, line))
        href = attributes.get("href") or ""
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.references.append(("a href", href[1:], line))
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        if tag in {"input", "select", "textarea"} and (
            attributes.get("type") not in UNLABELLED_INPUT_TYPES
        ):
            labelled = bool(
                "label" in open_tags
                or attributes.get("aria-label")
                or attributes.get("aria-labelledby")
            )
            self.fields.append((tag, attributes.get("id"), labelled, line))
        if tag not in VOID and not void:
            self.stack.append((tag, line))

    def handle_endtag(self, tag) -> None:
        if tag in VOID:
            self.problem(f"</{tag}> closes a void element")
            return
        if not self.stack:
            self.problem(f"</{tag}> with nothing open")
            return
        open_tag, line = self.stack[-1]
        if open_tag != tag:
            self.problem(f"</{tag}> closes <{open_tag}> opened on line {line}")
            if any(t == tag for t, _ in self.stack):
                while self.stack and self.stack[-1][0] != tag:
                    self.stack.pop()
                self.stack.pop()
            return
        self.stack.pop()

    def finish(self) -> list[str]:
        self.close()
        if not self.doctype:
            self.problems.append("no <!DOCTYPE html>")
        if not self.html_lang:
            self.problems.append("<html> has no lang")
        for tag, line in self.stack:
            self.problems.append(f"line {line}: <{tag}> is never closed")
        for what, ident, line in self.references:
            if ident not in self.ids:
                self.problems.append(f"line {line}: {what} refers to missing id {ident!r}")
        for tag, ident, labelled, line in self.fields:
            if not labelled and ident not in self.label_for:
                self.problems.append(f"line {line}: <{tag} id={ident!r}> has no label")
        if self.counts["main"] != 1:
            self.problems.append(f"{self.counts['main']} <main> elements (want 1)")
        if self.counts["h1"] != 1:
            self.problems.append(f"{self.counts['h1']} <h1> headings (want 1)")
        return self.problems


def html_problems(html: str) -> list[str]:
    checker = _MarkupChecker()
    checker.feed(html)
    return checker.finish()


def assert_valid_html(page) -> None:
    """The HTML the server sent for the current page (not the browser's repaired DOM)."""
    response = _last_document.get(page)
    assert response is not None, f"no HTML response recorded for {page.url}"
    assert response.url.split("#", 1)[0] == page.url.split("#", 1)[0], (
        f"the last HTML response was for {response.url}, but the page is at {page.url}"
    )
    html = response.text()
    problems = html_problems(html) + nu_errors(html)
    assert not problems, f"markup problems on {page.url}:\n  " + "\n  ".join(problems)


# --- Journeys ---------------------------------------------------------------------------


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def emailed_link(recipient: str, kind: str) -> str:
    """The path of the link in the latest email of ``kind`` to ``recipient``.

    Read from the portal's mail table (the mailbox hides such links), once the
    background work that writes the email (a password reset's) has run.
    """
    import time

    from tests.support import run_jobs

    for _ in range(20):  # on a busy machine the server's commit can trail its answer
        run_jobs()
        with tenancy.system_scope():
            body = db.session.scalar(
                select(MailMessage.body_text)
                .where(MailMessage.recipient == recipient, MailMessage.kind == kind)
                .order_by(MailMessage.id.desc())
                .limit(1)
            )
        db.session.rollback()  # end the read, so the server's writes never wait for it
        if body is not None:
            break
        time.sleep(0.25)
    assert body is not None, f"no {kind} email to {recipient}"
    match = re.search(r"https?://\S+", body)
    assert match, f"no link in the {kind} email to {recipient}:\n{body}"
    # Links are built from PORTAL_BASE_URL; the live server is on another port.
    parts = urlsplit(match.group())
    return parts.path + (f"?{parts.query}" if parts.query else "")


def body_has_js_class(page) -> bool:
    """Whether GOV.UK Frontend's inline script ran (it marks <body> when JavaScript runs)."""
    return page.evaluate("document.body.classList.contains('js-enabled')")


def choose_person(page, label: str, name: str) -> None:
    """Pick ``name`` in a list of people: the plain select without JavaScript; with it,
    the searchable field (GOV.UK's accessible autocomplete), by typing and choosing."""
    from playwright.sync_api import expect  # the conftest says how to install it

    field = page.get_by_label(label, exact=True)
    if field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(label=name)
        return
    field.fill(name.split()[0][:4])
    page.get_by_role("option", name=name).click()
    expect(field).to_have_value(name)
