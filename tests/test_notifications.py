"""In-portal notifications: the list, the header count (htmx), marking read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.errors import RuleError
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.notifications.service import notify


def _notify(world, key="participant_a", text="Your import has finished", link="/northbrook/"):
    with tenancy.system_scope():
        notification = notify(user_id=world[key].id, text=text, link=link, tenant_id=world.a.id)
        _db.session.commit()
        return notification.id


def test_the_count_shows_unread_and_htmx_gets_only_the_badge(world, login_as):
    _notify(world)
    _notify(world, text="Second")
    client = login_as(world["participant_a"])
    partial = client.get("/notifications/count", headers={"HX-Request": "true"})
    html = partial.get_data(as_text=True)
    assert "<html" not in html and ">2<" in html.replace(" ", "")
    # Without htmx the same address is simply the list.
    assert client.get("/notifications/count").status_code == 302


def test_the_list_shows_ones_own_notifications_and_marks_them_read(world, login_as):
    own = _notify(world)
    _notify(world, key="partner_manager_a", text="Not for the participant")
    client = login_as(world["participant_a"])
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Your import has finished" in page and "Not for the participant" not in page
    swapped = client.post(f"/notifications/{own}/read", headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and "Mark as read" not in swapped.get_data(as_text=True)
    with tenancy.system_scope():
        assert _db.session.get(Notification, own).read_at is not None


def test_nobody_can_mark_someone_elses_notification(world, login_as):
    theirs = _notify(world)
    for key in ("partner_manager_a", "participant_b", "centre_admin"):
        assert login_as(world[key]).post(f"/notifications/{theirs}/read").status_code == 404
    with tenancy.system_scope():
        assert _db.session.get(Notification, theirs).read_at is None


def test_mark_all_read(world, login_as):
    _notify(world)
    _notify(world, text="Another")
    client = login_as(world["participant_a"])
    client.post("/notifications/read-all")
    with tenancy.system_scope():
        unread = _db.session.scalars(select(Notification).where(Notification.read_at.is_(None)))
        assert unread.all() == []


def test_a_notification_only_links_inside_the_portal(world):
    with tenancy.system_scope(), pytest.raises(RuleError):
        notify(user_id=world["participant_a"].id, text="x", link="https://evil.example/",
               tenant_id=world.a.id)  # fmt: skip
