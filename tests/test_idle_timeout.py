"""The idle timeout warns before it comes and loses nothing typed (issue 13, point 3).

Before: with JavaScript off, "Save draft" half an hour after the last click signed the
person out and the reflection's text was gone; nothing said the timeout was coming.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts import kept_forms
from portal.accounts.models import KeptForm, SignInSession
from portal.common.clock import move_clock
from portal.extensions import db
from tests.test_accounts import PASSWORD, sign_in
from tests.test_boards import boards, write  # noqa: F401 - the boards fixture

PARTICIPANT = "participant@northbrook.example"
HTMX = {"HX-Request": "true"}
TYPED = "Today I sat in on a strategy meeting and saw how the chair kept the focus."


@pytest.fixture
def draft(app, boards):  # noqa: F811
    reflection_id = write(boards, share=False)
    with app.test_request_context():
        return url_for("boards.edit", tenant_slug="northbrook", reflection_id=reflection_id)


def signed_in(app):
    client = app.test_client()
    sign_in(client, PARTICIPANT)
    return client


def save_draft(client, page: str, **headers):
    return client.post(
        page,
        data={"title": "Strategy", "body": TYPED, "visibility": "private", "save": "Save draft"},
        headers={"Referer": f"http://localhost{page}", **headers},
    )


def kept(user) -> list[KeptForm]:
    db.session.expire_all()
    return list(db.session.scalars(select(KeptForm).where(KeptForm.user_id == user.id)))


def test_a_draft_saved_after_the_timeout_comes_back_after_signing_in(app, boards, draft):  # noqa: F811
    client = signed_in(app)
    assert client.get(draft).status_code == 200
    move_clock(timedelta(minutes=31))

    response = save_draft(client, draft)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={draft}"
    page = client.get(response.headers["Location"])
    assert "What you typed has been kept: sign in again" in page.text
    [copy] = kept(boards["participant_a"])
    assert ["body", TYPED] in copy.fields

    back = client.post("/sign-in", data={"email": PARTICIPANT, "password": PASSWORD, "next": draft})
    assert back.headers["Location"] == draft
    page = client.get(draft)

    assert TYPED in page.text
    assert "What you typed before you were signed out is back in the form" in page.text
    assert kept(boards["participant_a"]) == []  # once only
    assert TYPED not in client.get(draft).text  # the draft itself was never saved


def test_what_is_kept_returns_only_to_its_owner_and_only_on_its_page(app, boards, draft):  # noqa: F811
    client = signed_in(app)
    move_clock(timedelta(minutes=31))
    save_draft(client, draft)

    other = app.test_client()
    sign_in(other, "manager@northbrook.example", next=draft)
    assert TYPED not in other.get(draft).text
    assert len(kept(boards["participant_a"])) == 1

    sign_in(client, PARTICIPANT, next="/northbrook/")  # signing in to another page
    client.get("/northbrook/")
    assert TYPED not in client.get(draft).text
    assert len(kept(boards["participant_a"])) == 1  # still there for that page


def test_a_forged_post_after_the_timeout_is_not_kept(app, boards, draft, monkeypatch):  # noqa: F811
    client = signed_in(app)
    move_clock(timedelta(minutes=31))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = save_draft(client, draft)  # no token: not the person's own page

    assert response.status_code == 302
    assert kept(boards["participant_a"]) == []
    assert "What you typed has been kept" not in client.get(response.headers["Location"]).text


def test_secrets_are_never_kept():
    sent = [
        ("csrf_token", "abc"),
        ("current_password", "hunter2"),
        ("title", "A title"),
        ("body", "x" * 150_000),
        ("more", "y" * 100_000),
    ]
    assert kept_forms.worth_keeping(sent) == [["title", "A title"], ["body", "x" * 150_000]]


def test_a_copy_nobody_claims_is_gone_after_twelve_hours(app, boards, draft):  # noqa: F811
    client = signed_in(app)
    move_clock(timedelta(minutes=31))
    save_draft(client, draft)
    move_clock(kept_forms.KEEP_FOR + timedelta(minutes=1))

    sign_in(client, PARTICIPANT, next=draft)

    assert TYPED not in client.get(draft).text


def test_the_page_says_when_the_timeout_comes(app, boards, draft):  # noqa: F811
    client = signed_in(app)
    page = client.get(draft).text

    assert re.search(r'data-portal-session-left="(17|18)\d\d"', page)  # about 30 minutes
    assert 'data-portal-session-warn="120"' in page
    assert "you will be signed out after 30 minutes without activity" in page
    assert re.search(r"<time data-portal-session-deadline[^>]*>\d\d:\d\d</time>", page)
    assert 'role="alertdialog"' in page and "Stay signed in" in page


def session_row(user) -> SignInSession:
    db.session.expire_all()
    return db.session.scalar(select(SignInSession).where(SignInSession.user_id == user.id))


def test_asking_the_time_left_does_not_count_as_activity(app, boards):  # noqa: F811
    client = signed_in(app)
    move_clock(timedelta(minutes=20))

    left = client.get("/session/time-left", headers=HTMX).json["left"]

    assert 595 <= left <= 600
    move_clock(timedelta(minutes=11))
    assert client.get("/session/time-left", headers=HTMX).status_code == 286  # signed out


def test_stay_signed_in_starts_the_clock_again(app, boards):  # noqa: F811
    client = signed_in(app)
    move_clock(timedelta(minutes=29, seconds=30))

    left = client.post("/session/stay").json["left"]

    assert 30 * 60 - 2 <= left <= 30 * 60
    move_clock(timedelta(minutes=29))
    assert client.get("/northbrook/").status_code == 200


def test_the_warning_hands_over_what_was_typed_just_before_the_end(app, boards, draft):  # noqa: F811
    client = signed_in(app)
    move_clock(timedelta(minutes=29, seconds=55))
    handed = client.post(
        "/session/keep",
        data={"csrf_token": "x", "title": "Strategy", "body": TYPED},
        headers={"Referer": f"http://localhost{draft}", **HTMX},
    )
    assert handed.json == {"kept": True}
    move_clock(timedelta(seconds=6))  # the page opens itself again, past the end

    response = client.get(draft)

    assert response.headers["Location"].startswith("/sign-in")
    assert "What you typed has been kept" in client.get(response.headers["Location"]).text
    sign_in(client, PARTICIPANT, next=draft)
    assert TYPED in client.get(draft).text
