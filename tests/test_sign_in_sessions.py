"""Sessions held on the server: once ended, a session stays ended, whoever kept the cookie.

Each test here failed before sessions had rows of their own (issue 11, findings 1, 2
and 6): a copied cookie outlived signing out, the notification poll kept an open page
signed in for ever, and reactivating someone revived their calendar link.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts import sign_in_sessions
from portal.accounts.models import SignInSession
from portal.audit.models import AuditEvent
from portal.common.clock import move_clock
from portal.extensions import db
from tests.test_accounts import PASSWORD, sign_in

HTMX = {"HX-Request": "true"}


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("portal_session", client.get_cookie("portal_session").value)
    return thief


def rows(user) -> list[SignInSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(SignInSession).where(SignInSession.user_id == user.id)))


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, world):
    owner = app.test_client()
    sign_in(owner, "participant@northbrook.example")
    thief = copy_of(app, owner)
    assert thief.get("/northbrook/").status_code == 200

    owner.post("/sign-out")

    response = thief.get("/northbrook/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert thief.get("/northbrook/").status_code == 302  # and it does not come back
    [row] = rows(world["participant_a"])
    assert row.end_reason == sign_in_sessions.SIGNED_OUT


def test_the_cookie_holds_no_more_than_a_name_for_the_session(app, world):
    client = app.test_client()
    sign_in(client, "participant@northbrook.example")
    with client.session_transaction() as session:
        token = session["sid"]
    [row] = rows(world["participant_a"])
    assert row.token_hash != token and len(row.token_hash) == 64  # only its hash is kept
    assert row.user_agent.startswith("Werkzeug/")


def test_a_session_ends_after_its_lifetime_however_busy(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(hours=1))
    client = app.test_client()
    sign_in(client, "participant@northbrook.example")
    for _ in range(2):
        move_clock(timedelta(minutes=25))
        assert client.get("/northbrook/").status_code == 200
    move_clock(timedelta(minutes=11))

    response = client.get("/northbrook/", follow_redirects=True)

    assert "because you signed in more than 1 hour ago" in response.text
    assert rows(world["participant_a"])[0].end_reason == sign_in_sessions.EXPIRED


def test_the_notification_poll_does_not_keep_an_open_page_signed_in(app, world):
    client = app.test_client()
    sign_in(client, "participant@northbrook.example")
    for _ in range(5):  # 25 minutes of polling every 5, with nobody at the keyboard
        move_clock(timedelta(minutes=5))
        assert client.get("/notifications/count", headers=HTMX).status_code == 200
    move_clock(timedelta(minutes=6))

    poll = client.get("/notifications/count", headers=HTMX)

    assert poll.status_code == 286  # htmx stops polling
    assert poll.text == ""
    page = client.get("/northbrook/", follow_redirects=True)
    assert "Sign in" in page.text
    assert rows(world["participant_a"])[0].end_reason == sign_in_sessions.IDLE


def test_opening_a_polled_page_still_counts_as_activity(app, world, login_as):
    admin = login_as(world["centre_admin"])
    for _ in range(4):
        move_clock(timedelta(minutes=10))
        assert admin.get("/admin/operations/").status_code == 200
    assert admin.get("/admin/").status_code == 200


def test_a_poll_from_a_signed_out_page_is_told_to_stop_not_sent_the_sign_in_page(client):
    response = client.get("/notifications/count", headers=HTMX)
    assert response.status_code == 286
    assert "Sign in" not in response.text


def test_the_idle_clock_is_written_at_most_once_a_minute(app, world):
    client = app.test_client()
    sign_in(client, "participant@northbrook.example")
    first = rows(world["participant_a"])[0].last_seen_at
    client.get("/northbrook/")
    assert rows(world["participant_a"])[0].last_seen_at == first
    move_clock(timedelta(minutes=2))
    client.get("/northbrook/")
    assert rows(world["participant_a"])[0].last_seen_at > first


def test_changing_password_ends_a_copied_session_too(app, world):
    owner = app.test_client()
    sign_in(owner, "participant@northbrook.example")
    thief = copy_of(app, owner)
    new = "lantern quietly orbit mustard"
    owner.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert owner.get("/northbrook/").status_code == 200
    assert thief.get("/northbrook/").status_code == 302
    reasons = sorted(r.end_reason or "open" for r in rows(world["participant_a"]))
    assert reasons == ["open", sign_in_sessions.PASSWORD_CHANGED]


def test_reactivating_someone_does_not_bring_their_old_session_back(app, world, login_as):
    participant = app.test_client()
    sign_in(participant, "participant@northbrook.example")
    manager = login_as(world["partner_manager_a"])
    person = f"/northbrook/people/{world['participant_a'].id}/active"

    manager.post(person)
    manager.post(person)  # reactivated

    assert participant.get("/northbrook/").status_code == 302
    assert sign_in(app.test_client(), "participant@northbrook.example").status_code == 302


def test_an_admin_signs_someone_out_everywhere(app, world, login_as, system):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "host_practitioner@host.example")
    sign_in(phone, "host_practitioner@host.example")
    admin = login_as(world["centre_admin"])
    person = world["host_practitioner"]
    page = admin.get(f"/admin/users/{person.id}")
    assert "Sign them out everywhere" in page.text
    assert page.text.count("last active") == 2

    response = admin.post(f"/admin/users/{person.id}/sessions/end", follow_redirects=True)

    assert "has been signed out everywhere" in response.text
    assert "Not signed in" in response.text
    assert laptop.get("/host/").status_code == 302
    assert phone.get("/host/").status_code == 302
    assert admin.get("/admin/").status_code == 200
    with system():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.sessions_ended")
        ).all()
    assert event.actor_id == world["centre_admin"].id
    assert event.details == {"sessions": 2}


def test_only_an_admin_may_end_someone_elses_sessions(world):
    from portal.accounts import service
    from portal.errors import RuleError

    try:
        service.end_sessions(world["participant_a"], by=world["partner_manager_a"])
    except RuleError as error:
        assert "Only centre admins" in str(error)
    else:
        raise AssertionError("a partner manager ended someone's sessions")


def test_deactivation_revokes_a_calendar_link_for_good(app, world, login_as):
    from portal.sessions.service import new_feed_token

    with_feed = world["host_practitioner"]
    token = new_feed_token(with_feed)
    db.session.commit()
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200
    admin = login_as(world["centre_admin"])

    admin.post(f"/admin/users/{with_feed.id}/active")
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    admin.post(f"/admin/users/{with_feed.id}/active")  # reactivated

    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    fresh = new_feed_token(db.session.get(type(with_feed), with_feed.id))
    db.session.commit()
    assert app.test_client().get(f"/calendar/{fresh}.ics").status_code == 200


def test_the_cookie_is_not_signed_again_on_every_request(app, world):
    client = app.test_client()
    sign_in(client, "participant@northbrook.example")
    client.get("/northbrook/")  # the first page keeps a CSRF token in the session
    response = client.get("/northbrook/")
    assert response.status_code == 200
    assert not any("portal_session=" in c for c in response.headers.getlist("Set-Cookie"))


def test_a_request_that_changes_nothing_commits_nothing(app, world):
    from sqlalchemy import event

    client = app.test_client()
    sign_in(client, "participant@northbrook.example")
    client.get("/northbrook/")
    commits = []
    listener = lambda conn: commits.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        assert client.get("/northbrook/").status_code == 200  # within the minute
    finally:
        event.remove(db.engine, "commit", listener)
    assert commits == []
