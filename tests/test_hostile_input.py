"""Whatever comes in, never a 500.

Walks ``app.url_map`` as a signed-in user of each role (the access matrix's world and
ids, tests/test_access.py) and sends every route it may use:

- every int in its path as 2³¹ and 2⁶³, every string as a NUL byte;
- its query string with every parameter the code reads (found in the source) set to
  NUL bytes, huge numbers, extreme dates and unknown choices;
- every form on its page, submitted with each field set to the same;
- (as an admin, to every route that takes a POST) a 10 MB body.

The answer must be a clear page (400, 404 or 413 with a heading) or the route's own
answer, never a 5xx. Each case is tried once, by the first role that reaches it (the
routes are split into shards, each walked by every role in turn).
"""

from __future__ import annotations

import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from tests import test_access
from tests.test_access import ALLOWED, PUBLIC, ROLE_KEYS, _build, _rules, _url, _values

ids = test_access.ids  # the access matrix's rows, as a fixture here too

SHARDS = 4  # the routes in four groups, so pytest-xdist's workers share the sweep
NUL = "bad\x00value"
HUGE = (str(2**31), str(2**63))


def _extreme(year: str, month: str, day: str):
    """A date at one end of the calendar, in the shape the parameter takes."""

    def value(name: str) -> str:
        if "month" in name:
            return f"{year}-{month}"
        if name in ("start", "starts_at"):
            return f"{year}-{month}-{day}T23:59:59+00:00"
        return f"{year}-{month}-{day}"

    return value


# Each variant gives every parameter a value by its name.
HOSTILE = {
    "NUL bytes": lambda name: NUL,
    "huge numbers": lambda name: "9" * 40,
    "year 1": _extreme("0001", "01", "01"),
    "year 9999": _extreme("9999", "12", "31"),
    "unknown choices": lambda name: "no-such-choice",
}
DATE_BOXES = {"year 1": ("1", "1", "1"), "year 9999": ("31", "12", "9999")}
SKIP_FIELDS = {"csrf_token"}
# The portal's own query-string parameters, read from its source.
SOURCE = Path(__file__).resolve().parent.parent / "portal"
QUERY_NAMES = sorted(
    {
        name
        for path in SOURCE.rglob("*.py")
        for name in re.findall(
            r"request\.args(?:\.get\(|\[)\s*[\"'](\w+)[\"']", path.read_text(encoding="utf-8")
        )
    }
    | {"page", "q", "theme", "order", "role", "action", "tenant", "service", "week", "day"}
)


class Forms(HTMLParser):
    """The forms on a page: method, action and fields (with a choice's options)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").upper(),
                    "action": attrs.get("action") or "",
                    "fields": {},
                    "boxes": {},
                }
            )
        elif self.forms and tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            if not name or name in SKIP_FIELDS or attrs.get("type") in ("submit", "image"):
                return
            fields, boxes = self.forms[-1]["fields"], self.forms[-1]["boxes"]
            if name in fields and tag == "input" and attrs.get("type") not in ("radio", "checkbox"):
                boxes[name] = boxes.get(name, 1) + 1  # several boxes, one name
            fields.setdefault(name, attrs.get("value") or "")


def forms_on(html: str, page_url: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(form["action"] or page_url).path or page_url
    return [f for f in parser.forms if f["fields"]]


def _five_hundreds(response, what) -> list:
    if response.status_code >= 500:
        return [(response.status_code, *what)]
    if (
        response.status_code in (400, 404, 413)
        and response.mimetype == "text/html"
        and "govuk-heading-l" not in response.text
    ):
        return [(response.status_code, "no clear page", *what)]
    return []


class Sweep:
    def __init__(self, app, world, ids, login_as):
        self.app, self.world, self.ids, self.login_as = app, world, ids, login_as
        self.tried: set = set()
        self.wrong: list = []
        self.sent = 0

    def once(self, key) -> bool:
        if key in self.tried:
            return False
        self.tried.add(key)
        return True

    def send(self, client, role, method, url, **kwargs):
        response = client.open(url, method=method, **kwargs)
        self.sent += 1
        self.wrong += _five_hundreds(response, (role, method, url, str(kwargs)[:200]))
        if response.status_code == 302 and response.headers["Location"].startswith("/sign-in"):
            self.login_as(self.world[role], client)  # a POST ended the session: carry on
        return response

    def routes_for(self, role, shard: int):
        for rule in _rules(self.app):
            if zlib.crc32(rule.endpoint.encode()) % SHARDS != shard:
                continue
            if rule.endpoint in PUBLIC or role in ALLOWED.get(rule.endpoint, ()):
                yield rule

    def path_variants(self, rule) -> list[str]:
        """The route's URL with each argument (the authority's slug aside) made hostile."""
        values = _values(rule, self.world, self.ids)
        urls = []
        for arg, converter in rule._converters.items():
            if arg == "tenant_slug":
                continue
            for value in HUGE if isinstance(converter, IntegerConverter) else (NUL,):
                urls.append(_build(self.app, rule.endpoint, {**values, arg: value}))
        return urls

    def walk(self, role, shard: int):
        client = self.login_as(self.world[role])
        for rule in self.routes_for(role, shard):
            url = _url(self.app, rule, self.world, self.ids)
            methods = sorted(m for m in rule.methods if m in ("GET", "POST"))
            if self.once(("path", rule.endpoint)):
                for bad in self.path_variants(rule):
                    for method in methods:
                        response = self.send(client, role, method, bad)
                        if response.status_code not in (400, 404, 302):
                            self.wrong.append((response.status_code, "path", role, method, bad))
            if "GET" in methods and self.once(("query", rule.endpoint)):
                for value in HOSTILE.values():
                    query = urlencode({name: value(name) for name in QUERY_NAMES})
                    self.send(client, role, "GET", f"{url}?{query}")
            if "GET" in methods:
                page = client.get(url)
                if page.mimetype == "text/html":
                    self.submit_forms(client, role, page.text, url)

    def submit_forms(self, client, role, html, page_url):
        for form in forms_on(html, page_url):
            if form["action"] in ("/sign-out",):
                continue
            key = ("form", form["method"], form["action"], tuple(sorted(form["fields"])))
            if not self.once(key):
                continue
            for variant, value in HOSTILE.items():
                data = {name: value(name) for name in form["fields"]}
                for name, count in form["boxes"].items():  # a GOV.UK date: day, month, year
                    data[name] = list(DATE_BOXES.get(variant, [value(name)] * count))
                if form["method"] == "GET":
                    query = urlencode(data, doseq=True)
                    self.send(client, role, "GET", f"{form['action']}?{query}")
                else:
                    self.send(client, role, "POST", form["action"], data=data)


@pytest.fixture
def answering_errors(app, monkeypatch):
    """Let a server error come back as the 500 page it would be, so the sweep counts it."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.usefixtures("answering_errors")
def test_no_route_answers_hostile_input_with_a_server_error(app, world, ids, login_as, shard):
    """Every role walks this shard of the routes; a case one role tried is not tried again."""
    sweep = Sweep(app, world, ids, login_as)
    for role in ROLE_KEYS:
        sweep.walk(role, shard)
    assert sweep.sent > 100, f"the sweep sent only {sweep.sent} requests"
    assert not sweep.wrong, "\n".join(map(str, sweep.wrong))


def test_a_ten_megabyte_body_is_refused_with_a_clear_page(app, world, ids, login_as):
    client = login_as(world["centre_admin"])
    body = b"x=" + b"a" * (10 * 1024 * 1024)
    wrong = []
    for rule in _rules(app):
        if "POST" not in rule.methods:
            continue
        url = _url(app, rule, world, ids)
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        if response.status_code != 413 or "too large" not in response.text:
            wrong.append((url, response.status_code))
    assert not wrong, wrong


def test_a_form_with_too_many_fields_is_refused(app, world, login_as):
    client = login_as(world["centre_admin"])
    fields = {f"f{n}": "x" for n in range(600)}
    response = client.post("/admin/users/invite", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/admin/users?role=no-such-role", 400),
        ("/admin/users?role=participant", 200),
        (f"/admin/users/{2**31}", 404),
        (f"/admin/users/{2**63}", 404),
        (f"/admin/users/{2**31 - 1}", 404),
        ("/admin/audit?tenant=99999999999999999999", 200),
        ("/admin/audit?action=%00", 400),
        ("/host/week?day=9999-12-31", 200),
        ("/host/week?day=0001-01-01", 200),
    ],
)
def test_the_input_layer_by_example(app, world, login_as, url, status):
    response = login_as(world["centre_admin"]).get(url)
    assert response.status_code == status
    if status == 400:
        assert "There is a problem with your request" in response.text


def test_text_with_tabs_and_line_breaks_is_still_taken(app, world, login_as):
    from portal.common.inputs import has_control_characters

    assert not has_control_characters("Line one\r\n\tLine two")
    assert has_control_characters("NUL\x00")
    assert has_control_characters("escape\x1b[31m")
