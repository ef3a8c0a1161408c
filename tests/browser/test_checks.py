"""The page checks themselves: they must fail when a page is wrong, JavaScript on or off."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from . import helpers
from .helpers import assert_accessible, assert_accessible_once, check_page, html_problems

PROBE = """<!DOCTYPE html>
<html lang="en"><head><title>Probe</title></head>
<body><main>
  <h1>Probe</h1>
  <img src="/static/favicon.svg">
  <noscript><button type="button"></button></noscript>
  <script>
    document.querySelector("main").insertAdjacentHTML("beforeend", '<input type="text">');
  </script>
</main></body></html>"""


@pytest.mark.browser
def test_axe_sees_what_the_visitor_sees(new_page, js):
    """Both ways, axe reports the shared fault (an image with no text). With JavaScript
    on it also sees the unlabelled field a script added; with it off, the empty
    button inside <noscript> instead."""
    page = new_page(js=js)
    page.route(
        "**/__probe__",
        lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=PROBE),
    )
    page.goto("/__probe__")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    report = str(failure.value)
    assert f"(JavaScript {'on' if js else 'off'})" in report
    assert "image-alt (critical)" in report
    assert "- img:" in report  # the failing node is named
    assert ("label (" in report) is js
    assert ("button-name (" in report) is not js


VALID = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Fine</title></head>
<body><main>
  <h1>Fine</h1>
  <p>Some <a href="#name">text</a>.<br></p>
  <form method="post">
    <label for="name">Name</label>
    <input id="name" name="name" aria-describedby="name-hint">
    <div id="name-hint">Your name</div>
    <label>Agree <input type="checkbox" name="agree"></label>
    <input type="hidden" name="csrf_token" value="x">
    <button type="submit">Save</button>
  </form>
</main></body></html>"""


def test_markup_check_passes_valid_html():
    assert html_problems(VALID) == []


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("<p>Some", "<p><div>Some</div>", "<div> inside <p>"),
        ('<div id="name-hint">', '<div id="name">', "id 'name' is also used"),
        ('<input id="name"', '<input id="nom"', "has no label"),
        ('aria-describedby="name-hint"', 'aria-describedby="hint"', "missing id 'hint'"),
        ('href="#name"', 'href="#nowhere"', "a href refers to missing id 'nowhere'"),
        ("<h1>Fine</h1>", "<h1>Fine</h2>", "</h2> closes <h1>"),
        ("<br></p>", "<br></p></span>", "</span> closes <main>"),
        ("</form>", "", "</main> closes <form>"),
        ("</html>", "</html><div>", "<div> is never closed"),
        ("</html>", "</html></div>", "</div> with nothing open"),
        ('<button type="submit">', '<button type="submit" type="button">', "more than once"),
        ('<html lang="en">', "<html>", "<html> has no lang"),
        ("<h1>Fine</h1>", "<h1>Fine</h1><h1>Again</h1>", "2 <h1> headings"),
        ("<!DOCTYPE html>", "", "no <!DOCTYPE html>"),
        ('<form method="post">', '<form method="post" action="">', "empty action"),
        ("<br>", "<br></br>", "</br> closes a void element"),
        ('<button type="submit">Save', '<button type="submit"><a href="#">Save</a>', "inside a"),
    ],
)
def test_markup_check_finds_faults(before, after, problem):
    assert before in VALID
    problems = html_problems(VALID.replace(before, after, 1))
    assert any(problem in p for p in problems), problems


@pytest.mark.browser
def test_axe_runs_once_per_page_type_and_the_markup_check_on_every_page(new_page, js, monkeypatch):
    """Two people's pages are one type to axe; the same page with an error summary is
    another. The markup of every page served is still checked."""
    monkeypatch.setattr(helpers, "_axe_passed", set())
    summary = '<main><div class="govuk-error-summary" role="alert"><p>There is a problem</p></div>'
    bodies = {
        "/northbrook/people/101": VALID,
        "/northbrook/people/102": VALID.replace("Your name", "Their name"),
        "/northbrook/people/103": VALID.replace("<main>", summary, 1),
        "/northbrook/people/104": VALID.replace('<div id="name-hint">', '<div id="name">'),
    }
    page = new_page(js=js)
    page.route(
        "**/northbrook/people/*",
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8", body=bodies[urlsplit(route.request.url).path]
        ),
    )

    page.goto("/northbrook/people/101")
    check_page(page)
    assert len(helpers._axe_passed) == 1
    assert assert_accessible_once(page) is False  # the same page: already checked
    page.goto("/northbrook/people/102")
    check_page(page)
    assert len(helpers._axe_passed) == 1  # another person, the same type of page
    page.goto("/northbrook/people/103")
    check_page(page)
    assert len(helpers._axe_passed) == 2  # with an error summary: another type
    page.goto("/northbrook/people/104")
    with pytest.raises(AssertionError, match="id 'name' is also used"):
        check_page(page)
