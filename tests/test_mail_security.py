"""Email and the centre admin's mailbox: secret links, links in people's text, retention.

- The mailbox shows that an invitation or reset link was sent, never the link itself
  (anyone who can read it could use it); the email that goes out keeps the link.
- In the HTML part of an email only the portal's own links are links: text that came
  from people (names, titles, reasons) stays text.
- Bodies (and calendar files) of old messages are removed on a schedule; who, what
  and when are kept.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal import tenancy
from portal.boards import service as boards
from portal.boards.models import Visibility
from portal.common import clock
from portal.extensions import db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.mail.models import MailMessage
from portal.mail.service import queue_mail
from portal.tenants.models import Cohort
from tests.support import run_jobs

TOKEN_LINK = re.compile(r"/(?:invitations|password/reset)/[\w.-]{20,}")
HREF = re.compile(r'href="([^"]*)"')
# What people typed: none of it may become a link in an email.
EVIL = [
    "http://evil.example/x",
    '<a href="http://evil.example/a">click</a>',
    "[x](http://evil.example/md)",
    "www.evil.example",
    "http://localhost@evil.example/at",
    "http://localhost.evil.example/dot",
    "https://localhost/https-is-another-origin",
    "javascript:alert(1)",
]


# --- Helpers -----------------------------------------------------------------------------


def mail(to: str | None = None, kind: str | None = None) -> list[MailMessage]:
    db.session.expire_all()
    with tenancy.system_scope():
        query = select(MailMessage).order_by(MailMessage.id)
        if to:
            query = query.where(MailMessage.recipient == to)
        if kind:
            query = query.where(MailMessage.kind == kind)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
        return rows


def invite(login_as, world, name="Nia Patel", email="nia@northbrook.example"):
    manager = login_as(world["partner_manager_a"])
    response = manager.post("/northbrook/people/invite", data={"name": name, "email": email})
    assert response.status_code == 302, response.text
    [message] = mail(email, "invitation")
    return message


def mailbox_page(login_as, world, message_id: int) -> str:
    response = login_as(world["centre_admin"]).get(f"/admin/mailbox/{message_id}")
    assert response.status_code == 200
    return response.text


def sent_parts(inbox) -> list[tuple[str, str]]:
    """(text, html) of every email the SMTP server received."""
    out = []
    for sent in inbox.messages:
        parts = {part.get_content_type(): part for part in sent.walk()}
        out.append(
            tuple(
                parts[kind].get_payload(decode=True).decode()
                for kind in ("text/plain", "text/html")
            )
        )
    return out


def queue(tenant_id, *, body="Hello", kind="test", to="someone@northbrook.example", **extra):
    with tenancy.system_scope():
        message = queue_mail(
            to=to, subject=f"About {kind}", body=body, kind=kind, tenant_id=tenant_id, **extra
        )
        db.session.commit()
        return message.id


# --- The mailbox never shows a secret link ----------------------------------------------


def test_mailbox_shows_that_an_invitation_was_sent_not_its_link(login_as, world):
    message = invite(login_as, world)
    assert TOKEN_LINK.search(message.body_text), "the stored email keeps its link"

    page = mailbox_page(login_as, world, message.id)

    assert "Nia Patel" in page  # the rest of the email is there
    assert not TOKEN_LINK.search(page), "the mailbox shows a live invitation link"
    assert "[invitation link, sent 11 January 2027, 9:30am]" in page
    listing = login_as(world["centre_admin"]).get("/admin/mailbox").text
    assert not TOKEN_LINK.search(listing)


def test_mailbox_hides_password_reset_links_even_for_admins(app, login_as, world):
    app.test_client().post("/password/forgot", data={"email": "admin@centre.example"})
    run_jobs()  # the reset email is written in the background
    [message] = mail("admin@centre.example", "password_reset")
    assert "/password/reset/" in message.body_text

    page = mailbox_page(login_as, world, message.id)

    assert "/password/reset/" not in page, "the mailbox shows a live password reset link"
    assert "[password reset link, sent 11 January 2027, 9:30am]" in page


def test_any_link_to_a_page_that_takes_a_token_is_hidden_but_other_links_are_shown(login_as, world):
    body = (
        "Subscribe: http://localhost/calendar/Zq3kR9xWm2pLs8vNt4.ics\n\n"
        "See the session: http://localhost/northbrook/sessions/5\n"
    )
    message_id = queue(world.a.id, body=body, kind="session")

    page = mailbox_page(login_as, world, message_id)

    assert "Zq3kR9xWm2pLs8vNt4" not in page, "the mailbox shows a calendar feed's secret"
    assert "[private link, sent 11 January 2027, 9:30am]" in page
    assert "http://localhost/northbrook/sessions/5" in page


def test_the_email_that_goes_out_keeps_its_link(login_as, world, smtp):
    message = invite(login_as, world)
    run_jobs()

    [(text, html)] = sent_parts(smtp)
    [link] = TOKEN_LINK.findall(message.body_text)
    assert link in text
    assert f'href="http://localhost{link}"' in html
    page = mailbox_page(login_as, world, message.id)
    assert link not in page
    assert "[invitation link, sent 11 January 2027, 9:30am]" in page


# --- Only the portal's own links are links -----------------------------------------------


def test_names_in_an_invitation_email_are_never_links(login_as, world, smtp):
    world["partner_manager_a"].name = '<a href="http://evil.example/m">Eve</a> www.evil.example'
    db.session.commit()
    message = invite(login_as, world, name="Nia [x](http://evil.example/md) http://evil.example")
    run_jobs()

    [(_text, html)] = sent_parts(smtp)
    [link] = TOKEN_LINK.findall(message.body_text)
    assert HREF.findall(html) == [f"http://localhost{link}"], html
    assert "&lt;a href=" in html  # the name is shown as typed, as text
    assert '<a href="http://evil' not in html


def test_people_text_in_an_email_is_inert_whatever_it_looks_like(world, smtp):
    typed = "\n\n".join(f"Reason {n}: {text}" for n, text in enumerate(EVIL))
    queue(
        world.a.id,
        body=f"Hello,\n\n{typed}\n\nSee the placement: http://localhost/northbrook/placements/7\n",
    )
    run_jobs()

    [(_text, html)] = sent_parts(smtp)
    assert HREF.findall(html) == ["http://localhost/northbrook/placements/7"], html
    assert "<a " not in html.replace('<a href="http://localhost/northbrook/placements/7"', "")


def test_a_reflection_title_in_the_weekly_digest_is_not_a_link(app, world, smtp):
    title = "Read http://evil.example/t and www.evil.example/w [x](http://evil.example/m)"
    with tenancy.system_scope():
        cohort = db.session.get(Cohort, world.a.cohort_id)
        board = boards.create_board(
            actor=world["facilitator"], cohort=cohort, tenant=None, title="Joint visits"
        )
        db.session.commit()
        board_id = board.id
    author = world["participant_a"]
    with tenancy.scoped({world.a.id}):
        reflection = boards.start_reflection(actor=author, tenant=world.a, board_id=board_id)
        boards.save_draft(
            reflection.id, actor=author, title=title, body="We talked about referrals.",
            themes="risk", visibility=Visibility.COHORT,
        )  # fmt: skip
        boards.share(reflection.id, actor=author, confirmed=False)
        db.session.commit()
    with app.test_request_context():
        assert boards.send_digest(world["participant_b"].id) == 1
        db.session.commit()
    run_jobs()

    [(text, html)] = sent_parts(smtp)
    assert "http://evil.example/t" in text
    hrefs = HREF.findall(html)
    assert hrefs and all(h.startswith("http://localhost/") for h in hrefs), hrefs
    assert not any("evil" in h for h in hrefs)


# --- Old bodies are removed on a schedule ------------------------------------------------


def schedule(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "schedule-purge"])
    assert result.exit_code == 0, result.output
    return result.output


def purge_rows() -> list[OutboxMessage]:
    with tenancy.system_scope():
        rows = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.job == "mail.purge_bodies")
                .order_by(OutboxMessage.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
        return rows


def run_scheduled_purge(app) -> None:
    """Schedule the purge as a release does, wait until it is due, and let it run."""
    schedule(app)
    waiting = [r for r in purge_rows() if r.status == OutboxStatus.PENDING]
    assert len(waiting) == 1, "the release step does not schedule the purge of old bodies"
    clock.set_clock(clock.as_utc(waiting[0].run_at) + timedelta(minutes=1))
    run_jobs(scheduler=True)


def aged(message_id: int, days: float) -> None:
    with tenancy.system_scope():
        message = db.session.get(MailMessage, message_id)
        message.created_at = clock.utcnow() - timedelta(days=days)
        db.session.commit()


def test_old_bodies_are_removed_in_every_authority_keeping_who_what_and_when(app, login_as, world):
    old = {
        "a": queue(world.a.id, body="Northbrook secret", calendar=b"BEGIN:VCALENDAR"),
        "b": queue(world.b.id, body="Eastmere secret", kind="placement"),
        "host": queue(None, body="Host secret", to="host@host.example"),
    }
    recent = queue(world.a.id, body="Still here")
    for message_id in old.values():
        aged(message_id, 31)
    aged(recent, 29)

    run_scheduled_purge(app)

    kept = {m.id: m for m in mail()}
    for message_id in old.values():
        message = kept[message_id]
        assert message.body_text == "", f"the body of a 31-day-old message is still kept: {message}"
        assert message.calendar is None
        assert message.subject.startswith("About ") and message.recipient and message.kind
    assert kept[old["a"]].subject == "About test" and kept[old["b"]].kind == "placement"
    assert kept[recent].body_text == "Still here"
    page = mailbox_page(login_as, world, old["b"])
    assert "Body removed after 30 days" in page
    assert "Eastmere secret" not in page
    assert "Still here" in mailbox_page(login_as, world, recent)
    assert (
        "Body removed after 30 days" in login_as(world["centre_admin"]).get("/admin/mailbox").text
    )


def test_the_retention_period_is_configurable(app, login_as, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BODY_RETENTION_DAYS", 7)
    older, newer = queue(world.a.id, body="Ten days old"), queue(world.a.id, body="Five days")
    aged(older, 10)
    aged(newer, 5)

    run_scheduled_purge(app)

    bodies = {m.id: m.body_text for m in mail()}
    assert bodies == {older: "", newer: "Five days"}
    assert "Body removed after 7 days" in mailbox_page(login_as, world, older)


def test_the_purge_runs_daily_at_3am_and_is_scheduled_once(app, world):
    first = schedule(app)
    schedule(app)  # every release runs it: still one run waiting
    assert "purge" in first.lower()
    [row] = purge_rows()
    # The suite's clock reads Monday 11 January 2027, 09:30 (GMT): next is Tuesday, 3am.
    assert clock.as_utc(row.run_at) == datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
    assert row.tenant_id is None

    clock.set_clock(datetime(2027, 1, 12, 3, 1, tzinfo=UTC))
    run_jobs(scheduler=True)

    rows = purge_rows()
    assert [r.status for r in rows] == [OutboxStatus.DONE, OutboxStatus.PENDING]
    assert clock.as_utc(rows[1].run_at) == datetime(2027, 1, 13, 3, 0, tzinfo=UTC)
    schedule(app)
    assert len(purge_rows()) == 2  # the next run is already waiting


def test_a_removed_body_is_never_sent(world, smtp):
    message_id = queue(world.a.id, body="Will be removed")
    with tenancy.system_scope():
        db.session.get(MailMessage, message_id).body_text = ""
        db.session.commit()
    run_jobs()
    assert smtp.messages == []


def test_host_staff_invited_by_an_admin_get_a_link_the_admin_cannot_read(login_as, world):
    """The centre admin reads the mailbox and invites people: they must not be able to
    take over an account they invited by reading its link."""
    admin = login_as(world["centre_admin"])
    admin.post(
        "/admin/users/invite",
        data={"name": "Hana Host", "email": "hana@host.example", "role": "facilitator"},
    )
    [message] = mail("hana@host.example", "invitation")
    assert not TOKEN_LINK.search(mailbox_page(login_as, world, message.id))


def test_the_purge_can_be_run_by_hand(app, world):
    old, new = queue(world.b.id, body="Old"), queue(world.b.id, body="New")
    aged(old, 45)

    result = app.test_cli_runner().invoke(args=["mail", "purge-bodies"])

    assert result.exit_code == 0, result.output
    assert "Removed the bodies of 1 emails older than 30 days" in result.output
    assert {m.id: m.body_text for m in mail()} == {old: "", new: "New"}


def test_the_release_step_books_the_purge():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    release = next(line for line in procfile.splitlines() if line.startswith("release:"))
    assert "flask --app portal mail schedule-purge" in release
