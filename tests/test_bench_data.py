"""The bench's data grower (bench/data.py) still fits the models: it loads, at ×1, what
its table says, with the demo people among many rather than alone."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.data import PER_FACTOR, SEARCHED, grow
from portal import tenancy
from portal.boards.models import Reflection
from portal.demo import seed_demo
from portal.extensions import db
from portal.sessions.models import Place, Session


def test_the_bench_grows_the_demo_data_by_its_factor(app):
    seed_demo()
    db.session.commit()
    with tenancy.system_scope():
        before = db.session.scalar(select(func.count()).select_from(Session))

    added = grow(factor=2)

    assert added["sessions"] == PER_FACTOR["sessions"] * 2
    assert added["places"] == added["sessions"]
    assert added["reflections"] == PER_FACTOR["reflections"] * 2
    with tenancy.system_scope():
        assert db.session.scalar(select(func.count()).select_from(Session)) == (
            before + added["sessions"]
        )
        assert db.session.scalar(select(func.count()).select_from(Place)) >= added["places"]
        bodies = db.session.scalars(select(Reflection.body)).all()
    # Each searched word is in about its share of reflections, not in all of them.
    common = sum("strategy" in body for body in bodies) / len(bodies)
    assert 0 < common < 3 * SEARCHED["strategy"]
    assert not any("zebra" in body for body in bodies)
