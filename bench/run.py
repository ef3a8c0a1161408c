"""Benchmark: the real server (gunicorn + PostgreSQL) over loopback, demo data at scale.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres .venv/bin/python -m bench.run

Creates a throwaway database (owner + app role, as in production), migrates it,
loads the demo data plus PARTICIPANTS partner staff and AUDIT_EVENTS audit events
per authority, starts gunicorn on a free loopback port, and drives each page with
a few concurrent clients for a bounded time. These machines are shared and
noisy, so results are printed as ratios to a trivial route (/livez) measured
in the same run, not as absolute numbers. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "correct-horse-partnership"  # noqa: S105 - the demo password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scale_up(env: dict, participants: int, audit_events: int) -> None:
    """Add partner staff, audit history and shared reflections (one per person) to every
    authority, in bulk."""
    code = f"""
from sqlalchemy import insert, select
from portal import create_app, tenancy
from portal.accounts.models import Membership, Role, User
from portal.audit.models import AuditEvent
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.boards.models import Board, Reflection, ReflectionStatus, Visibility
from portal.common.clock import utcnow
app = create_app()
with app.app_context(), tenancy.system_scope():
    pw = hash_password("{PASSWORD}")
    for tenant in db.session.scalars(select(Tenant)).all():
        users = [dict(email=f"p{{i}}@{{tenant.slug}}.bench", name=f"Participant {{i}}",
                      role=Role.PARTICIPANT, password_hash=pw, session_stamp=f"{{i:032d}}",
                      active=True) for i in range({participants})]
        ids = db.session.scalars(insert(User).returning(User.id), users).all()
        db.session.execute(insert(Membership), [dict(user_id=i, tenant_id=tenant.id) for i in ids])
        db.session.execute(insert(AuditEvent), [
            dict(action="bench.event", tenant_id=tenant.id, actor_id=ids[i % len(ids)],
                 summary=f"Event {{i}}", details={{}}) for i in range({audit_events})])
        board = db.session.scalar(select(Board.id).where(Board.tenant_id.is_(None)))
        if board:
            db.session.execute(insert(Reflection), [
                dict(tenant_id=tenant.id, board_id=board, author_id=ids[i % len(ids)],
                     title=f"Reflection {{i}} on strategy", body="What I learned " * 40,
                     themes=",risk,", visibility=Visibility.COHORT,
                     status=ReflectionStatus.PUBLISHED, shared_cohort_id=tenant.cohort_id,
                     published_at=utcnow()) for i in range({participants})])
    db.session.commit()
"""
    subprocess.run([BIN / "python", "-c", code], env=env, check=True, cwd=ROOT)


def analyse(owner_url: str) -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would soon give."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(owner_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


class Client:
    """A signed-in browser stand-in: cookies, CSRF token from the form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> int:
        with self.opener.open(self.base + path, timeout=30) as response:
            response.read()
            return response.status

    def sign_in(self, email: str) -> None:
        with self.opener.open(self.base + "/sign-in", timeout=30) as response:
            token = re.search(rb'name="csrf_token" value="([^"]+)"', response.read()).group(1)
        data = urllib.parse.urlencode(
            {"csrf_token": token.decode(), "email": email, "password": PASSWORD}
        ).encode()
        with self.opener.open(self.base + "/sign-in", data=data, timeout=30) as response:
            response.read()
            if "/sign-in" in response.url:
                raise SystemExit(f"could not sign in as {email}")


def measure(clients: list[Client], path: str, seconds: float, max_requests: int) -> dict:
    """Each client requests ``path`` in a loop until time or the request cap runs out."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    per_client = max_requests // len(clients)

    def run(client: Client) -> None:
        nonlocal errors
        for _ in range(per_client):
            if time.perf_counter() > deadline:
                return
            start = time.perf_counter()
            try:
                ok = client.get(path) == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "throughput": len(latencies) / wall,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--audit-events", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per route")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql")):
        raise SystemExit("bench needs DATABASE_URL pointing at a PostgreSQL server")

    from portal.testing import throwaway_postgres

    with throwaway_postgres(server_url, prefix="portal_bench") as database:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database.app_url,
            MIGRATION_DATABASE_URL=database.owner_url,
            SECRET_KEY="bench-" + "x" * 40,
            FLASK_APP="portal",
            SIGN_IN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        if not os.environ.get("BENCH_WITH_REDIS"):
            env.pop("REDIS_URL", None)
        flask = [str(BIN / "flask")]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT,
                       capture_output=True)  # fmt: skip
        subprocess.run([*flask, "seed-demo"], env=env, check=True, cwd=ROOT, capture_output=True)
        scale_up(env, args.participants, args.audit_events)
        analyse(database.owner_url)

        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind",
             f"127.0.0.1:{port}", "--log-level", "warning", "portal:create_app()"],
            env=env, cwd=ROOT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    Client(base).get("/livez")
                    break
                except OSError:
                    time.sleep(0.1)
            routes = [
                ("anonymous", "/livez"),
                ("anonymous", "/healthz"),
                ("anonymous", "/sign-in"),
                ("manager@northbrook.example", "/northbrook/"),
                ("manager@northbrook.example", "/northbrook/people"),
                ("manager@northbrook.example", "/northbrook/placements/"),
                ("manager@northbrook.example", "/northbrook/placements/services"),
                ("admin@centre.example", "/admin/users"),
                ("admin@centre.example", "/admin/audit"),
                ("participant@northbrook.example", "/northbrook/sessions/"),
                ("practitioner@triborough.example", "/host/week"),
                ("participant@northbrook.example", "/northbrook/boards/1"),
                ("participant@northbrook.example", "/northbrook/boards/search?q=strategy"),
            ]
            pools: dict[str, list[Client]] = {}
            for who, _ in routes:
                if who not in pools:
                    pools[who] = [Client(base) for _ in range(args.concurrency)]
                    if who != "anonymous":
                        for client in pools[who]:
                            client.sign_in(who)
            results = {}
            for who, path in routes:
                measure(pools[who], path, 1.0, 20)  # warm up
                results[path] = measure(pools[who], path, args.seconds, 5000)
        finally:
            server.terminate()
            server.wait(timeout=10)

    base_result = results["/livez"]
    print(
        f"\n{args.participants} participants and {args.audit_events} audit events per "
        f"authority; {args.workers} gunicorn workers, {args.concurrency} clients per route.\n"
        f"Trivial route /livez: {base_result['throughput']:.0f} req/s, "
        f"p50 {base_result['p50'] * 1000:.1f} ms (absolute figures are noisy here).\n"
    )
    print(f"{'route':24} {'throughput':>12} {'p50 latency':>12} {'p95 latency':>12} {'errors':>7}")
    for path, r in results.items():
        print(
            f"{path:24} {r['throughput'] / base_result['throughput']:>11.2f}x "
            f"{r['p50'] / base_result['p50']:>11.2f}x {r['p95'] / base_result['p95']:>11.2f}x "
            f"{r['errors']:>7}"
        )
    print("\n(throughput: higher is better; latency: lower is better; both relative to /livez)")


if __name__ == "__main__":
    main()
