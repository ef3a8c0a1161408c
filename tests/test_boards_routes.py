"""Learning-board pages over HTTP: writing, the check, the conversation, moderation, search."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.boards.models import Reflection, ReflectionStatus
from portal.common.clock import utcnow
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
    assert "Send to a facilitator to check" in check
    assert 'name="confirmed"' not in check  # the facilitator checks it: no tick to vouch
    sent = client.post(to_check.headers["Location"], data={})
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


def test_a_facilitator_hides_a_post_from_an_authority_they_do_not_work_with(boards, login_as):
    rid = write(boards, key="participant_b", title="Eastmere's post")
    reader = login_as(boards["participant_a"])
    flagged = reader.post(f"/northbrook/reflections/{rid}/flag", data={"reason": "Names a school"})
    assert flagged.status_code == 302
    facilitator = login_as(boards["facilitator"])  # works with Northbrook only
    assert "Names a school" in facilitator.get("/host/moderation").get_data(as_text=True)
    assert facilitator.get(f"/host/reflections/{rid}/hide").status_code == 200
    hidden = facilitator.post(f"/host/reflections/{rid}/hide", data={"reason": "It names one"})
    assert hidden.status_code == 302
    assert "No open flags" in facilitator.get("/host/moderation").get_data(as_text=True)
    assert reader.get(f"/northbrook/reflections/{rid}").status_code == 404
    author = login_as(boards["participant_b"]).get(f"/eastmere/reflections/{rid}")
    assert "Hidden by a facilitator: It names one" in author.get_data(as_text=True)
    page = facilitator.get(f"/host/reflections/{rid}").get_data(as_text=True)
    assert "Restore" in page and ">Hide<" not in page
    assert facilitator.post(f"/host/reflections/{rid}/restore").status_code == 302
    assert (
        facilitator.post(f"/host/reflections/{rid}/pin", data={"pinned": "on"}).status_code == 302
    )
    assert "Pinned" in reader.get(f"/northbrook/reflections/{rid}").get_data(as_text=True)


NINE_THEMES = ",".join(f"theme{n}" for n in range(9))


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"theme": NINE_THEMES}, "at most 8 themes"),
        ({"order": "unknown"}, "Select an order from the list"),
        ({"authority": "not-a-number"}, "Select an authority from the list"),
        ({"authority": "9" * 30}, "Select an authority from the list"),
        ({"board": "1e9"}, "Select a board from the list"),
        ({"q": "x" * 201}, "200 characters or fewer"),
    ],
)
def test_a_search_with_a_bad_value_shows_what_is_wrong(boards, login_as, args, problem):
    write(boards, title="Chairing strategy", body="How the chair keeps focus.")
    client = login_as(boards["participant_b"])
    page = client.get("/eastmere/boards/search", query_string=args)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "govuk-error-summary" in html and problem in html
    assert "<title>Error: " in html
    board = client.get(f"/eastmere/boards/{boards.cohort_board_id}", query_string=args)
    assert board.status_code in (200, 400)
    swapped = client.get(
        "/eastmere/boards/search", query_string=args, headers={"HX-Request": "true"}
    )
    part = swapped.get_data(as_text=True)
    assert swapped.status_code == 200  # htmx swaps only a success in
    assert '<div id="results">' in part and problem in part and "<html" not in part


@pytest.mark.parametrize("args", [{"q": "chair\x00ing"}, {"theme": "risk\x00"}, {"page": "2\x00"}])
def test_a_search_with_a_nul_byte_is_refused_with_a_clear_page(boards, login_as, args):
    page = login_as(boards["participant_b"]).get("/eastmere/boards/search", query_string=args)
    assert page.status_code == 400
    assert "characters in it that nobody types" in page.text


@pytest.mark.parametrize(
    "args",
    [{"page": "9" * 30}, {"page": "-1"}, {"page": "²"}, {"tenant": "not-a-number"}, {}],
)
def test_odd_values_for_the_rest_of_a_search_are_ignored(boards, login_as, args):
    rid = write(boards, title="Chairing strategy", body="How the chair keeps focus.")
    page = login_as(boards["participant_b"]).get("/eastmere/boards/search", query_string=args)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "govuk-error-summary" not in html
    assert f"/reflections/{rid}" in html or args.get("page") == "9" * 30


def test_a_search_for_several_themes_finds_posts_with_all_of_them(boards, login_as):
    both = write(boards, title="Both", themes="risk, supervision")
    write(boards, title="One", themes="risk")
    client = login_as(boards["participant_b"])
    html = client.get("/eastmere/boards/search", query_string={"theme": "Supervision, risk"})
    text = html.get_data(as_text=True)
    assert "1 reflection" in text and f"/reflections/{both}" in text


def test_flagging_a_comment_from_another_reflection_is_not_found(boards, login_as):
    one, other = write(boards, title="One"), write(boards, title="Other")
    client = login_as(boards["participant_b"])
    client.post(f"/eastmere/reflections/{other}/comments", data={"body": "Thank you"})
    with tenancy.system_scope():
        from portal.boards.models import Comment

        comment_id = _db.session.scalar(select(Comment.id))
    flagged = client.post(
        f"/eastmere/reflections/{one}/flag", data={"reason": "Unkind", "comment": comment_id}
    )
    assert flagged.status_code == 404


def test_a_double_click_on_this_helped_me_leaves_it_on(boards, login_as):
    rid = write(boards)
    client = login_as(boards["participant_b"])
    page = client.get(f"/eastmere/reflections/{rid}").get_data(as_text=True)
    assert 'name="helped" value="on"' in page
    for _ in range(2):
        answer = client.post(
            f"/eastmere/reflections/{rid}/helped",
            data={"helped": "on"},
            headers={"HX-Request": "true"},
        ).get_data(as_text=True)
    assert "1 person found this helpful" in answer and 'aria-pressed="true"' in answer
    assert 'name="helped" value="off"' in answer
    off = client.post(f"/eastmere/reflections/{rid}/helped", data={"helped": "off"},
                      headers={"HX-Request": "true"})  # fmt: skip
    assert "0 people found this helpful" in off.get_data(as_text=True)


def test_sharing_runs_the_identifier_check_once_per_text(boards, login_as, monkeypatch):
    from portal.identifiers import check

    calls = []
    real = check._without_overlaps
    monkeypatch.setattr(check, "_without_overlaps", lambda c: calls.append(1) or real(c))
    client = login_as(boards["participant_a"])
    edit_url = _start(client, boards.cohort_board_id)
    client.post(edit_url, data={"title": "A visit", "body": RISKY, "visibility": "authority"})
    share_url = edit_url.replace("/edit", "/share")
    calls.clear()
    refused = client.post(share_url, data={})
    assert refused.status_code == 200
    assert "Confirm you have checked" in refused.get_data(as_text=True)
    assert len(calls) == 2, "the title and the body, each checked once"
    calls.clear()
    assert client.post(share_url, data={"confirmed": "y"}).status_code == 302
    assert len(calls) == 2


def test_a_participant_reflects_on_a_visit_from_its_page(boards, login_as):
    """The session page's button starts a Kolb draft about the session on the cohort's
    open board (boards chooses the board: sessions knows nothing of boards)."""
    from portal.sessions.models import Place, Session, SessionKind

    author = boards["participant_a"]
    with tenancy.system_scope():
        start = utcnow() - timedelta(days=2)
        visit = Session(
            tenant_id=boards.a.id, kind=SessionKind.JOINT_VISIT, title="Joint visit",
            host_id=boards["host_practitioner"].id, starts_at=start,
            ends_at=start + timedelta(hours=1), location="Online",
        )  # fmt: skip
        _db.session.add(visit)
        _db.session.flush()
        _db.session.add(Place(tenant_id=boards.a.id, session_id=visit.id, participant_id=author.id))
        _db.session.commit()
        visit_id = visit.id
    client = login_as(author)
    response = client.post(f"/northbrook/reflections/about-session/{visit_id}")
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    with tenancy.scoped({boards.a.id}):
        draft = _db.session.scalar(select(Reflection).where(Reflection.session_id == visit_id))
        assert draft.author_id == author.id and draft.template == "kolb"
    # Someone who was not in it, or another authority, finds nothing there.
    assert login_as(boards["partner_manager_a"]).post(
        f"/northbrook/reflections/about-session/{visit_id}"
    ).status_code == 404  # fmt: skip
    assert login_as(boards["participant_b"]).post(
        f"/eastmere/reflections/about-session/{visit_id}"
    ).status_code == 404  # fmt: skip
