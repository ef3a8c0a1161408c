"""Lists page without counting everything they hold (portal/common/paging.py)."""

from __future__ import annotations

from sqlalchemy import insert, select

from portal.accounts.models import Role, User
from portal.common.paging import COUNT_CAP, sorted_window, window
from portal.extensions import db as _db
from tests.test_query_counts import count_queries


def _people(n: int) -> None:
    rows = [{"email": f"p{i}@example.org", "name": f"P {i:04d}", "role": Role.PARTICIPANT,
             "session_stamp": "x", "active": True} for i in range(n)]  # fmt: skip
    _db.session.execute(insert(User), rows)
    _db.session.commit()


def test_a_short_list_has_an_exact_total(app, db):
    _people(7)
    everyone = select(User).order_by(User.name)
    with count_queries(app) as statements:
        page = window(everyone, page=1, per_page=10)
    assert len(statements) == 2  # the page, and the count: as many as a long list
    assert (page.total, page.more, page.has_next, page.has_prev, page.pages) == (
        7,
        False,
        False,
        False,
        1,
    )
    assert [p.name for p in page.items] == [f"P {i:04d}" for i in range(7)]


def test_a_long_list_counts_only_up_to_the_cap(app, db):
    _people(COUNT_CAP + 20)
    everyone = select(User).order_by(User.name)
    with count_queries(app) as statements:
        page = window(everyone, page=3, per_page=50)
    assert len(statements) == 2  # the page (and one more row), then the capped count
    assert (page.total, page.more, page.has_next, page.prev_num, page.next_num) == (
        COUNT_CAP,
        True,
        True,
        2,
        4,
    )
    assert page.items[0].name == "P 0100"
    last = window(everyone, page=21, per_page=50)  # 1,020 rows: page 21 has the last 20
    assert len(last.items) == 20 and not last.has_next
    beyond = window(everyone, page=999, per_page=50)
    assert beyond.items == [] and beyond.has_prev


def test_a_sort_over_every_row_counts_them_in_the_same_statement(app, db):
    """A word search sorts all it matches anyway: its exact count comes with the page."""
    _people(COUNT_CAP + 20)
    ids = select(User.id).order_by(User.name.desc())
    with count_queries(app) as statements:
        page = sorted_window(ids, page=2, per_page=50)
    assert len(statements) == 1
    assert (page.total, page.more, page.has_next, page.prev_num) == (COUNT_CAP + 20, False, True, 1)
    first = _db.session.get(User, page.items[0])
    assert first.name == f"P {COUNT_CAP + 20 - 51:04d}"
    with count_queries(app) as statements:
        beyond = sorted_window(ids, page=999, per_page=50)
    assert beyond.items == [] and beyond.total == COUNT_CAP + 20 and len(statements) == 2


def test_a_capped_total_reads_as_more_than_the_cap(app, world, login_as):
    from portal import tenancy
    from portal.audit.service import record

    with tenancy.system_scope():
        for _ in range(COUNT_CAP + 1):
            record("test.event", tenant_id=world.a.id)
        _db.session.commit()
    text = login_as(world["centre_admin"]).get("/admin/audit").get_data(as_text=True)
    assert "More than 1,000 events, newest first" in text
    assert "Page 1 of" not in text and 'rel="next"' in text  # older events, by keyset
