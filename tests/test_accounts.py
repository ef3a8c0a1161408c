"""People and sign-in: invitations, links, passwords, sessions, roles and the audit log."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from portal import tenancy
from portal.accounts import passwords, service
from portal.accounts.models import Membership, Role, User
from portal.audit.models import AuditEvent
from portal.common.clock import move_clock
from portal.errors import RuleError
from portal.extensions import db
from portal.jobs.models import OutboxMessage
from portal.mail.models import MailMessage
from tests.factories import PASSWORD, UserFactory
from tests.support import run_jobs

NEW_PASSWORD = "lantern quietly orbit mustard"
LINK = re.compile(r"http://localhost(/(?:invitations|password/reset)/[\w.-]+)")


# --- Helpers -----------------------------------------------------------------------------


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/sign-in", data={"email": email, "password": password, **extra})


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def mails(system, to: str | None = None) -> list[MailMessage]:
    db.session.expire_all()
    with system():
        query = select(MailMessage).order_by(MailMessage.id)
        if to:
            query = query.where(MailMessage.recipient == to)
        return list(db.session.scalars(query))


def link_in(message: MailMessage) -> str:
    match = LINK.search(message.body_text)
    assert match, message.body_text
    return match.group(1)


def events(system, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    with system():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def counts(system) -> tuple[int, int, int]:
    db.session.expire_all()
    with system():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Membership)),
            db.session.scalar(select(func.count()).select_from(MailMessage)),
        )


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        path, data={"password": password, "confirm": password if confirm is None else confirm}
    )


def invite_participant(login_as, world, email="new.person@northbrook.example", name="Nia Patel"):
    manager = login_as(world["partner_manager_a"])
    return manager.post("/northbrook/people/invite", data={"name": name, "email": email})


# --- Invitations -------------------------------------------------------------------------


def test_admin_invites_host_practitioner_with_authorities_and_service(login_as, world, system):
    admin = login_as(world["centre_admin"])

    response = admin.post(
        "/admin/users/invite",
        data={
            "name": "Hana Host",
            "email": "Hana.Host@Host.Example ",
            "role": "host_practitioner",
            "works_with": [str(world.a.id), str(world.b.id)],
            "host_service": str(world.service.id),
        },
    )

    assert response.status_code == 302
    user = user_by_email("hana.host@host.example")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert user.role == Role.HOST_PRACTITIONER
    assert user.host_service_id == world.service.id
    assert not user.has_password
    assert set(service.tenant_ids_for(user)) == {world.a.id, world.b.id}
    [message] = mails(system, "hana.host@host.example")
    assert message.kind == "invitation"
    assert "Centre for Social Work" in message.subject
    assert "/invitations/" in message.body_text
    [event] = events(system, "user.invited")
    assert event.actor_id == world["centre_admin"].id
    assert event.details["role"] == "host_practitioner"
    assert "Invitation sent to hana.host@host.example" in admin.get(f"/admin/users/{user.id}").text


def test_admin_invites_partner_manager_into_an_authority(login_as, world, system):
    admin = login_as(world["centre_admin"])

    response = admin.post(
        "/admin/users/invite",
        data={
            "name": "Pat Manager",
            "email": "pat@eastmere.example",
            "role": "partner_manager",
            "tenant": str(world.b.id),
        },
    )

    assert response.status_code == 302
    user = user_by_email("pat@eastmere.example")
    assert user.role == Role.PARTNER_MANAGER
    assert service.tenant_ids_for(user) == [world.b.id]
    [message] = mails(system, "pat@eastmere.example")
    assert message.tenant_id == world.b.id
    assert "Eastmere Borough Council" in message.subject


def test_admin_invites_another_admin_without_authority_assignments(login_as, world, system):
    admin = login_as(world["centre_admin"])
    before = counts(system)

    response = admin.post(
        "/admin/users/invite",
        data={
            "name": "Ada Admin",
            "email": "ada@centre.example",
            "role": "centre_admin",
            "works_with": [str(world.a.id)],
        },
    )

    assert response.status_code == 302
    user = user_by_email("ada@centre.example")
    assert user.role == Role.CENTRE_ADMIN
    after = counts(system)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (1, 0, 1)
    assert set(service.tenant_ids_for(user)) == {world.a.id, world.b.id}


def test_admin_must_choose_an_authority_for_a_partner_manager(login_as, world, system):
    admin = login_as(world["centre_admin"])
    before = counts(system)

    response = admin.post(
        "/admin/users/invite",
        data={"name": "Pat Manager", "email": "pat@eastmere.example", "role": "partner_manager"},
    )

    assert response.status_code == 200
    assert "Select the partner authority they belong to" in response.text
    assert counts(system) == before


def test_admin_cannot_invite_a_participant_directly(login_as, world, system):
    admin = login_as(world["centre_admin"])
    before = counts(system)

    response = admin.post(
        "/admin/users/invite",
        data={
            "name": "Pia",
            "email": "pia@northbrook.example",
            "role": "participant",
            "tenant": str(world.a.id),
        },
    )

    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert counts(system) == before


def test_only_admins_use_the_admin_invite_page(login_as, world, system):
    before = counts(system)
    for key in ("partner_manager_a", "host_practitioner", "participant_a"):
        response = login_as(world[key]).post(
            "/admin/users/invite",
            data={"name": "X", "email": "x@host.example", "role": "centre_admin"},
        )
        assert response.status_code == 403, key
    assert counts(system) == before


def test_partner_manager_invites_a_participant_of_their_own_authority(login_as, world, system):
    response = invite_participant(login_as, world)

    assert response.status_code == 302
    assert response.headers["Location"] == "/northbrook/people"
    user = user_by_email("new.person@northbrook.example")
    assert user.role == Role.PARTICIPANT
    assert user.name == "Nia Patel"
    assert service.tenant_ids_for(user) == [world.a.id]
    [message] = mails(system, "new.person@northbrook.example")
    assert message.tenant_id == world.a.id
    assert "Northbrook Council" in message.subject
    assert "expires in 7 days" in message.body_text
    [event] = events(system, "user.invited")
    assert event.tenant_id == world.a.id
    assert event.actor_id == world["partner_manager_a"].id
    manager = login_as(world["partner_manager_a"])
    page = manager.get("/northbrook/people").text
    assert "Nia Patel" in page
    assert "Invited" in page


def test_partner_manager_cannot_invite_into_another_authority(login_as, world, system):
    before = counts(system)
    manager = login_as(world["partner_manager_a"])

    response = manager.post(
        "/eastmere/people/invite", data={"name": "Sneaky", "email": "sneaky@eastmere.example"}
    )

    assert response.status_code == 404
    assert counts(system) == before


def test_partner_manager_cannot_invite_other_roles_through_the_service(world):
    with pytest.raises(RuleError) as refused:
        service.invite_user(
            inviter=world["partner_manager_a"],
            email="boss@northbrook.example",
            name="Boss",
            role=Role.PARTNER_MANAGER,
            tenant=world.a,
        )
    assert refused.value.field == "role"
    with pytest.raises(RuleError):
        service.invite_user(
            inviter=world["partner_manager_a"],
            email="p@eastmere.example",
            name="P",
            role=Role.PARTICIPANT,
            tenant=world.b,
        )


@pytest.mark.parametrize("key", ["participant_a", "host_practitioner", "facilitator"])
def test_participants_and_host_staff_cannot_invite_on_partner_pages(login_as, world, system, key):
    before = counts(system)
    client = login_as(world[key])

    response = client.post(
        "/northbrook/people/invite", data={"name": "X", "email": "x@northbrook.example"}
    )

    assert response.status_code == 403
    assert counts(system) == before


def test_duplicate_email_is_refused_on_the_email_field(login_as, world, system):
    before = counts(system)

    response = invite_participant(login_as, world, email="  Participant@Northbrook.Example ")

    assert response.status_code == 200
    assert "Someone with this email address already has an account" in response.text
    # On the field, in the GOV.UK pattern: the summary links to it.
    assert 'href="#email"' in response.text
    assert 'id="email-error"' in response.text
    assert counts(system) == before


def test_email_in_another_authority_is_not_revealed(login_as, world, system):
    """Saying "already has an account" would tell Northbrook about Eastmere's people: the
    answer is the one a new address gets, and nothing is created (more in
    tests/test_invitation_privacy.py)."""
    before = counts(system)
    response = invite_participant(login_as, world, email="participant@eastmere.example")
    assert response.status_code == 302
    assert "already has an account" not in response.text
    after = counts(system)
    assert after[:2] == before[:2]  # no account, no membership


# --- Invitation links --------------------------------------------------------------------


@pytest.fixture
def invitation(login_as, world, system):
    invite_participant(login_as, world)
    return link_in(mails(system, "new.person@northbrook.example")[0])


def test_invitation_link_sets_password_and_signs_in(app, world, system, invitation):
    client = app.test_client()
    page = client.get(invitation)
    assert page.status_code == 200
    assert "Welcome, Nia Patel" in page.text

    response = set_password(client, invitation)

    assert response.status_code == 302
    assert response.headers["Location"] == "/northbrook/"
    user = user_by_email("new.person@northbrook.example")
    assert user.password_hash.startswith("$argon2id$")
    assert user.password_changed_at is not None
    home = client.get("/northbrook/")
    assert home.status_code == 200
    assert "Your password is set and you are signed in" in home.text
    assert len(events(system, "user.invitation_accepted")) == 1


def test_invitation_link_works_once(app, world, invitation):
    set_password(app.test_client(), invitation)
    first_hash = user_by_email("new.person@northbrook.example").password_hash

    other = app.test_client()
    page = other.get(invitation)
    again = set_password(other, invitation, password="a different long passphrase here")

    assert page.status_code == 400
    assert "This invitation has already been used" in page.text
    assert again.status_code == 400
    assert "already been used" in again.text
    assert user_by_email("new.person@northbrook.example").password_hash == first_hash


def test_expired_invitation_link_is_refused(app, world, invitation, monkeypatch):
    later = time.time() + timedelta(days=7, minutes=1).total_seconds()
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    client = app.test_client()

    page = client.get(invitation)
    post = set_password(client, invitation)

    assert page.status_code == 400
    assert "This invitation has expired. Ask for a new one." in page.text
    assert post.status_code == 400
    assert not user_by_email("new.person@northbrook.example").has_password


def test_invitation_still_works_within_its_time(app, world, invitation, monkeypatch):
    later = time.time() + timedelta(days=6, hours=23).total_seconds()
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    assert app.test_client().get(invitation).status_code == 200


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-3] + "abc", lambda t: t + "x", lambda t: "/invitations/nonsense"]
)
def test_tampered_invitation_link_is_refused(app, world, invitation, mangle):
    page = app.test_client().get(mangle(invitation))
    assert page.status_code == 400
    assert "This invitation is not valid" in page.text


def test_reset_link_is_not_an_invitation(app, world, invitation):
    token = invitation.rsplit("/", 1)[1]
    page = app.test_client().get(f"/password/reset/{token}")
    assert page.status_code == 400
    assert "not valid" in page.text


def test_invitation_for_deactivated_account_is_refused(app, login_as, world, invitation):
    user = user_by_email("new.person@northbrook.example")
    manager = login_as(world["partner_manager_a"])
    manager.post(f"/northbrook/people/{user.id}/active")
    assert not user_by_email("new.person@northbrook.example").active

    page = app.test_client().get(invitation)

    assert page.status_code == 400
    assert "not valid" in page.text


# --- Password rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "Password must be 12 characters or more"),
        ("password1234", "Password is too common"),
        ("qwertyuiopasdf", "Try three or four random words together"),
        ("aaaaaaaaaaaaaaaa", "Try three or four random words together"),
        ("x" * 129, "Password must be 128 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, world, invitation, password, message):
    client = app.test_client()

    response = set_password(client, invitation, password=password)

    assert response.status_code == 200
    assert message in response.text
    assert "There is a problem" in response.text
    assert not user_by_email("new.person@northbrook.example").has_password
    # The link still works: a refused password does not use it up.
    assert client.get(invitation).status_code == 200


def test_a_long_password_up_to_the_limit_is_judged_not_refused(app, world, invitation):
    """zxcvbn refuses more than 72 characters (ValueError): a 100-character passphrase
    is judged by its first 72 and accepted, not a crash."""
    long = "lantern quietly orbit mustard " * 3 + "harbour violet kettle"
    assert 72 < len(long) <= passwords.MAX_LENGTH
    assert set_password(app.test_client(), invitation, password=long).status_code == 302


def test_password_confirmation_must_match(app, world, invitation):
    response = set_password(app.test_client(), invitation, confirm=NEW_PASSWORD + "x")
    assert "Passwords do not match" in response.text
    assert not user_by_email("new.person@northbrook.example").has_password


def test_strong_passwords_are_accepted():
    for password in (NEW_PASSWORD, "Northbrook placements 2027!", PASSWORD):
        assert passwords.password_problems(password) == []


def test_passwords_are_hashed_with_argon2id(world):
    user = world["participant_a"]
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert not passwords.verify_password(user.password_hash, PASSWORD + "x")
    assert not passwords.verify_password(None, PASSWORD)
    assert not passwords.verify_password("not a hash", PASSWORD)


def test_hash_is_upgraded_on_sign_in_when_parameters_change(client, world, monkeypatch):
    old_hash = world["participant_a"].password_hash
    assert "m=16384,t=4,p=2" not in old_hash  # production cost: tests/test_suite_setup.py
    stronger = PasswordHasher(time_cost=4, memory_cost=16384, parallelism=2)
    monkeypatch.setattr(passwords, "hasher", stronger)

    response = sign_in(client, "participant@northbrook.example")

    assert response.status_code == 302
    new_hash = user_by_email("participant@northbrook.example").password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert "m=16384,t=4,p=2" in new_hash
    assert stronger.verify(new_hash, PASSWORD)


def test_hash_is_left_alone_when_parameters_are_current(client, world):
    old_hash = world["participant_a"].password_hash
    sign_in(client, "participant@northbrook.example")
    assert user_by_email("participant@northbrook.example").password_hash == old_hash


# --- Signing in --------------------------------------------------------------------------


def test_sign_in_records_an_audit_event_and_goes_home(client, world, system):
    response = sign_in(client, "Participant@Northbrook.example ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/northbrook/"
    [event] = events(system, "auth.signed_in")
    assert event.actor_id == world["participant_a"].id
    assert event.tenant_id == world.a.id
    assert event.ip_address == "127.0.0.1"
    assert user_by_email("participant@northbrook.example").last_sign_in_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("participant@northbrook.example", "wrong password entirely"),
        ("nobody@northbrook.example", PASSWORD),
    ],
    ids=["wrong password", "unknown email"],
)
def test_failed_sign_in_is_refused_and_recorded(client, world, system, email, password):
    response = sign_in(client, email, password)

    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.text
    [event] = events(system, "auth.sign_in_failed")
    assert event.details == {"email": email}
    assert events(system, "auth.signed_in") == []
    assert client.get("/northbrook/").status_code == 302


def test_deactivated_account_cannot_sign_in(client, world, system):
    world["participant_a"].active = False
    db.session.commit()

    response = sign_in(client, "participant@northbrook.example")

    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.text
    assert len(events(system, "auth.sign_in_failed")) == 1


def test_invited_account_without_password_cannot_sign_in(client, login_as, world):
    invite_participant(login_as, world)
    response = sign_in(client, "new.person@northbrook.example", "")
    assert response.status_code == 200
    assert "Enter your password" in response.text


def test_sign_in_starts_a_new_session(client, world):
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("portal_session").value

    sign_in(client, "participant@northbrook.example")

    after = client.get_cookie("portal_session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{world['participant_a'].id}:")


def test_sign_in_follows_a_safe_next(client, world):
    response = sign_in(client, "partner_manager@northbrook.example", next="/northbrook/people")
    assert response.headers["Location"] == "/northbrook/people"


def test_sign_out_ends_the_session(client, world):
    sign_in(client, "participant@northbrook.example")
    response = client.post("/sign-out", follow_redirects=True)
    assert "You have signed out" in response.text
    assert client.get("/northbrook/").status_code == 302


# --- Sessions end when they should -------------------------------------------------------


def change_password(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.post(
        "/account/password", data={"current_password": current, "password": new, "confirm": new}
    )


def test_changing_password_ends_other_sessions_but_not_this_one(app, world, system):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(phone, "participant@northbrook.example")
    sign_in(laptop, "participant@northbrook.example")
    assert phone.get("/northbrook/").status_code == 200

    response = change_password(laptop)

    assert response.status_code == 302
    page = laptop.get("/northbrook/")
    assert page.status_code == 200
    assert "Any other sessions have been signed out" in page.text
    gone = phone.get("/northbrook/")
    assert gone.status_code == 302
    assert gone.headers["Location"].startswith("/sign-in")
    assert len(events(system, "user.password_changed")) == 1
    # And the new password is the one that works.
    assert sign_in(app.test_client(), "participant@northbrook.example").status_code == 200
    assert (
        sign_in(app.test_client(), "participant@northbrook.example", NEW_PASSWORD).status_code
        == 302
    )


def test_changing_password_needs_the_current_one(client, world, system):
    sign_in(client, "participant@northbrook.example")
    old_hash = world["participant_a"].password_hash

    response = change_password(client, current="not my password at all")

    assert response.status_code == 200
    assert "Your current password is not right" in response.text
    assert user_by_email("participant@northbrook.example").password_hash == old_hash
    assert events(system, "user.password_changed") == []


def test_changing_to_a_weak_password_is_refused(client, world):
    sign_in(client, "participant@northbrook.example")
    response = change_password(client, new="password1234")
    assert "Password is too common" in response.text
    assert client.get("/northbrook/").status_code == 200


def test_deactivating_a_participant_ends_their_sessions(app, login_as, world, system):
    participant = app.test_client()
    sign_in(participant, "participant@northbrook.example")
    assert participant.get("/northbrook/").status_code == 200
    manager = login_as(world["partner_manager_a"])

    response = manager.post(
        f"/northbrook/people/{world['participant_a'].id}/active", follow_redirects=True
    )

    assert "deactivated and signed out" in response.text
    assert participant.get("/northbrook/").status_code == 302
    assert sign_in(app.test_client(), "participant@northbrook.example").status_code == 200
    [event] = events(system, "user.deactivated")
    assert event.actor_id == world["partner_manager_a"].id


def test_admin_deactivating_host_staff_ends_their_sessions(app, login_as, world, system):
    host = app.test_client()
    sign_in(host, "host_practitioner@host.example")
    assert host.get("/host/").status_code == 200
    admin = login_as(world["centre_admin"])

    response = admin.post(f"/admin/users/{world['host_practitioner'].id}/active")

    assert response.status_code == 302
    assert not user_by_email("host_practitioner@host.example").active
    assert host.get("/host/").status_code == 302


def test_partner_manager_cannot_deactivate_another_authority_or_a_manager(login_as, world):
    manager = login_as(world["partner_manager_a"])
    other = manager.post(f"/northbrook/people/{world['participant_b'].id}/active")
    assert other.status_code == 404
    assert manager.post(f"/eastmere/people/{world['participant_b'].id}/active").status_code == 404
    assert user_by_email("participant@eastmere.example").active


def test_idle_session_is_signed_out_with_a_message(client, world):
    sign_in(client, "participant@northbrook.example")
    move_clock(timedelta(minutes=31))

    response = client.get("/northbrook/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/northbrook/")
    page = client.get(response.headers["Location"])
    assert "You were signed out after 30 minutes without activity" in page.text
    assert client.get("/northbrook/").status_code == 302


def test_idle_timeout_follows_configuration(client, world, app, monkeypatch):
    sign_in(client, "participant@northbrook.example")
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT", timedelta(minutes=5))
    move_clock(timedelta(minutes=4))
    assert client.get("/northbrook/").status_code == 200  # and the clock restarts
    move_clock(timedelta(minutes=4))
    assert client.get("/northbrook/").status_code == 200
    move_clock(timedelta(minutes=6))
    response = client.get("/northbrook/", follow_redirects=True)
    assert "signed out after 5 minutes without activity" in response.text


# --- Password reset ----------------------------------------------------------------------


def same_page(one: str, other: str) -> bool:
    """Equal apart from the per-response CSP nonces and CSRF tokens."""

    def blank(text: str) -> str:
        text = re.sub(r'nonce="[^"]+"', 'nonce=""', text)
        return re.sub(r'hx-headers="[^"]*"', 'hx-headers=""', text)

    return blank(one) == blank(other)


def forgot(client, email):
    """Ask for a reset link, and let the background work that sends it run."""
    response = client.post("/password/forgot", data={"email": email})
    run_jobs()
    return response


def test_a_reset_request_does_the_same_work_for_real_and_unknown_addresses(app, world, system):
    for email in ("participant@northbrook.example", "nobody@northbrook.example"):
        app.test_client().post("/password/forgot", data={"email": email})
    with system():
        queued = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.job, m.payload) for m in queued] == [
        ("accounts.password_reset", {"email": "participant@northbrook.example"}),
        ("accounts.password_reset", {"email": "nobody@northbrook.example"}),
    ]
    assert mails(system) == []  # nothing about the account was looked at yet
    assert events(system, "user.password_reset_requested") == []

    run_jobs()

    assert [m.recipient for m in mails(system)] == ["participant@northbrook.example"]


def test_many_reset_requests_for_one_account_send_three_emails_an_hour(app, world, system):
    client = app.test_client()
    for n in range(25):  # from many addresses, past the per-address limit
        client.post(
            "/password/forgot",
            data={"email": "participant@northbrook.example"},
            environ_base={"REMOTE_ADDR": f"10.0.{n}.1"},
        )
    run_jobs()

    assert len(mails(system, "participant@northbrook.example")) == 3
    assert len(events(system, "user.password_reset_limited")) == 22
    move_clock(timedelta(minutes=61))
    forgot(client, "participant@northbrook.example")
    assert len(mails(system, "participant@northbrook.example")) == 4


def test_reset_request_for_unknown_email_looks_the_same_and_sends_nothing(app, world, system):
    known = forgot(app.test_client(), "participant@northbrook.example")
    unknown = forgot(app.test_client(), "nobody@northbrook.example")

    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in unknown.text
    assert same_page(
        known.text.replace("participant@", "X@"), unknown.text.replace("nobody@", "X@")
    )
    assert mails(system, "nobody@northbrook.example") == []
    assert len(mails(system, "participant@northbrook.example")) == 1
    assert len(mails(system)) == 1


def test_reset_request_sends_nothing_to_a_deactivated_account(client, world, system):
    world["participant_a"].active = False
    db.session.commit()
    response = forgot(client, "participant@northbrook.example")
    assert "Check your email" in response.text
    assert mails(system) == []


def test_reset_link_works_once_and_ends_other_sessions(app, world, system):
    elsewhere = app.test_client()
    sign_in(elsewhere, "participant@northbrook.example")
    forgot(app.test_client(), "participant@northbrook.example")
    [message] = mails(system, "participant@northbrook.example")
    assert message.kind == "password_reset"
    link = link_in(message)
    client = app.test_client()

    assert client.get(link).status_code == 200
    response = set_password(client, link)

    assert response.status_code == 302
    assert client.get("/northbrook/").status_code == 200
    assert elsewhere.get("/northbrook/").status_code == 302
    assert sign_in(app.test_client(), "participant@northbrook.example").status_code == 200
    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "This password reset link has already been used" in again.text
    reused = set_password(app.test_client(), link, password="another fine passphrase here")
    assert reused.status_code == 400
    assert len(events(system, "user.password_reset")) == 1


def test_expired_reset_link_is_refused(app, world, system, monkeypatch):
    forgot(app.test_client(), "participant@northbrook.example")
    link = link_in(mails(system)[0])
    later = time.time() + timedelta(hours=1, minutes=1).total_seconds()
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))

    page = app.test_client().get(link)

    assert page.status_code == 400
    assert "This password reset link has expired" in page.text


def test_a_second_reset_request_does_not_break_the_first_link(app, world, system):
    forgot(app.test_client(), "participant@northbrook.example")
    forgot(app.test_client(), "participant@northbrook.example")
    first, second = (link_in(m) for m in mails(system))
    assert app.test_client().get(first).status_code == 200
    assert set_password(app.test_client(), second).status_code == 302
    assert app.test_client().get(first).status_code == 400


# --- Roles and the audit log -------------------------------------------------------------


def test_admin_role_change_is_audited_with_from_and_to(app, login_as, world, system):
    host = app.test_client()
    sign_in(host, "host_practitioner@host.example")
    admin = login_as(world["centre_admin"])
    person = world["host_practitioner"]

    response = admin.post(
        f"/admin/users/{person.id}/role", data={"role-role": "facilitator"}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "is now facilitator or coach" in response.text
    assert user_by_email("host_practitioner@host.example").role == Role.FACILITATOR
    [event] = events(system, "user.role_changed")
    assert event.details == {"from": "host_practitioner", "to": "facilitator"}
    assert event.actor_id == world["centre_admin"].id
    assert "Host practitioner → Facilitator or coach" in event.summary
    assert host.get("/host/").status_code == 302  # a new role means a new sign-in
    audit = admin.get("/admin/audit?action=user.role_changed").text
    assert "Host practitioner → Facilitator or coach" in audit


def test_role_cannot_cross_between_host_and_partner(login_as, world, system):
    admin = login_as(world["centre_admin"])
    response = admin.post(
        f"/admin/users/{world['participant_a'].id}/role", data={"role-role": "centre_admin"}
    )
    assert response.status_code == 400
    assert user_by_email("participant@northbrook.example").role == Role.PARTICIPANT
    assert events(system, "user.role_changed") == []
    with pytest.raises(RuleError):
        service.change_role(world["participant_a"], Role.FACILITATOR, by=world["centre_admin"])


def test_admin_cannot_change_their_own_role(world):
    with pytest.raises(RuleError):
        service.change_role(world["centre_admin"], Role.FACILITATOR, by=world["centre_admin"])


def audit_rows(page: str) -> int:
    return page.count('<tr class="govuk-table__row">') - 1  # minus the header row


def test_admin_audit_page_filters_by_action_and_tenant(app, login_as, world, system):
    sign_in(app.test_client(), "participant@northbrook.example")
    sign_in(app.test_client(), "participant@eastmere.example")
    sign_in(app.test_client(), "participant@eastmere.example", "wrong password entirely")
    admin = login_as(world["centre_admin"])

    everything = admin.get("/admin/audit")
    signed_in = admin.get("/admin/audit?action=auth.signed_in")
    northbrook = admin.get(f"/admin/audit?tenant={world.a.id}")
    eastmere_ok = admin.get(f"/admin/audit?action=auth.signed_in&tenant={world.b.id}")
    none = admin.get("/admin/audit?action=user.deactivated")

    assert everything.status_code == 200
    assert "3 events" in everything.text
    assert "2 events" in signed_in.text
    assert "auth.sign_in_failed" not in signed_in.text.split("<table")[1]
    assert "1 event, newest first" in northbrook.text
    assert "participant@northbrook.example" in northbrook.text.split("<table")[1]
    assert "participant@eastmere.example" not in northbrook.text.split("<table")[1]
    assert "1 event, newest first" in eastmere_ok.text
    assert audit_rows(eastmere_ok.text) == 1
    assert "participant@eastmere.example" in eastmere_ok.text.split("<table")[1]
    assert "No events match" in none.text


def test_audit_page_filters_by_actor_and_survives_nonsense(login_as, world, app):
    sign_in(app.test_client(), "participant@northbrook.example")
    sign_in(app.test_client(), "participant@eastmere.example")
    admin = login_as(world["centre_admin"])
    by_actor = admin.get("/admin/audit?actor=Participant@Eastmere.example")
    assert "1 event, newest first" in by_actor.text
    for query in ("tenant=abc", "tenant=999999", "action=%3Cscript%3E", "page=-1", "page=zz"):
        assert admin.get(f"/admin/audit?{query}").status_code == 200, query


@pytest.mark.parametrize("key", ["partner_manager_a", "participant_a", "facilitator"])
def test_only_admins_see_the_audit_log(login_as, world, key):
    assert login_as(world[key]).get("/admin/audit").status_code == 403


def test_audit_log_hides_nothing_a_user_did_in_another_authority_from_admins(app, login_as, world):
    UserFactory(email="loose@host.example", role=Role.FACILITATOR)
    db.session.commit()
    sign_in(app.test_client(), "loose@host.example")
    page = login_as(world["centre_admin"]).get("/admin/audit?action=auth.signed_in").text
    assert "loose@host.example" in page


@pytest.mark.parametrize(
    ("name", "email", "field", "message"),
    [
        ("   ", "ok@northbrook.example", "name", "Enter the person's full name"),
        ("N" * 121, "ok@northbrook.example", "name", "120 characters or fewer"),
        ("Nia\x00Patel", "ok@northbrook.example", "name", "letters, spaces and punctuation"),
        ("Nia Patel", "not an address", "email", "correct format"),
        ("Nia Patel", "nia\x00@northbrook.example", "email", "correct format"),
    ],
)
def test_invite_service_checks_its_own_input(world, system, name, email, field, message):
    """Jobs and the CLI call the service without a form: it must refuse bad input too."""
    before = counts(system)
    with pytest.raises(RuleError) as refused:
        service.invite_user(
            inviter=world["partner_manager_a"],
            email=email,
            name=name,
            role=Role.PARTICIPANT,
            tenant=world.a,
        )
    assert refused.value.field == field
    assert message in refused.value.message
    db.session.rollback()
    assert counts(system) == before


def test_invitation_links_can_be_made_outside_a_request(app, world, system):
    """The CLI and jobs invite people too; their links are the same as a page's."""
    invitation = service.invite_user(
        inviter=world["centre_admin"],
        email="job@host.example",
        name="Made By A Job",
        role=Role.FACILITATOR,
    )
    db.session.commit()
    assert invitation.link.startswith("http://localhost/invitations/")
    assert (
        app.test_client().get(invitation.link.removeprefix("http://localhost")).status_code == 200
    )


# --- Assignments, scope and participants ------------------------------------------------


def memberships(system, user: User) -> set[int]:
    db.session.expire_all()
    with system():
        return set(
            db.session.scalars(select(Membership.tenant_id).where(Membership.user_id == user.id))
        )


def test_assignments_change_authorities_outside_the_scope_they_are_made_in(world, system):
    """Each authority's membership is added or removed in that authority's own scope, so
    the change works (and passes both locks) whatever the caller's scope covers."""
    person, admin = world["host_practitioner"], world["centre_admin"]
    with tenancy.scoped({world.a.id}):
        service.set_assignments(person, [world.a.id, world.b.id], by=admin)
        leaked = [
            m for m in db.session.identity_map.values()
            if isinstance(m, Membership) and m.tenant_id == world.b.id
        ]  # fmt: skip
        assert leaked == []  # nothing of the other authority stays in this scope's session
        db.session.commit()
    assert memberships(system, person) == {world.a.id, world.b.id}

    with tenancy.scoped({world.b.id}):
        service.set_assignments(person, [world.b.id], by=admin)  # removes a's, unseen here
        db.session.commit()
    assert memberships(system, person) == {world.b.id}

    with tenancy.scoped({world.a.id}):
        assert service.tenant_ids_for(person) == [world.b.id]  # read across every authority
    service.set_assignments(person, [], by=admin)  # no scope at all: a CLI command
    db.session.commit()
    assert memberships(system, person) == set()
    changes = events(system, "user.assignments_changed")
    assert [e.details["tenants"] for e in changes] == [sorted([world.a.id, world.b.id]),
                                                      [world.b.id], []]  # fmt: skip


def test_only_host_staff_below_admin_are_assigned(world, system):
    for key in ("participant_a", "partner_manager_a", "centre_admin"):
        with pytest.raises(RuleError, match="Only host practitioners"):
            service.set_assignments(world[key], [world.b.id], by=world["centre_admin"])
    assert memberships(system, world["participant_a"]) == {world.a.id}


def test_active_participants_of_an_authority(world, system):
    with system():
        early = UserFactory(role=Role.PARTICIPANT, name="Abe Early")
        gone = UserFactory(role=Role.PARTICIPANT, name="Ivo Inactive", active=False)
        for person in (early, gone):
            db.session.add(Membership(user_id=person.id, tenant_id=world.a.id))
        db.session.commit()
    with tenancy.scoped({world.a.id}):
        found = service.active_participants(world.a.id)
        assert [u.id for u in found] == [early.id, world["participant_a"].id]  # by name
        assert service.active_participant(world.a.id, early.id).id == early.id
        for other in (gone, world["partner_manager_a"], world["participant_b"]):
            assert service.active_participant(world.a.id, other.id) is None
        assert service.active_participant(world.a.id, None) is None
        assert service.active_participants(world.b.id) == []  # outside the scope: nobody
