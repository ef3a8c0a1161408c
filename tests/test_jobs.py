"""Background work: the outbox, the relay, RQ workers, embedded mode and email.

The Redis tests run a real RQ worker (``SimpleWorker``, burst mode, in this
process) against the Redis in REDIS_URL; the mail tests send through a real
SMTP server (aiosmtpd) started by the test.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import tenancy
from portal.accounts import service as accounts
from portal.accounts.models import Membership, Role
from portal.common.clock import utcnow
from portal.extensions import db as _db
from portal.jobs import relay
from portal.jobs.embedded import run_due
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.registry import JOBS, job
from portal.jobs.runner import run_outbox
from portal.jobs.service import cancel_topic, enqueue, move_topic
from portal.mail.models import MailMessage
from tests.factories import PASSWORD
from tests.support import REDIS_URL, free_port

needs_redis = pytest.mark.skipif(REDIS_URL is None, reason="needs REDIS_URL")

CALLS: list[tuple] = []


@job("test.record", retries=0, personal_data=False)
def record_call(label: str) -> None:
    """Records its scope and what it could see: the tenant ids of every membership."""
    seen = sorted(set(_db.session.scalars(select(Membership.tenant_id))))
    CALLS.append((label, sorted(tenancy.current_scope()), seen))


@job("test.explode", retries=2, personal_data=False)
def explode() -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _outbox(**filters) -> list[OutboxMessage]:
    with tenancy.system_scope():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for key, value in filters.items():
            query = query.where(getattr(OutboxMessage, key) == value)
        rows = _db.session.scalars(query).all()
        for row in rows:
            _db.session.expunge(row)  # a snapshot, readable outside the scope
        _db.session.rollback()
        return rows


def _invite(world):
    with tenancy.scoped({world.a.id}):
        invitation = accounts.invite_user(
            inviter=world["partner_manager_a"],
            email="new.person@northbrook.example",
            name="New Person",
            role=Role.PARTICIPANT,
            tenant=world.a,
        )
        _db.session.commit()
    return invitation


# --- Outbox ------------------------------------------------------------------------------


def test_the_outbox_row_commits_with_the_change(world):
    _invite(world)
    rows = _outbox(job="mail.send")
    assert len(rows) == 1
    assert rows[0].tenant_id == world.a.id
    assert rows[0].status == OutboxStatus.PENDING


def test_a_rolled_back_change_leaves_no_work_behind(world, db):
    with tenancy.scoped({world.a.id}):
        accounts.invite_user(
            inviter=world["partner_manager_a"],
            email="never@northbrook.example",
            name="Never Sent",
            role=Role.PARTICIPANT,
            tenant=world.a,
        )
        db.session.rollback()
    assert _outbox() == []
    with tenancy.system_scope():
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_an_unknown_job_is_refused_when_promised(world):
    with pytest.raises(LookupError):
        enqueue("no.such.job", tenant_id=None)


# --- Embedded mode and email --------------------------------------------------------------


def test_embedded_mode_sends_the_email_once_through_smtp(world, smtp):
    invitation = _invite(world)
    outcome = run_due()
    assert outcome == {"done": 1}, _outbox()[0].last_error
    assert len(smtp.messages) == 1
    sent = smtp.messages[0]
    assert sent["To"] == "new.person@northbrook.example"
    assert "Northbrook" in sent["Subject"]
    parts = {part.get_content_type(): part for part in sent.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert invitation.link in text
    assert f'href="{invitation.link}"' in html
    assert "Northbrook Council" in html
    # A second run of the same job sends nothing new.
    row = _outbox(job="mail.send")[0]
    with tenancy.scoped({world.a.id}):
        JOBS["mail.send"].func(**row.payload)
        _db.session.commit()
    assert run_outbox(row.id, row.tenant_id) == "skipped: done"
    assert len(smtp.messages) == 1


def test_without_a_mail_server_mail_stays_in_the_portal(world):
    _invite(world)
    assert run_due() == {"done": 1}
    with tenancy.system_scope():
        message = _db.session.scalar(select(MailMessage))
        assert message.sent_at is None
        assert message.recipient == "new.person@northbrook.example"


def test_failing_work_backs_off_and_gives_up_after_its_retries(world):
    with tenancy.system_scope():
        enqueue("test.explode", tenant_id=None)
        _db.session.commit()
    assert run_due() == {"failed": 1}
    row = _outbox()[0]
    assert row.failures == 1 and row.status == OutboxStatus.PENDING
    assert "RuntimeError: boom" in row.last_error
    assert run_due() == {}  # backing off: not due yet
    for _ in range(2):
        with tenancy.system_scope():
            _db.session.get(OutboxMessage, row.id).run_at = utcnow()
            _db.session.commit()
        run_due()
    row = _outbox()[0]
    assert row.failures == 3 and row.status == OutboxStatus.FAILED


def test_cancelled_work_never_runs_and_moved_work_runs_at_its_new_time(world):
    soon = utcnow() + timedelta(hours=1)
    with tenancy.system_scope():
        enqueue("test.record", tenant_id=world.a.id, topic="session:1", run_at=soon,
                label="cancelled")  # fmt: skip
        enqueue("test.record", tenant_id=world.a.id, topic="session:2", run_at=soon,
                label="moved")  # fmt: skip
        _db.session.commit()
    rows = _outbox()
    with tenancy.system_scope():
        assert cancel_topic("session:1") == 1
        assert move_topic("session:2", utcnow() - timedelta(seconds=1)) == 1
        _db.session.commit()
    # Even a copy already handed to a queue reads its row first and does nothing.
    assert run_outbox(rows[0].id, world.a.id) == "skipped: cancelled"
    assert run_due() == {"done": 1}
    assert [label for label, *_ in CALLS] == ["moved"]


# --- Real Redis, real RQ worker -----------------------------------------------------------


@pytest.fixture
def redis_conn(app):
    from redis import Redis

    assert app.config["REDIS_URL"] == REDIS_URL
    return Redis.from_url(REDIS_URL)


def work(connection, *, scheduler: bool = False) -> None:
    """Run a real RQ worker in this process until the queues are empty."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from portal.jobs.registry import QUEUES

    queues = [relay.queue(name, connection) for name in QUEUES]
    worker = SimpleWorker(queues, connection=connection, serializer=JSONSerializer)
    worker.work(burst=True, with_scheduler=scheduler)


@needs_redis
def test_the_relay_hands_work_to_a_real_worker_which_sends_once(world, smtp, redis_conn):
    _invite(world)
    assert relay.relay_pending().relayed == 1
    assert _outbox()[0].status == OutboxStatus.RELAYED
    assert relay.relay_pending().relayed == 0  # nothing is handed over twice
    work(redis_conn)
    row = _outbox()[0]
    assert row.status == OutboxStatus.DONE
    assert len(smtp.messages) == 1
    # The same job run again by RQ (a retry, a duplicate delivery) sends nothing new.
    assert run_outbox(row.id, row.tenant_id) == "skipped: done"
    assert len(smtp.messages) == 1


@needs_redis
def test_a_failing_job_is_retried_then_lands_in_the_failed_registry(world, redis_conn, monkeypatch):
    from rq.registry import FailedJobRegistry

    monkeypatch.setattr(relay, "RETRY_INTERVALS", [0, 0, 0])
    with tenancy.system_scope():
        enqueue("test.explode", tenant_id=None)
        _db.session.commit()
    relay.relay_pending()
    row = _outbox()[0]
    work(redis_conn)
    failed = FailedJobRegistry(queue=relay.queue("default", redis_conn))
    assert row.rq_job_id in failed.get_job_ids()
    row = _outbox()[0]
    assert row.failures == 3  # the first run and two retries
    assert row.status == OutboxStatus.FAILED
    assert "boom" in row.last_error


@needs_redis
def test_work_lost_with_a_killed_worker_is_relayed_again_and_done_once(world, smtp, redis_conn):
    _invite(world)
    relay.relay_pending()
    # A worker took the job off the queue and was killed before it finished.
    mail_queue = relay.queue("mail", redis_conn)
    [lost] = mail_queue.job_ids
    mail_queue.remove(lost)
    assert relay.relay_pending().relayed == 0  # still within its lease
    with tenancy.system_scope():
        row = _db.session.scalar(select(OutboxMessage))
        long_ago = utcnow() - relay.lease(JOBS["mail.send"]) - timedelta(seconds=1)
        row.relayed_at = row.run_at = long_ago
        _db.session.commit()
    assert relay.relay_pending().relayed == 1
    row = _outbox()[0]
    assert row.attempts == 2 and row.rq_job_id != lost
    work(redis_conn)
    assert _outbox()[0].status == OutboxStatus.DONE
    assert len(smtp.messages) == 1


@needs_redis
def test_a_scheduled_job_is_not_run_early_and_is_run_when_due(world, redis_conn):
    with tenancy.system_scope():
        enqueue("test.record", tenant_id=world.a.id, run_at=utcnow() + timedelta(seconds=2),
                label="reminder")  # fmt: skip
        _db.session.commit()
    relay.relay_pending()
    work(redis_conn, scheduler=True)
    assert CALLS == []
    assert _outbox()[0].status == OutboxStatus.RELAYED
    time.sleep(2.5)
    work(redis_conn, scheduler=True)
    assert [label for label, *_ in CALLS] == ["reminder"]
    assert _outbox()[0].status == OutboxStatus.DONE


@needs_redis
def test_jobs_for_two_tenants_in_one_worker_never_see_each_others_rows(world, redis_conn):
    with tenancy.system_scope():
        enqueue("test.record", tenant_id=world.a.id, label="a")
        enqueue("test.record", tenant_id=world.b.id, label="b")
        enqueue("test.record", tenant_id=world.a.id, label="a again")
        _db.session.commit()
    relay.relay_pending()
    work(redis_conn)
    assert [
        ("a", [world.a.id], [world.a.id]),
        ("b", [world.b.id], [world.b.id]),
        ("a again", [world.a.id], [world.a.id]),
    ] == CALLS
    assert tenancy.current_scope() is None or tenancy.current_scope() == frozenset()


@pytest.fixture
def restore_limiter():
    """Flask-Limiter keeps its storage on the one extension object, not per app:
    a second app pointed elsewhere would re-point it for the whole test run."""
    from portal.extensions import limiter

    state = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(state)


@needs_redis
@pytest.mark.usefixtures("restore_limiter")
def test_with_redis_down_pages_work_and_the_outbox_keeps_the_work(world, smtp, app, login_as):
    from portal import create_app

    config = {k: v for k, v in app.config.items() if k.isupper()}
    closed = f"redis://127.0.0.1:{free_port()}/0"
    config.update(REDIS_URL=closed, RATELIMIT_STORAGE_URI=closed)
    down = create_app(config)
    manager = login_as(world["partner_manager_a"], down.test_client())
    for url in ("/northbrook/", "/northbrook/people", "/northbrook/people/invite"):
        assert manager.get(url).status_code == 200, url
    response = manager.post(
        "/northbrook/people/invite", data={"name": "Kept Safe", "email": "kept@northbrook.example"}
    )
    assert response.status_code == 302
    # Sign-in (rate limited through Redis) still works, falling back to memory.
    anonymous = down.test_client()
    credentials = {"email": world["participant_a"].email, "password": PASSWORD}
    signed_in = anonymous.post("/sign-in", data=credentials)
    assert signed_in.status_code == 302
    [row] = _outbox(job="mail.send")
    assert row.status == OutboxStatus.PENDING
    # Redis is back: the relay catches up and the email goes once.
    with down.app_context():
        down.config["REDIS_URL"] = REDIS_URL
        assert relay.relay_pending().relayed == 1
    work(Redis_from(REDIS_URL))
    assert _outbox(job="mail.send")[0].status == OutboxStatus.DONE
    assert [m["To"] for m in smtp.messages] == ["kept@northbrook.example"]


def Redis_from(url):  # noqa: N802 - reads like the class it builds
    from redis import Redis

    return Redis.from_url(url)


# --- Operations view and health -----------------------------------------------------------


def _fail_one(world) -> OutboxMessage:
    with tenancy.system_scope():
        enqueue("test.explode", tenant_id=world.a.id)
        _db.session.commit()
    for _ in range(3):
        with tenancy.system_scope():
            for row in _db.session.scalars(select(OutboxMessage)):
                row.run_at = utcnow()
            _db.session.commit()
        run_due()
    [row] = _outbox()
    assert row.status == OutboxStatus.FAILED
    return row


def test_the_admin_sees_a_failed_job_with_its_error_and_can_retry_it(world, login_as):
    row = _fail_one(world)
    admin = login_as(world["centre_admin"])
    page = admin.get("/admin/operations/").get_data(as_text=True)
    assert "test.explode" in page and "RuntimeError: boom" in page
    response = admin.post(f"/admin/operations/jobs/{row.id}/retry", follow_redirects=True)
    assert "Retrying: test.explode" in response.get_data(as_text=True)
    again = _outbox()[0]
    assert again.status == OutboxStatus.PENDING and again.failures == 0
    # Retrying twice is refused with a message, not an error page.
    second = admin.post(f"/admin/operations/jobs/{row.id}/retry", follow_redirects=True)
    assert "no longer failed" in second.get_data(as_text=True)


def test_the_admin_can_discard_a_failed_job(world, login_as):
    row = _fail_one(world)
    admin = login_as(world["centre_admin"])
    admin.post(f"/admin/operations/jobs/{row.id}/discard")
    assert _outbox()[0].status == OutboxStatus.CANCELLED
    with tenancy.system_scope():
        from portal.audit.models import AuditEvent

        actions = set(_db.session.scalars(select(AuditEvent.action)))
    assert "job.discarded" in actions


def test_the_operations_page_refreshes_as_an_htmx_partial(world, login_as):
    admin = login_as(world["centre_admin"])
    full = admin.get("/admin/operations/").get_data(as_text=True)
    partial = admin.get("/admin/operations/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in full and "<html" not in partial
    assert 'id="operations-status"' in partial


def test_healthz_tells_anyone_only_whether_the_portal_is_up(client, world):
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert list(report) == ["status"]  # no counts of work or workers
    assert report["status"] == ("degraded" if REDIS_URL else "ok")  # no RQ worker in tests
    wrong = client.get("/healthz", headers={"Authorization": "Bearer guess"})
    assert wrong.get_json() == report


@pytest.mark.parametrize("who", ["token", "admin"])
def test_healthz_reports_database_and_background_work(app, world, login_as, monkeypatch, who):
    monkeypatch.setitem(app.config, "HEALTH_TOKEN", "monitoring-secret-" + "x" * 20)
    if who == "token":
        bearer = {"Authorization": "Bearer monitoring-secret-" + "x" * 20}
        response = app.test_client().get("/healthz", headers=bearer)
    else:
        response = login_as(world["centre_admin"]).get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["database"] == "ok"
    assert "waiting" in report["outbox"]
    if REDIS_URL:
        assert report["redis"] == "ok" and report["mode"] == "redis"
    else:
        assert report == {**report, "mode": "embedded", "redis": "not configured", "status": "ok"}


@needs_redis
@pytest.mark.usefixtures("restore_limiter")
def test_healthz_and_operations_say_when_redis_is_down(app, world, login_as):
    from portal import create_app

    config = {k: v for k, v in app.config.items() if k.isupper()}
    closed = f"redis://127.0.0.1:{free_port()}/0"
    config.update(REDIS_URL=closed, RATELIMIT_STORAGE_URI=closed)
    config["HEALTH_TOKEN"] = "monitoring-secret"
    down = create_app(config)
    bearer = {"Authorization": "Bearer monitoring-secret"}
    report = down.test_client().get("/healthz", headers=bearer).get_json()
    assert report["redis"] == "unavailable" and report["status"] == "degraded"
    page = login_as(world["centre_admin"], down.test_client()).get("/admin/operations/")
    assert page.status_code == 200
    assert "Redis cannot be reached" in page.get_data(as_text=True)


def test_finding_a_job_walks_the_packages_once(monkeypatch):
    """spec() runs on every enqueue, relay and run: package discovery happens once."""
    import pkgutil

    from portal.jobs import registry

    walks = []
    real = pkgutil.walk_packages

    def counting(path=None, prefix="", *args, **kwargs):
        if prefix == "portal.":  # the top-level walk (it recurses into subpackages)
            walks.append(1)
        return real(path, prefix, *args, **kwargs)

    monkeypatch.setattr(pkgutil, "walk_packages", counting)
    monkeypatch.setattr(registry, "_loaded", False)
    for _ in range(3):
        assert registry.spec("mail.send").queue == "mail"
    with pytest.raises(LookupError):
        registry.spec("no.such.job")
    assert len(walks) == 1
