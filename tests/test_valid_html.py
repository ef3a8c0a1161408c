"""Every page is valid HTML by the Nu HTML Checker itself (tests/html_checker.py): each
GET route, as each role allowed it (the access matrix's routes and records), and the
public pages, plus the pages a form with errors renders. Browser journeys check every
page they visit the same way (tests/browser/helpers.py check_page)."""

from __future__ import annotations

import pytest

from tests.html_checker import nu_errors
from tests.test_access import ALLOWED, PUBLIC, ROLE_KEYS, _rules, _url
from tests.test_access import ids as ids  # noqa: F401 - the fixture

pytestmark = pytest.mark.html


def _pages(client, urls) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[url] = response.get_data(as_text=True)
    return pages


def _problems(pages: dict[str, str]) -> list[str]:
    return [f"{url}: {error}" for url, html in pages.items() for error in nu_errors(html)]


def test_the_public_pages_are_valid_html(app, world, ids):
    urls = [
        _url(app, r, world, ids) for r in _rules(app) if r.endpoint in PUBLIC and "GET" in r.methods
    ]
    pages = _pages(app.test_client(), urls)
    assert len(pages) >= 4, sorted(pages)  # sign-in, forgotten password, privacy, ...
    problems = _problems(pages)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_every_page_a_role_sees_is_valid_html(app, world, ids, login_as, role_key):
    client = login_as(world[role_key])
    urls = [
        _url(app, rule, world, ids)
        for rule in _rules(app)
        if "GET" in rule.methods and role_key in ALLOWED.get(rule.endpoint, ())
    ]
    pages = _pages(client, urls)
    assert pages, "no page answered"
    problems = _problems(pages)
    assert not problems, f"{len(problems)} errors on {len(pages)} pages:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("role_key", "path", "data"),
    [
        ("partner_manager_a", "/northbrook/people/invite", {}),
        ("partner_manager_a", "/northbrook/placements/new", {"starts_on": ["31", "2", "2027"]}),
        ("centre_admin", "/admin/users/invite", {}),
    ],
)
def test_a_form_with_errors_is_valid_html(app, world, login_as, role_key, path, data):
    response = login_as(world[role_key]).post(path, data=data)
    assert response.status_code == 200 and "There is a problem" in response.text
    assert not nu_errors(response.text)


def test_an_applicants_pages_are_valid_html(world, login_as):
    from portal.common.clock import frozen_at
    from tests.test_programme_applying import (
        DURING,
        applicant,
        complete,
        form_of,
        make_round,
        started,
    )

    with frozen_at(DURING):
        held = make_round(world)
        person = applicant()
        made = started(held, person)
        client = login_as(person)
        base = f"/programme/applications/{made}"
        pages = _pages(client, ["/programme/apply", "/programme/applications", base,
                                f"{base}/check", f"{base}/equality"])  # fmt: skip
        refused = client.post(base, data=form_of(held, management_years="many", save="Save"))
        assert "Enter the years as a whole number" in refused.text
        pages["the draft with an error"] = refused.text
        complete(made, person)
        assert client.post(f"{base}/check").status_code == 302
        pages["submitted"] = client.get(base).text
    assert len(pages) == 7, sorted(pages)
    problems = _problems(pages)
    assert not problems, "\n".join(problems)
