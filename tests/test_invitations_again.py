"""An invitation is never a dead end: sent again, cancelled, corrected, or asked for
through "Forgot your password" (portal/accounts/pending.py, invitations.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts import service
from portal.accounts.models import Role
from portal.common.clock import move_clock
from portal.extensions import db
from tests.test_accounts import (
    events,
    forgot,
    invite_participant,
    link_in,
    mails,
    set_password,
    sign_in,
    user_by_email,
)

NEW = "new.person@northbrook.example"


@pytest.fixture
def invited(login_as, world, system):
    """Nia, invited by Northbrook's manager: her person, the manager's client, her link."""
    invite_participant(login_as, world)
    person = user_by_email(NEW)
    return person, login_as(world["partner_manager_a"]), link_in(mails(system, NEW)[0])


def person_page(manager, person):
    return manager.get(f"/northbrook/people/{person.id}")


def test_a_manager_sends_an_invitation_again_and_only_the_new_link_works(app, system, invited):
    person, manager, first = invited

    response = manager.post(f"/northbrook/people/{person.id}/invitation")

    assert response.status_code == 302
    page = manager.get(response.headers["Location"])
    assert f"A new invitation was sent to {NEW}. Any earlier link no longer works." in page.text
    second = link_in(mails(system, NEW)[-1])
    assert second != first
    old = app.test_client().get(first)
    assert old.status_code == 400
    assert "a newer one was sent" in old.text
    assert set_password(app.test_client(), second).status_code == 302
    assert user_by_email(NEW).has_password
    [event] = events(system, "user.invitation_resent")
    assert event.tenant_id == person_tenant(person)


def person_tenant(person):
    return service.audit_tenant(user_by_email(person.email))


def test_inviting_the_same_address_again_sends_a_fresh_invitation(login_as, world, system):
    manager = login_as(world["partner_manager_a"])
    invite = {"name": "Nia Patel", "email": NEW}
    manager.post("/northbrook/people/invite", data=invite)
    response = manager.post("/northbrook/people/invite", data=invite)

    assert response.status_code == 302
    page = manager.get("/northbrook/people")
    assert "A new invitation was sent to" in page.text
    assert len(mails(system, NEW)) == 2
    assert "already has an account" not in page.text


def test_an_expired_invitation_says_so_and_a_new_one_works_for_another_week(
    app, login_as, world, system, invited
):
    person, _, _ = invited
    move_clock(timedelta(days=8))
    manager = login_as(world["partner_manager_a"])  # signed in again, a week later

    page = person_page(manager, person)
    listed = manager.get("/northbrook/people")

    assert "Invitation expired" in page.text
    assert "expired" in page.text and "Send a new invitation" in page.text
    assert "Invitation expired" in listed.text
    manager.post(f"/northbrook/people/{person.id}/invitation")
    assert "Invitation expired" not in person_page(manager, person).text
    assert set_password(app.test_client(), link_in(mails(system, NEW)[-1])).status_code == 302


def test_a_cancelled_invitation_stops_working_and_can_be_sent_again(app, system, invited):
    person, manager, link = invited

    manager.post(f"/northbrook/people/{person.id}/invitation/cancel")

    assert not user_by_email(NEW).active
    assert "Invitation cancelled" in person_page(manager, person).text
    assert app.test_client().get(link).status_code == 400
    assert len(events(system, "user.invitation_cancelled")) == 1
    forgot(app.test_client(), NEW)  # a cancelled invitation is not reopened by asking
    assert len(mails(system, NEW)) == 1

    manager.post(f"/northbrook/people/{person.id}/invitation")

    assert user_by_email(NEW).active
    assert set_password(app.test_client(), link_in(mails(system, NEW)[-1])).status_code == 302


def test_forgot_password_from_someone_invited_sends_a_fresh_invitation(app, system, invited):
    _, _, first = invited

    response = forgot(app.test_client(), NEW)

    assert "Check your email" in response.text
    message = mails(system, NEW)[-1]
    assert message.kind == "invitation"
    assert "you have not set one yet" in message.body_text
    assert app.test_client().get(first).status_code == 400
    assert set_password(app.test_client(), link_in(message)).status_code == 302


def test_fresh_invitations_on_request_are_limited_like_resets(app, system, invited):
    """At most PASSWORD_RESETS_PER_HOUR invitation emails an hour, the first included."""
    for _ in range(6):
        forgot(app.test_client(), NEW)
    assert len(mails(system, NEW)) == app.config["PASSWORD_RESETS_PER_HOUR"]
    move_clock(timedelta(minutes=61))
    forgot(app.test_client(), NEW)
    assert len(mails(system, NEW)) == app.config["PASSWORD_RESETS_PER_HOUR"] + 1


def test_someone_who_set_a_password_is_not_sent_an_invitation(app, login_as, world, system):
    manager = login_as(world["partner_manager_a"])
    participant = world["participant_a"]

    response = manager.post(
        f"/northbrook/people/{participant.id}/invitation", follow_redirects=True
    )

    assert "has already set a password" in response.text
    assert mails(system, participant.email) == []


@pytest.mark.parametrize("action", ["invitation", "invitation/cancel", "details"])
def test_only_the_authoritys_manager_acts_on_its_invitations(login_as, world, system, action):
    invite_participant(login_as, world)
    person = user_by_email(NEW)
    other_manager = login_as(world["partner_manager_b"])
    host = login_as(world["service_lead"])
    participant = login_as(world["participant_a"])

    assert other_manager.post(f"/northbrook/people/{person.id}/{action}").status_code == 404
    assert other_manager.post(f"/eastmere/people/{person.id}/{action}").status_code == 404
    assert host.post(f"/northbrook/people/{person.id}/{action}").status_code == 403
    assert participant.post(f"/northbrook/people/{person.id}/{action}").status_code == 403
    assert len(mails(system, NEW)) == 1 and user_by_email(NEW).active


def test_a_manager_corrects_a_participants_name(login_as, world):
    manager = login_as(world["partner_manager_a"])
    participant = world["participant_a"]

    response = manager.post(
        f"/northbrook/people/{participant.id}/details",
        data={"name": "Pat Okafor-Smith", "email": participant.email},
    )

    assert response.status_code == 302
    assert user_by_email(participant.email).name == "Pat Okafor-Smith"


def test_a_manager_cannot_move_a_signed_in_participant_to_a_new_address(login_as, world):
    manager = login_as(world["partner_manager_a"])
    participant = world["participant_a"]

    response = manager.post(
        f"/northbrook/people/{participant.id}/details",
        data={"name": participant.name, "email": "elsewhere@northbrook.example"},
    )

    assert response.status_code == 200
    assert "Only the Centre for Social Work can change the email address" in response.text
    assert 'href="#email"' in response.text
    assert user_by_email(participant.email) is not None


def test_a_manager_corrects_a_mistyped_invitation_address(app, system, invited):
    person, manager, old_link = invited

    response = manager.post(
        f"/northbrook/people/{person.id}/details",
        data={"name": "Nia Patel", "email": "nia.patel@northbrook.example"},
    )

    corrected = user_by_email("nia.patel@northbrook.example")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/northbrook/people/{corrected.id}"
    assert not user_by_email(NEW).active  # the mistyped one is cancelled
    assert app.test_client().get(old_link).status_code == 400
    new_link = link_in(mails(system, "nia.patel@northbrook.example")[0])
    assert set_password(app.test_client(), new_link).status_code == 302


def test_correcting_to_another_authoritys_address_says_no_more_than_inviting_it(
    system, invited, world
):
    """The answer is the one a new address gets (tests/test_invitation_privacy.py)."""
    person, manager, _ = invited

    response = manager.post(
        f"/northbrook/people/{person.id}/details",
        data={"name": "Nia Patel", "email": "participant@eastmere.example"},
        follow_redirects=True,
    )

    assert "Invitation sent to participant@eastmere.example" in response.text
    assert "already has an account" not in response.text
    assert user_by_email("participant@eastmere.example").role == Role.PARTICIPANT
    assert service.tenant_ids_for(user_by_email("participant@eastmere.example")) == [world.b.id]
    assert len(events(system, "user.invitation_refused")) == 1


def test_an_admin_changes_a_signed_in_persons_address(app, login_as, world, system):
    participant = world["participant_a"]
    elsewhere = app.test_client()
    sign_in(elsewhere, participant.email)
    admin = login_as(world["centre_admin"])

    response = admin.post(
        f"/admin/users/{participant.id}/details",
        data={"name": participant.name, "email": "pat.new@northbrook.example"},
    )

    assert response.status_code == 302
    assert elsewhere.get("/northbrook/").status_code == 302  # signed out
    assert [m.kind for m in mails(system, "participant@northbrook.example")] == ["email_changed"]
    assert [m.kind for m in mails(system, "pat.new@northbrook.example")] == ["email_changed"]
    assert sign_in(app.test_client(), "pat.new@northbrook.example").status_code == 302
    [event] = events(system, "user.details_changed")
    assert "pat.new@northbrook.example" in event.summary


def test_an_admin_cannot_take_an_address_someone_has(login_as, world):
    admin = login_as(world["centre_admin"])
    participant = world["participant_a"]

    response = admin.post(
        f"/admin/users/{participant.id}/details",
        data={"name": participant.name, "email": "participant@eastmere.example"},
    )

    assert response.status_code == 200
    assert "already has an account" in response.text
    db.session.expire_all()
    assert user_by_email("participant@northbrook.example") is not None


def test_an_admin_resends_and_cancels_from_the_persons_page(app, login_as, world, system):
    admin = login_as(world["centre_admin"])
    admin.post(
        "/admin/users/invite",
        data={"name": "Lee Host", "email": "lee@host.example", "role": "host_practitioner"},
    )
    person = user_by_email("lee@host.example")

    page = admin.get(f"/admin/users/{person.id}")
    assert "Send the invitation again" in page.text and "Cancel invitation" in page.text
    admin.post(f"/admin/users/{person.id}/invitation/cancel")
    assert "Invitation cancelled" in admin.get(f"/admin/users/{person.id}").text
    admin.post(f"/admin/users/{person.id}/invitation")
    assert user_by_email("lee@host.example").active
    assert len(mails(system, "lee@host.example")) == 2


def test_the_invalid_link_page_says_how_to_get_a_new_one(app, world):
    page = app.test_client().get("/invitations/nonsense")
    assert page.status_code == 400
    assert "forgotten password page" in page.text
    assert "we send you a new invitation" in page.text
