"""Inviting someone tells the inviter nothing about another authority's people.

An address that already has an account the inviter cannot see (another authority's
person, host staff) gets the answer a new address gets: "Invitation sent", or the
import row accepted. No second account is made, the existing person is not changed and
is sent no invitation; an audit event records the refusal, and the person is told
(once a day at most) that someone tried to invite them. An address in the inviter's
own authority, whom they can see anyway, is still reported as a duplicate.
"""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.jobs.models import JobRun, JobRunStatus
from portal.mail.models import MailMessage
from tests.support import run_jobs

DUPLICATE = "already has an account"
FRESH = "new.person@northbrook.example"
ELSEWHERE = "participant@eastmere.example"  # world["participant_b"]


# --- Helpers -----------------------------------------------------------------------------


def invite(client, email: str, name: str = "Nia Patel"):
    return client.post("/northbrook/people/invite", data={"name": name, "email": email})


def told(response, client) -> str:
    """What the inviter reads after inviting: the page they are sent to, or the form."""
    if response.status_code != 302:
        return response.text
    page = client.get(response.headers["Location"]).text
    banner = re.search(r"Invitation sent to [^<]+", page)
    return banner.group(0).strip() if banner else page


def snapshot(user_id: int) -> tuple:
    """Everything about a person an invitation could change."""
    db.session.expire_all()
    with tenancy.system_scope():
        user = db.session.get(User, user_id)
        tenants = sorted(
            db.session.scalars(select(Membership.tenant_id).where(Membership.user_id == user_id))
        )
        state = (user.email, user.name, user.role, user.password_hash, user.session_stamp,
                 user.invited_at, user.active, user.host_service_id, tenants)  # fmt: skip
        db.session.rollback()
        return state


def counts() -> dict[str, int]:
    db.session.expire_all()
    with tenancy.system_scope():
        out = {
            "users": db.session.scalar(select(func.count()).select_from(User)),
            "memberships": db.session.scalar(select(func.count()).select_from(Membership)),
        }
        db.session.rollback()
        return out


def mail_to(email: str) -> list[MailMessage]:
    db.session.expire_all()
    with tenancy.system_scope():
        rows = list(
            db.session.scalars(
                select(MailMessage).where(MailMessage.recipient == email).order_by(MailMessage.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
        return rows


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    with tenancy.system_scope():
        rows = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
        return rows


# --- The partner manager's invitation ------------------------------------------------------


def test_another_authoritys_person_reads_as_a_new_address(login_as, world):
    manager = login_as(world["partner_manager_a"])
    person = world["participant_b"]
    before_person, before = snapshot(person.id), counts()

    other = invite(manager, ELSEWHERE)
    told_other = told(other, manager)
    fresh = invite(manager, FRESH)
    told_fresh = told(fresh, manager)

    assert other.status_code == fresh.status_code == 302, (
        "the inviter is told another authority's person already has an account"
    )
    assert other.headers["Location"] == fresh.headers["Location"]
    assert told_other.replace(ELSEWHERE, "X") == told_fresh.replace(FRESH, "X")
    assert counts() == {"users": before["users"] + 1, "memberships": before["memberships"] + 1}
    assert snapshot(person.id) == before_person
    assert [m.kind for m in mail_to(ELSEWHERE) if m.kind == "invitation"] == []
    assert not any("/invitations/" in m.body_text for m in mail_to(ELSEWHERE))


def test_the_refused_invitation_is_audited_and_the_person_told_without_a_link(login_as, world):
    invite(login_as(world["partner_manager_a"]), ELSEWHERE)

    [event] = events("user.invitation_refused")
    assert event.tenant_id == world.a.id
    assert event.actor_id == world["partner_manager_a"].id
    assert event.object_id == world["participant_b"].id
    [notice] = mail_to(ELSEWHERE)
    assert notice.kind == "invitation_not_needed"
    assert notice.tenant_id == world.b.id  # the person's own authority's mail
    assert "Northbrook Council" in notice.body_text
    assert "already have an account" in notice.body_text
    assert "/invitations/" not in notice.body_text and "/password/reset/" not in notice.body_text
    assert world["partner_manager_a"].name not in notice.body_text


def test_a_second_try_reads_as_a_second_try_for_a_new_address(login_as, world):
    manager = login_as(world["partner_manager_a"])
    invite(manager, ELSEWHERE)
    invite(manager, FRESH)

    # The fresh address's invitation goes again (tests/test_invitations_again.py); the
    # other address's answer reads the same, and nothing goes to it as an invitation.
    again_other = invite(manager, ELSEWHERE)
    other_page = manager.get(again_other.headers["Location"]).text
    again_fresh = invite(manager, FRESH)
    fresh_page = manager.get(again_fresh.headers["Location"]).text

    assert again_other.status_code == again_fresh.status_code == 302
    assert f"A new invitation was sent to {ELSEWHERE}" in other_page
    assert f"A new invitation was sent to {FRESH}" in fresh_page
    assert DUPLICATE not in other_page
    assert len(mail_to(ELSEWHERE)) == 1  # told once a day at most
    assert not any(m.kind == "invitation" for m in mail_to(ELSEWHERE))


def test_host_staff_and_admins_are_not_revealed_to_a_partner_manager(login_as, world):
    manager = login_as(world["partner_manager_a"])
    for email in ("host_practitioner@host.example", "admin@centre.example"):
        response = invite(manager, email)
        assert response.status_code == 302, email
        assert told(response, manager) == f"Invitation sent to {email}"
    assert not any(m.kind == "invitation" for m in mail_to("admin@centre.example"))


def test_own_authoritys_person_is_still_a_duplicate(login_as, world):
    manager = login_as(world["partner_manager_a"])
    before = counts()
    for email in ("participant@northbrook.example", "partner_manager@northbrook.example"):
        response = invite(manager, email)
        assert response.status_code == 200
        assert DUPLICATE in response.text, email
    assert counts() == before
    assert events("user.invitation_refused") == []


def test_a_deactivated_person_elsewhere_is_not_emailed(login_as, world):
    with tenancy.system_scope():
        db.session.get(User, world["participant_b"].id).active = False
        db.session.commit()
    response = invite(login_as(world["partner_manager_a"]), ELSEWHERE)
    assert response.status_code == 302
    assert mail_to(ELSEWHERE) == []
    assert len(events("user.invitation_refused")) == 1


# --- The centre admin's invitation ------------------------------------------------------


def test_the_centre_admin_sees_everyone_so_is_told_of_a_duplicate(login_as, world):
    """Admins can see every account anyway: telling them says nothing new."""
    admin = login_as(world["centre_admin"])
    before, person = counts(), snapshot(world["participant_b"].id)
    response = admin.post(
        "/admin/users/invite",
        data={
            "name": "Pat Manager",
            "email": ELSEWHERE,
            "role": "partner_manager",
            "tenant": str(world.a.id),
        },
    )
    assert response.status_code == 200
    assert DUPLICATE in response.text
    assert counts() == before and snapshot(world["participant_b"].id) == person
    assert mail_to(ELSEWHERE) == []


# --- The CSV import -----------------------------------------------------------------------


def upload(client, content: bytes):
    response = client.post(
        "/northbrook/people/import",
        data={"file": (io.BytesIO(content), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    run_jobs()
    run_id = response.headers["Location"].rsplit("/", 1)[-1]
    with tenancy.system_scope():
        run = db.session.get(JobRun, run_id)
        db.session.expunge(run)
        db.session.rollback()
    return run, client.get(response.headers["Location"]).text


def test_an_import_accepts_another_authoritys_person_as_it_would_a_new_one(login_as, world):
    manager = login_as(world["partner_manager_a"])
    before, person = counts(), snapshot(world["participant_b"].id)

    run, page = upload(manager, f"name,email\nAda Lovelace,{FRESH}\nJack,{ELSEWHERE}\n".encode())

    assert run.status == JobRunStatus.FINISHED, run.result
    assert run.message == "Invited 2 participants"
    assert DUPLICATE not in page
    assert counts() == {"users": before["users"] + 1, "memberships": before["memberships"] + 1}
    assert snapshot(world["participant_b"].id) == person
    assert not any(m.kind == "invitation" for m in mail_to(ELSEWHERE))
    assert [m.kind for m in mail_to(FRESH)] == ["invitation"]
    assert len(events("user.invitation_refused")) == 1


def test_an_import_still_reports_the_authoritys_own_people(login_as, world):
    manager = login_as(world["partner_manager_a"])
    before = counts()
    run, page = upload(manager, b"name,email\nLeah,participant@northbrook.example\n")
    assert run.status == JobRunStatus.FAILED
    assert [(p["row"], p["column"]) for p in run.result["problems"]] == [(2, "email")]
    assert DUPLICATE in page
    assert counts() == before


def test_a_second_import_of_the_same_people_reads_the_same_for_both(login_as, world):
    manager = login_as(world["partner_manager_a"])
    upload(manager, f"name,email\nAda Lovelace,{FRESH}\nJack,{ELSEWHERE}\n".encode())

    run, _ = upload(manager, f"name,email\nAda Lovelace,{FRESH}\nJack,{ELSEWHERE}\n".encode())

    assert run.status == JobRunStatus.FAILED
    problems = {(p["row"], p["message"]) for p in run.result["problems"]}
    assert problems == {
        (2, "Someone with this email address already has an account"),
        (3, "Someone with this email address already has an account"),
    }


def test_the_service_refuses_quietly_in_a_job_too(world):
    """Jobs and the CLI call the service without a request: the same rule holds."""
    from portal.accounts import service

    with tenancy.scoped({world.a.id}):
        invitation = service.invite_user(
            inviter=world["partner_manager_a"],
            email=ELSEWHERE.upper(),
            name="Jack",
            role=Role.PARTICIPANT,
            tenant=world.a,
        )
        db.session.commit()
    assert invitation.user.email == ELSEWHERE
    assert invitation.user.id is None  # not the other authority's account
    assert not invitation.sent and invitation.link is None
