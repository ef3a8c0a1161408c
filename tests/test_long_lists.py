"""Long lists people can find things in (issue 13, point 11): name search on People and
the admin's people list, and an audit log with a date range and words for its actions."""

from __future__ import annotations

from datetime import timedelta

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.audit.service import action_label, record
from portal.common.clock import move_clock
from portal.extensions import db
from tests.factories import UserFactory


def people(world, *names):
    with tenancy.system_scope():
        for name in names:
            user = UserFactory(role=Role.PARTICIPANT, name=name)
            db.session.add(Membership(user_id=user.id, tenant_id=world.a.id))
        db.session.commit()


def test_a_manager_finds_a_participant_by_name_or_address(world, login_as):
    people(world, "Amara Okafor", "Ben Lowe", "Chioma Obi")
    manager = login_as(world["partner_manager_a"])

    found = manager.get("/northbrook/people?q=oka").text
    by_address = manager.get(f"/northbrook/people?q={world['participant_a'].email}").text
    nobody = manager.get("/northbrook/people?q=zzz").text

    assert "Amara Okafor" in found and "Ben Lowe" not in found
    assert 'value="oka"' in found and "Show everyone" in found
    assert world["participant_a"].name in by_address and "Amara Okafor" not in by_address
    assert "Nobody’s name or email address holds “zzz”" in nobody


def test_wildcards_in_a_search_are_only_characters(world, login_as):
    people(world, "Ben Lowe")
    manager = login_as(world["partner_manager_a"])
    assert "Ben Lowe" not in manager.get("/northbrook/people?q=%25").text
    assert "Ben Lowe" not in manager.get("/northbrook/people?q=_").text


def test_a_search_never_reaches_another_authority(world, login_as):
    manager = login_as(world["partner_manager_a"])
    page = manager.get("/northbrook/people?q=eastmere").text
    assert "participant@eastmere.example" not in page


def test_an_admin_finds_anyone_by_name_and_keeps_the_role_filter(world, login_as):
    people(world, "Amara Okafor")
    admin = login_as(world["centre_admin"])

    page = admin.get("/admin/users?q=amara&role=participant").text
    other_role = admin.get("/admin/users?q=amara&role=facilitator").text

    assert "Amara Okafor" in page and "1 person" in page
    assert "Amara Okafor" not in other_role and "Nobody matches" in other_role
    assert 'name="role" value="participant"' in page


def test_the_audit_log_speaks_words_and_takes_a_date_range(world, login_as):
    with tenancy.system_scope():
        record("placement.check_confirmed", summary="Old one", tenant_id=world.a.id)
        db.session.commit()
    move_clock(timedelta(days=10))
    with tenancy.system_scope():
        record("placement.check_confirmed", summary="New one", tenant_id=world.a.id)
        db.session.commit()
    admin = login_as(world["centre_admin"])
    from portal.common.clock import today

    day = today()
    everything = admin.get("/admin/audit").text
    recent = admin.get(f"/admin/audit?since={day.day}&since={day.month}&since={day.year}").text

    assert "Placement: check confirmed" in everything
    assert "placement.check_confirmed</code>" not in everything
    assert "New one" in recent and "Old one" not in recent
    assert action_label("user.invitation_resent") == "User: invitation resent"
