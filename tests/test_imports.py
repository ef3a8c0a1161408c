"""Importing participants from CSV: checked row by row, all or nothing, with progress."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import tenancy
from portal.accounts.models import Membership, User
from portal.extensions import db as _db
from portal.imports.models import ParticipantImport
from portal.jobs.models import JobRun, JobRunStatus
from portal.mail.models import MailMessage
from portal.notifications.models import Notification
from tests.support import ON_POSTGRES, run_jobs

GOOD = b"name,email\nAda Lovelace,ada@northbrook.example\nMary Seacole,mary@northbrook.example\n"


def _upload(client, content: bytes, filename: str = "people.csv"):
    return client.post(
        "/northbrook/people/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _counts():
    with tenancy.system_scope():
        return {
            "users": _db.session.scalar(select(func.count()).select_from(User)),
            "memberships": _db.session.scalar(select(func.count()).select_from(Membership)),
            "mail": _db.session.scalar(select(func.count()).select_from(MailMessage)),
        }


def _run(run_id: str) -> JobRun:
    with tenancy.system_scope():
        run = _db.session.get(JobRun, run_id)
        _db.session.expunge(run)
        _db.session.rollback()
        return run


def test_a_good_file_invites_everyone_in_it(world, login_as):
    manager = login_as(world["partner_manager_a"])
    before = _counts()
    response = _upload(manager, GOOD)
    assert response.status_code == 302
    run_id = response.headers["Location"].rsplit("/", 1)[-1]
    waiting = manager.get(f"/northbrook/people/import/{run_id}").get_data(as_text=True)
    assert "Waiting to start" in waiting and "<progress" in waiting
    run_jobs()
    run = _run(run_id)
    assert run.status == JobRunStatus.FINISHED and run.progress == 100
    assert run.message == "Invited 2 participants"
    after = _counts()
    assert after["users"] == before["users"] + 2
    assert after["memberships"] == before["memberships"] + 2
    with tenancy.system_scope():
        recipients = set(_db.session.scalars(select(MailMessage.recipient)))
        assert {"ada@northbrook.example", "mary@northbrook.example"} <= recipients
        # The uploaded names and emails are not kept once the import has run.
        assert _db.session.scalar(select(ParticipantImport.content)) is None
        note = _db.session.scalar(select(Notification))
        assert note.user_id == world["partner_manager_a"].id and "Invited 2" in note.text
    done = manager.get(f"/northbrook/people/import/{run_id}").get_data(as_text=True)
    assert "Import complete" in done
    people = manager.get("/northbrook/people").get_data(as_text=True)
    assert "Ada Lovelace" in people and "Mary Seacole" in people


def test_a_file_with_problems_imports_nobody_and_lists_them_by_row(world, login_as):
    manager = login_as(world["partner_manager_a"])
    content = (
        b"name,email\n"
        b"Ada Lovelace,ada@northbrook.example\n"
        b",nameless@northbrook.example\n"
        b"Bad Email,not-an-email\n"
        b"Ada Again,ADA@northbrook.example\n"
        + f"Existing,{world['participant_a'].email}\n".encode()
    )
    before = _counts()
    run_id = _upload(manager, content).headers["Location"].rsplit("/", 1)[-1]
    run_jobs()
    run = _run(run_id)
    assert run.status == JobRunStatus.FAILED
    problems = {(p["row"], p["column"]) for p in run.result["problems"]}
    assert problems == {(3, "name"), (4, "email"), (5, "email"), (6, "email")}
    assert _counts() == before  # nothing imported, no emails
    page = manager.get(f"/northbrook/people/import/{run_id}").get_data(as_text=True)
    assert "There is a problem with the file" in page
    assert "Same email address as row 2" in page
    assert "already has an account" in page


def test_a_file_that_is_not_a_csv_of_names_and_emails_is_refused_at_once(world, login_as):
    manager = login_as(world["partner_manager_a"])
    cases = {
        b"": "The selected file is empty",
        b"first,last\nAda,Lovelace\n": "must name the columns",
        b"\xff\xfe\x00b\x00a\x00d": "saved as UTF-8",
        b"name,email\n": "no participants",
    }
    for content, message in cases.items():
        response = _upload(manager, content)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), content
    with tenancy.system_scope():
        assert _db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    missing = manager.post("/northbrook/people/import", data={}, content_type="multipart/form-data")
    assert "Select a CSV file" in missing.get_data(as_text=True)


def test_progress_is_an_htmx_partial_that_stops_polling_when_done(world, login_as):
    manager = login_as(world["partner_manager_a"])
    run_id = _upload(manager, GOOD).headers["Location"].rsplit("/", 1)[-1]
    url = f"/northbrook/people/import/{run_id}"
    polling = manager.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in polling and 'hx-trigger="every 1s"' in polling
    run_jobs()
    finished = manager.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in finished and "Import complete" in finished


def test_running_the_import_job_twice_imports_once(world, login_as):
    from portal.jobs.registry import JOBS

    manager = login_as(world["partner_manager_a"])
    _upload(manager, GOOD)
    run_jobs()
    before = _counts()
    with tenancy.scoped({world.a.id}):
        import_id = _db.session.scalar(select(ParticipantImport.id))
        JOBS["imports.participants"].func(import_id=import_id)
    assert _counts() == before


def test_the_template_downloads_as_csv(world, login_as):
    response = login_as(world["partner_manager_a"]).get("/northbrook/people/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("name,email")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_random_files_never_break_the_import(world, login_as, content):
    manager = login_as(world["partner_manager_a"])
    before = _counts()
    response = _upload(manager, b"name,email\n" + content)
    assert response.status_code in (200, 302)
    run_jobs()
    with tenancy.system_scope():
        runs = _db.session.scalars(select(JobRun)).all()
        for run in runs:
            # A bad file is a reported problem, never a crashed job, and all or nothing.
            assert run.status in (JobRunStatus.FINISHED, JobRunStatus.FAILED), run.message
            if run.status == JobRunStatus.FAILED:
                assert _counts() == before
        for run in runs:
            _db.session.delete(run)
        for upload in _db.session.scalars(select(ParticipantImport)):
            _db.session.delete(upload)
        _db.session.commit()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer: the bar moves at the end")
def test_the_bar_moves_while_the_invitations_are_written(world, login_as, monkeypatch):
    """Issue 13, point 13: the bar jumped 0 → 50 → 100% because every invitation is
    written in one transaction. Progress is now told on a connection of its own, while
    the invitations still commit together."""
    from portal.imports import service as imports

    rows = "".join(f"Person {n},person{n}@northbrook.example\n" for n in range(100))
    manager = login_as(world["partner_manager_a"])
    run_id = _upload(manager, b"name,email\n" + rows.encode()).headers["Location"].rsplit("/")[-1]
    seen: list[tuple[int, int]] = []  # (progress, people invited) as another reader sees them
    invite = imports.accounts.invite_user

    def invite_and_look(**kwargs):
        invited = invite(**kwargs)
        with Session(_db.engine) as other, tenancy.scoped({world.a.id}):
            progress = other.scalar(select(JobRun.progress).where(JobRun.id == run_id))
            count = other.scalar(
                select(func.count()).select_from(User).where(User.email.like("person%"))
            )
            seen.append((progress, count))
        return invited

    monkeypatch.setattr(imports.accounts, "invite_user", invite_and_look)
    run_jobs()

    moving = sorted({p for p, _ in seen})
    assert moving[0] == 50 and len(moving) >= 4 and max(moving) < 100, moving
    assert all(count == 0 for _, count in seen)  # still all or nothing
    assert _run(run_id).progress == 100
