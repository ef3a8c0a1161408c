"""Learning-board pages over HTTP: writing, the check, the conversation, moderation, search."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.boards.models import Reflection, ReflectionStatus
from portal.extensions import db as _db
from tests.test_boards import NAMES, RISKY, write
from tests.test_boards import boards as boards  # noqa: F401 - the fixture


def _start(client, board_id) -> str:
    response = client.post(f"/northbrook/boards/{board_id}/reflections", data={"template": "kolb"})
    assert response.status_code == 302
    return response.headers["Location"]


def test_write_check_and_share_through_the_pages(boards, login_as):
    client = login_as(boards["participant_a"])
    edit_url = _start(client, boards.cohort_board_id)
    page = client.get(edit_url).get_data(as_text=True)
    assert "## What happened" in page  # the Kolb prompts
    data = {"title": "A home visit", "body": RISKY, "themes": "Risk, home visits",
            "visibility": "cohort", "share": "Check and share"}  # fmt: skip
    to_check = client.post(edit_url, data=data)
    assert to_check.status_code == 302 and to_check.headers["Location"].endswith("/share")
    check = client.get(to_check.headers["Location"]).get_data(as_text=True)
    assert check.count('<mark class="portal-finding">') >= 2
    assert "Send for a facilitator" in check
    refused = client.post(to_check.headers["Location"], data={})
    assert "Confirm you have checked" in refused.get_data(as_text=True)
    sent = client.post(to_check.headers["Location"], data={"confirmed": "y"})
    assert sent.status_code == 302
    with tenancy.system_scope():
        reflection = _db.session.scalar(select(Reflection))
        assert reflection.status == ReflectionStatus.PENDING
        assert reflection.themes == ",risk,home-visits,"


def test_autosave_answers_htmx_with_a_status_line(boards, login_as):
    client = login_as(boards["participant_a"])
    edit_url = _start(client, boards.cohort_board_id)
    rid = int(re.search(r"/reflections/(\d+)/edit", edit_url).group(1))
    saved = client.post(
        f"/northbrook/reflections/{rid}/autosave",
        data={"title": "Half written", "body": "So far", "visibility": "authority"},
        headers={"HX-Request": "true"},
    )
    text = saved.get_data(as_text=True)
    assert "Draft saved at" in text and "<html" not in text
    with tenancy.system_scope():
        assert _db.session.get(Reflection, rid).title == "Half written"
    bad = client.post(f"/northbrook/reflections/{rid}/autosave", data={"title": "x" * 200})
    assert "Not saved" in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<div hx-get="/admin/users" hx-trigger="load">x</div>',
        '<a data-hx-post="/x" href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_hostile_text_renders_inert(boards, login_as, hostile):
    rid = write(boards, body=f"Reflection. {hostile}", title=f"T {hostile}"[:150])
    page = login_as(boards["participant_b"]).get(f"/eastmere/reflections/{rid}")
    html = page.get_data(as_text=True)
    written = html.split('<div class="portal-markdown">')[1].split("</div>")[0]
    title = html.split("<h1")[1].split("</h1>")[0]
    for part in (written, title):
        tags = re.findall(r"<[^>]+>", part)
        assert not any(re.search(r"\s(data-)?hx-|\son\w+=|javascript:", t) for t in tags), tags
        assert not any(t.startswith(("<script", "<img", "<div")) for t in tags), tags


def test_comment_helped_and_flag_pages(boards, login_as):
    rid = write(boards)
    client = login_as(boards["participant_b"])
    posted = client.post(f"/eastmere/reflections/{rid}/comments", data={"body": "Thank you"})
    assert posted.status_code == 302
    empty = client.post(f"/eastmere/reflections/{rid}/comments", data={"body": ""})
    assert empty.status_code == 400 and "Write a comment" in empty.get_data(as_text=True)
    helped = client.post(f"/eastmere/reflections/{rid}/helped", headers={"HX-Request": "true"})
    assert "1 person found this helpful" in helped.get_data(as_text=True)
    flagged = client.post(f"/eastmere/reflections/{rid}/flag", data={"reason": "Too detailed"})
    assert flagged.status_code == 302
    queue = login_as(boards["facilitator"]).get("/host/moderation").get_data(as_text=True)
    assert "Too detailed" in queue


def test_moderation_approves_and_hides(boards, login_as):
    rid = write(boards, body=RISKY, confirmed=True)
    facilitator = login_as(boards["facilitator"])
    assert "1 finding" in facilitator.get("/host/moderation").get_data(as_text=True) or (
        "findings" in facilitator.get("/host/moderation").get_data(as_text=True)
    )
    assert facilitator.post(f"/host/reflections/{rid}/approve").status_code == 302
    with tenancy.system_scope():
        assert _db.session.get(Reflection, rid).status == ReflectionStatus.PUBLISHED
    no_reason = facilitator.post(f"/host/reflections/{rid}/hide", data={"reason": ""})
    assert "Enter a reason" in no_reason.get_data(as_text=True)
    facilitator.post(f"/host/reflections/{rid}/hide", data={"reason": "Identifiable"})
    assert login_as(boards["participant_b"]).get(f"/eastmere/reflections/{rid}").status_code == 404


def test_another_authority_never_reaches_an_unshared_reflection(boards, login_as):
    rid = write(boards, visibility=__import__("portal").boards.models.Visibility.AUTHORITY)
    client = login_as(boards["participant_b"])
    for url in (
        f"/eastmere/reflections/{rid}",
        f"/eastmere/reflections/{rid}/flag",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/eastmere/reflections/{rid}/comments", f"/eastmere/reflections/{rid}/helped"):
        assert client.post(url, data={"body": "x", "reason": "x"}).status_code == 404, url
    search = client.get("/eastmere/boards/search?q=referral").get_data(as_text=True)
    assert "0 reflections" in search


def test_search_page_finds_words(boards, login_as):
    rid = write(boards, title="Chairing strategy", body="How the chair keeps focus.")
    write(boards, title="Other", body="Nothing about it.")
    client = login_as(boards["participant_b"])
    page = client.get("/eastmere/boards/search", query_string={"q": "chair"})
    html = page.get_data(as_text=True)
    assert "1 reflection" in html and f"/reflections/{rid}" in html
    part = client.get("/eastmere/boards/search", query_string={"q": "chair"},
                      headers={"HX-Request": "true"})  # fmt: skip
    html = part.get_data(as_text=True)
    assert '<div id="results">' in html and "<html" not in html
    assert 'id="results-status"' in html and "1 reflection found" in html  # announced


def test_digest_preferences(boards, login_as):
    client = login_as(boards["participant_b"])
    assert "checked" in client.get("/boards/digest").get_data(as_text=True)
    client.post("/boards/digest", data={})
    assert "checked" not in client.get("/boards/digest").get_data(as_text=True)


def test_facilitator_creates_a_board(boards, login_as):
    client = login_as(boards["facilitator"])
    form = client.get("/host/boards/new").get_data(as_text=True)
    audience = re.search(r'value="(cohort:\d+)"', form).group(1)
    done = client.post("/host/boards/new", data={"title": "Seminars", "audience": audience})
    assert done.status_code == 302
    boards_page = login_as(boards["participant_b"]).get("/eastmere/boards/").get_data(as_text=True)
    assert "Seminars" in boards_page


def test_names_are_distinct():
    assert len(set(NAMES.values())) == len(NAMES)
