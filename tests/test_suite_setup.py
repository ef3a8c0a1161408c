"""The test suite's own arrangements: what it changes for speed and determinism (cheap
password hashing, a frozen clock, a Redis database and ports per worker) is only for
the tests, and production keeps its real settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import text

from portal import tenancy
from portal.accounts import passwords
from portal.common import clock
from portal.config import ConfigError, check, from_env, password_hash_cost
from portal.notifications.service import notify
from tests.factories import TenantFactory
from tests.support import FROZEN_AT, redis_url_for_tests

PRODUCTION_ENV = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "s" * 64,
    "DATABASE_URL": "postgresql://portal@db.internal/portal",
    "PORTAL_BASE_URL": "https://portal.example",
    "TRUSTED_PROXIES": "1",
}


def test_production_hashes_passwords_with_argon2id_at_the_real_cost():
    assert from_env({})["PASSWORD_HASH_COST"] == "production"
    assert from_env(PRODUCTION_ENV)["PASSWORD_HASH_COST"] == "production"
    hasher = passwords.make_hasher(password_hash_cost({}))
    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost,
        RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    )
    assert hasher.hash("correct-horse-battery-staple").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_production_refuses_the_test_suites_hashing_cost():
    check(from_env(PRODUCTION_ENV))  # fine as it is
    with pytest.raises(ConfigError, match="PASSWORD_HASH_COST"):
        check(from_env({**PRODUCTION_ENV, "PASSWORD_HASH_COST": "test"}))
    with pytest.raises(ConfigError, match="PASSWORD_HASH_COST"):
        password_hash_cost({"PASSWORD_HASH_COST": "cheap"})


def test_the_suite_hashes_cheaply_but_still_with_argon2id():
    assert passwords.hasher.type is Type.ID
    if password_hash_cost() == "test":
        assert passwords.hash_password("x" * 12).startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_every_test_starts_at_the_same_moment(frozen_clock):
    assert frozen_clock == FROZEN_AT == datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
    assert FROZEN_AT.weekday() == 0  # a Monday
    assert clock.today().isoformat() == "2027-01-11"
    assert timedelta(0) <= clock.utcnow() - FROZEN_AT < timedelta(minutes=1)
    clock.move_clock(timedelta(days=40))  # the next test starts at FROZEN_AT again


def test_each_worker_has_its_own_redis_database(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_REDIS_DB", raising=False)
    url = "redis://127.0.0.1:6379/8"
    assert redis_url_for_tests(url, worker=0) == "redis://127.0.0.1:6379/9"
    assert redis_url_for_tests(url, worker=1) == "redis://127.0.0.1:6379/10"
    assert redis_url_for_tests("redis://127.0.0.1:6379", worker=0) == "redis://127.0.0.1:6379/1"
    monkeypatch.setenv("PORTAL_TEST_REDIS_DB", "12")
    assert redis_url_for_tests(url, worker=1) == "redis://127.0.0.1:6379/13"
    assert redis_url_for_tests(None) is None


def test_after_each_test_every_table_is_empty_and_ids_start_again(world, db, empty_database):
    with tenancy.scoped({world.a.id}):
        notify(user_id=world["participant_a"].id, text="Hello", link="/", tenant_id=world.a.id)
        db.session.commit()
    TenantFactory(slug="rolled-back")  # an insert rolled back still uses an id
    db.session.rollback()

    empty_database()

    with empty_database.engine.connect() as conn:  # on PostgreSQL, past row-level security
        rows = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in empty_database.tables}
    assert [table for table, count in rows.items() if count] == []
    assert TenantFactory().id == 1
