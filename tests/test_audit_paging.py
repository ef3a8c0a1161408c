"""The audit log pages by where the last page ended (keyset), newest first (issue 13,
point 11): a page deep in the log costs what the first does, and events written while
an admin reads never push a row onto the next page twice."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from portal import tenancy
from portal.audit.models import AuditEvent
from portal.common.clock import utcnow
from portal.extensions import db


def events(count: int, *, start=None) -> None:
    start = start or utcnow() - timedelta(days=1)
    with tenancy.system_scope():
        db.session.add_all(
            AuditEvent(
                action="test.event",
                summary=f"Event {n:03}",
                occurred_at=start + timedelta(seconds=n),
            )  # fmt: skip
            for n in range(count)
        )
        db.session.commit()


def shown(html: str) -> list[str]:
    return re.findall(r"Event (\d{3})", html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def test_older_and_newer_pages_follow_each_other_without_gaps_or_repeats(world, login_as):
    events(120)
    admin = login_as(world["centre_admin"])

    first = admin.get("/admin/audit?action=test.event").text
    assert shown(first) == [f"{n:03}" for n in range(119, 69, -1)]
    assert link(first, "prev") is None and "120 events" in first
    second = admin.get(link(first, "next")).text
    events(3, start=utcnow())  # written while the admin reads: page 3 is not shifted
    third = admin.get(link(second, "next")).text

    assert shown(second) == [f"{n:03}" for n in range(69, 19, -1)]
    assert shown(third) == [f"{n:03}" for n in range(19, -1, -1)]
    assert link(third, "next") is None
    back = admin.get(link(third, "prev")).text
    assert shown(back) == shown(second)
    assert "action=test.event" in link(second, "next")  # the filter goes with the page


def test_a_cursor_that_is_not_one_is_the_first_page(world, login_as):
    events(3)
    admin = login_as(world["centre_admin"])
    for cursor in ("x", "12-", "-3", "9" * 18 + "-1", "1-" + "9" * 30):
        page = admin.get(f"/admin/audit?action=test.event&older={cursor}")
        assert page.status_code == 200, cursor
