"""Benchmark: the real server (gunicorn + PostgreSQL + Redis) over loopback, at several scales.

    make bench    # = .venv/bin/python -m bench.run
    .venv/bin/python -m bench.run [--factors 1,10,100] [--rounds 3] [--seconds 10]
        [--concurrency 8] [--workers 2] [--port 8731] [--embedded] [--soak-minutes 10]

The PostgreSQL server is DATABASE_URL's (or --server-url; default the local one, user
postgres); Redis is REDIS_URL's (default redis://127.0.0.1:6379/0).

For each scale factor it makes a fresh throwaway database (owner and app roles, as in
production), migrates it, loads the demo data, grows it with ``bench.data.grow(factor)``
(×1 a small partnership year, ×100 about 100,000 reflections) and ANALYZEs it; these
steps run without Redis, so nothing they queue reaches a shared one. It then starts
gunicorn (``--workers``, on ``--port``: a port in use is refused, never swapped for
another) with Redis for rate limits and jobs as production runs (its own key prefix per
run; ``--embedded``: no Redis), signs each bench person in through the form, and measures:

- Throughput and latency, with wrk (``--concurrency`` connections, ``--seconds`` a page,
  after a short warm-up of each). Each of ``--rounds`` rounds measures /livez, a route
  that does nothing, and then every page, and each page is divided by the /livez of its
  own round: the machines this runs on are shared and noisy, so an absolute figure says
  little, and one from another minute less. "throughput" is the page's requests a second
  over /livez's (1.00 is as fast as doing nothing; higher is better), the median over
  rounds with the lowest and highest; "p95" is the page's 95th percentile latency over
  /livez's (lower is better), the median over rounds. "errors" counts, over all rounds,
  every response that was not 2xx (a 3xx too, unless the page expects a redirect: a
  signed-out session answers fast, with a redirect to the sign-in form) and every socket
  error or timeout. /livez's own absolute figures are printed per round, for the record.
- Statements and bytes, in-process: the Flask test client on the same database and
  settings, signed in through the form, one warm-up request and then one counted request
  a page: every statement SQLAlchemy sent (set_config included; the pool's pre-ping is
  not a statement), and the body's size. An htmx partial's size is also given as a share
  of the full page it is swapped into.
- The search's plan: EXPLAIN (ANALYZE, BUFFERS) of the very statements (SQL and
  parameters) the search page sent, as the app role, after replaying the request's
  set_config calls in the same transaction, which is rolled back; with their SQL time.
  The words are matched inside portal_matching_reflections() (SECURITY DEFINER), whose
  own plan EXPLAIN does not show: its time is the Function Scan's.
- Worker deaths: gunicorn's log (bench/out/gunicorn-*.log) is read for workers killed by
  a signal, exiting non-zero or timing out, and for boots beyond the first; printed after
  every factor. ``--soak-minutes`` then runs every page at once at the largest factor
  for that long (one wrk a person, cycling through that person's pages) and prints what
  it found. The run ends with ``worker deaths: N`` and exits with status 1 if N > 0.

Rows that miss a target are flagged: throughput under 0.25 of /livez, p95 over 5 times
/livez's, more than 12 statements, more statements than at the factor before, an htmx
partial over 20% of its page, any error. Nothing here asserts a timing: the flags are
for reading. After the last factor a summary puts each page's throughput ratio,
statements and bytes side by side for every factor, so what grows with the data shows;
everything, each round's figures included, is written to bench/out/results-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import contention
from bench.data import PASSWORD
from bench.load import STATS_LUA, Server, check_port_free, sign_in, wrk
from bench.soak import soak

ANON = "anonymous"


@dataclass(frozen=True)
class Page:
    who: str  # the person signed in, or ANON
    path: str
    htmx: bool = False  # sent with HX-Request: true (a partial, swapped into full_page)
    full_page: str | None = None  # the page an htmx partial belongs to, for its share
    redirect: bool = False  # a 3xx is the expected answer, not an error
    explain: bool = False  # print the plan of its full-text search statements

    @property
    def label(self) -> str:
        return f"{self.who.split('@')[0]} {self.path}" + (" [htmx]" if self.htmx else "")


P = "participant@northbrook.example"
M = "manager@northbrook.example"
# One line a page. The first is the baseline every other is divided by, in each round.
PAGES = [
    Page(ANON, "/livez"),
    Page(ANON, "/sign-in"),
    Page(P, "/notifications/count", htmx=True, full_page="/notifications/"),
    Page(P, "/northbrook/sessions/"),
    Page(P, "/northbrook/boards/1"),
    Page(P, "/northbrook/boards/1?page=2"),
    Page(P, "/northbrook/boards/search?q=strategy", explain=True),
    Page(P, "/northbrook/boards/search?q=strategy&page=2"),
    Page(M, "/northbrook/"),
    Page(M, "/northbrook/people"),
    Page(M, "/northbrook/placements/"),
    Page(M, "/northbrook/placements/?status=completed"),
    Page(M, "/northbrook/sessions/"),
    Page("practitioner@triborough.example", "/host/week"),
    Page("admin@centre.example", "/admin/audit"),
    Page("admin@centre.example", "/admin/users"),
]
BASELINE = PAGES[0]

TARGET_RATIO = 0.25  # throughput at least a quarter of /livez's
TARGET_P95 = 5.0  # p95 at most five times /livez's
TARGET_STATEMENTS = 12
TARGET_HTMX_SHARE = 0.20  # a partial at most a fifth of its page
# The full-text search's statements: the words match through a function since migration 0009.
SEARCH_MARKERS = ("search_vector", "to_tsquery", "portal_matching_reflections")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent


# --- the data ----------------------------------------------------------------------------

GROW = """
import json, sys
from portal import create_app
from bench.data import grow
app = create_app()
with app.app_context():
    added = grow(int(sys.argv[1]))
print("BENCH_GROWN " + json.dumps(added))
"""


def step(command: list[str], env: dict, what: str) -> str:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(env: dict, owner_url: str, factor: int) -> dict:
    """Migrate, seed the demo, grow it ``factor`` times, ANALYZE; what grow added."""
    flask = str(BIN / "flask")
    step([flask, "db", "upgrade"], env, "flask db upgrade")
    step([flask, "seed-demo"], env, "flask seed-demo")
    out = step([str(BIN / "python"), "-c", GROW, str(factor)], env, f"grow({factor})")
    added = json.loads(re.search(r"^BENCH_GROWN (.*)$", out, re.MULTILINE).group(1))
    analyse(owner_url)
    return added


def analyse(owner_url: str) -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would soon give."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(owner_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


# --- statements and bytes, in-process ----------------------------------------------------


def count_statements(env: dict, pages: list[Page]) -> dict:
    """Run :func:`statements_child` in a subprocess with the server's environment."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "statements.json"
        done = subprocess.run(
            [str(BIN / "python"), "-c", "from bench.run import statements_child as s; s()"],
            input=json.dumps({"pages": [asdict(p) for p in pages], "out": str(out)}),
            env=env, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"counting statements failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(out.read_text())


def statements_child() -> None:
    """In a process of its own: every page's statements, bytes and status, and EXPLAIN
    of the search statements of pages marked ``explain``. Reads its spec on stdin."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    from portal import create_app
    from portal.extensions import db

    spec = json.loads(sys.stdin.read())
    pages = [Page(**p) for p in spec["pages"]]
    app = create_app()
    with app.app_context():  # only to reach the engine: each request has its own context
        engine = db.engine
    recording: list | None = None

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        if recording is not None:
            recording.append((statement, parameters))

    clients: dict = {}

    def client_for(who: str):
        if who not in clients:
            client = app.test_client()
            if who != ANON:
                form = client.get("/sign-in").get_data(as_text=True)
                token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
                answer = client.post(
                    "/sign-in", data={"email": who, "password": PASSWORD, "csrf_token": token}
                )
                if answer.status_code != 302 or "/sign-in" in answer.headers["Location"]:
                    raise SystemExit(f"in-process sign-in failed for {who}")
            clients[who] = client
        return clients[who]

    def counted(page: Page) -> tuple:
        nonlocal recording
        headers = {"HX-Request": "true"} if page.htmx else {}
        client = client_for(page.who)
        client.get(page.path, headers=headers)  # warm-up
        recording = []
        try:
            response = client.get(page.path, headers=headers)
            return response, recording
        finally:
            recording = None

    def timed(page: Page, times: int = 7) -> float:
        """Median milliseconds of the whole request in this process, one at a time: what
        a page costs the worker, without wrk's queueing (SQL waits included)."""
        headers = {"HX-Request": "true"} if page.htmx else {}
        client = client_for(page.who)
        took = []
        for _ in range(times):
            started = time.perf_counter()
            client.get(page.path, headers=headers)
            took.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(took), 2)

    results: dict = {}
    explain_engine = create_engine(engine.url, poolclass=NullPool)
    for page in pages:
        response, statements = counted(page)
        result = {
            "ms_in_process": timed(page),
            "statements": len(statements),
            "bytes": len(response.get_data()),
            "status": response.status_code,
            "sql": [s[:300] for s, _ in statements],
        }
        if page.full_page:
            full, _ = counted(Page(page.who, page.full_page))
            result["full_page_bytes"] = len(full.get_data())
            result["full_page_status"] = full.status_code
            result["share"] = result["bytes"] / max(1, result["full_page_bytes"])
        if page.explain:
            result["explain"] = [explain(explain_engine, statements, i)
                                 for i, (sql, _) in enumerate(statements)
                                 if any(m in sql for m in SEARCH_MARKERS)]  # fmt: skip
        results[page.label] = result
    explain_engine.dispose()
    Path(spec["out"]).write_text(json.dumps(results))


def explain(engine, statements: list[tuple], index: int) -> dict:
    """EXPLAIN ANALYZE statement ``index`` as the app role, after replaying the request's
    set_config calls before it, in a transaction rolled back afterwards."""
    sql, parameters = statements[index]
    scope = [(s, p) for s, p in statements[:index] if s.lstrip().lower().startswith(
        "select set_config")]  # fmt: skip
    with engine.connect() as conn:
        transaction = conn.begin()
        for setting, values in scope:
            conn.exec_driver_sql(setting, values)
        plan = [row[0] for row in conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql, parameters)]  # fmt: skip
        transaction.rollback()
    text = "\n".join(plan)
    times = {k: float(v) for k, v in re.findall(r"(Planning|Execution) Time: ([\d.]+) ms", text)}
    return {
        "sql": sql,
        "parameters": repr(parameters),
        "set_config": [
            repr(next(iter(v.values()))) if isinstance(v, dict) and len(v) == 1 else repr(v)
            for _, v in scope
        ],
        "plan": plan,
        "planning_ms": times.get("Planning"),
        "execution_ms": times.get("Execution"),
    }


# --- load, per factor --------------------------------------------------------------------


def wrk_headers(page: Page, cookies: dict[str, str]) -> list[str]:
    headers = [f"Cookie: {cookies[page.who]}"] if page.who != ANON else []
    return headers + (["HX-Request: true"] if page.htmx else [])


def is_error(page: Page, status: int | str) -> bool:
    status = int(status)
    return not (200 <= status < 300 or (page.redirect and 300 <= status < 400))


def summarise(page: Page, rounds: list[dict], baseline: list[dict]) -> dict:
    ratios = [
        r["rps"] / b["rps"] if b["rps"] else 0.0 for r, b in zip(rounds, baseline, strict=True)
    ]
    p95s = [
        r["p95_us"] / b["p95_us"] if b["p95_us"] else 0.0
        for r, b in zip(rounds, baseline, strict=True)
    ]
    bad = {}
    for r in rounds:
        for status, n in r["statuses"].items():
            if is_error(page, status):
                bad[status] = bad.get(status, 0) + n
    socket_errors = sum(r["socket_errors"] for r in rounds)
    return {
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ratios": ratios,
        "p95_ratio": statistics.median(p95s),
        "p95_ratios": p95s,
        "errors": sum(bad.values()) + socket_errors,
        "error_statuses": bad,
        "socket_errors": socket_errors,
        "rounds": rounds,
    }


def measure(server: Server, cookies: dict, args, scripts: Path) -> dict[str, dict]:
    """Warm every page up, then ROUNDS rounds of /livez and every page."""
    stats = scripts / "stats.lua"
    stats.write_text(STATS_LUA)

    def one(page: Page, seconds: float) -> dict:
        headers = wrk_headers(page, cookies)
        return wrk(server.base + page.path, connections=args.concurrency, seconds=seconds,
                   script=stats, timeout=args.timeout, headers=headers)  # fmt: skip

    for page in PAGES:
        one(page, args.warmup)
    rounds: dict[str, list[dict]] = {p.label: [] for p in PAGES}
    for number in range(args.rounds):
        print(f"  round {number + 1} of {args.rounds}", flush=True)
        for page in PAGES:  # BASELINE first
            rounds[page.label].append(one(page, args.seconds))
    baseline = rounds[BASELINE.label]
    return {p.label: summarise(p, rounds[p.label], baseline) for p in PAGES}


def soak_groups(cookies: dict) -> dict[str, list[tuple[str, dict[str, str]]]]:
    groups: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for page in PAGES:
        headers = {"Cookie": cookies[page.who]} if page.who != ANON else {}
        if page.htmx:
            headers["HX-Request"] = "true"
        groups.setdefault(page.who, []).append((page.path, headers))
    return groups


def run_factor(factor: int, args, stamp: str, soak_minutes: float, report) -> dict:
    """One scale: its database, data, statements, server, pages (handed to ``report``
    as soon as they are measured), then the soak if ``soak_minutes``."""
    from portal.testing import throwaway_postgres

    result: dict = {"factor": factor}
    started = time.monotonic()
    with (
        throwaway_postgres(args.server_url, prefix="portal_bench") as database,
        tempfile.TemporaryDirectory() as scripts,
    ):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database.app_url,
            MIGRATION_DATABASE_URL=database.owner_url,
            SECRET_KEY="bench-" + "x" * 40,
            FLASK_APP="portal",
            SIGN_IN_LIMIT_PER_ADDRESS="100000 per minute",
        )
        env.pop("REDIS_URL", None)
        # Set up without Redis: nothing the seed queues goes to a shared Redis.
        result["added"] = prepare(env, database.owner_url, factor)
        result["prepare_seconds"] = round(time.monotonic() - started, 1)
        if not args.embedded:
            env.update(REDIS_URL=args.redis_url, RATELIMIT_KEY_PREFIX=f"bench{factor}-{stamp}")
        print(f"  data ready in {result['prepare_seconds']:.0f} s: {result['added']}", flush=True)

        result["inprocess"] = count_statements(env, PAGES)
        log_path = OUT / f"gunicorn-{stamp}-x{factor}.log"
        server = Server(gunicorn=BIN / "gunicorn", workers=args.workers, port=args.port,
                        env=env, cwd=ROOT, log_path=log_path)  # fmt: skip
        result["gunicorn_log"] = str(log_path.relative_to(ROOT))
        try:
            cookies = {
                who: sign_in(server.base, who, PASSWORD)
                for who in dict.fromkeys(p.who for p in PAGES)
                if who != ANON
            }
            result["pages"] = measure(server, cookies, args, Path(scripts))
            result["contention"] = contention.contention(server.base, cookies[M])
            result["deaths_after_pages"] = server.deaths()
            report(result)
            if soak_minutes:
                print(f"  soak: every page at once for {soak_minutes:g} min", flush=True)
                result["soak"] = soak(server.base, soak_groups(cookies),
                                      concurrency=args.concurrency, minutes=soak_minutes,
                                      timeout=args.timeout, workdir=Path(scripts))  # fmt: skip
            result["deaths"] = server.deaths()
        finally:
            server.stop()
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


# --- reporting ---------------------------------------------------------------------------


def page_flags(page: Page, measured: dict, counted: dict, previous: dict | None) -> list[str]:
    flags = []
    if page is not BASELINE:
        if measured["ratio_median"] < TARGET_RATIO:
            flags.append(f"throughput<{TARGET_RATIO}")
        if measured["p95_ratio"] > TARGET_P95:
            flags.append(f"p95>{TARGET_P95:g}x")
    if counted["statements"] > TARGET_STATEMENTS:
        flags.append(f"statements>{TARGET_STATEMENTS}")
    if previous is not None and counted["statements"] > previous["statements"]:
        flags.append(f"statements grew from {previous['statements']}")
    if counted.get("share", 0) > TARGET_HTMX_SHARE:
        flags.append(f"partial {counted['share']:.0%} of {page.full_page}")
    if measured["errors"]:
        flags.append("errors")
    if is_error(page, counted["status"]):
        flags.append(f"in-process status {counted['status']}")
    if is_error(page, counted.get("full_page_status", 200)):
        flags.append(f"{page.full_page} status {counted['full_page_status']}")
    return flags


def print_factor(result: dict, previous: dict | None, args) -> None:
    factor = result["factor"]
    mode = "embedded (no Redis)" if args.embedded else f"Redis {args.redis_url}"
    print(f"\n×{factor}: {args.workers} gunicorn workers, {args.concurrency} connections, "
          f"{args.rounds} rounds of {args.seconds:g} s a page; {mode}")  # fmt: skip
    print("data grown by: " + ", ".join(f"{n} {what}" for what, n in result["added"].items()))
    width = max(len(p.label) for p in PAGES)
    print(f"{'page':{width}}  {'throughput (min-max)':>22}  {'p95':>6}  {'ms':>6}  {'stmts':>5}  "
          f"{'bytes':>7}  {'errors':>6}  flags")  # fmt: skip
    for page in PAGES:
        m, c = result["pages"][page.label], result["inprocess"][page.label]
        before = previous["inprocess"][page.label] if previous else None
        flags = page_flags(page, m, c, before)
        result["pages"][page.label]["flags"] = flags
        span = f"{m['ratio_median']:.2f} ({m['ratio_min']:.2f}-{m['ratio_max']:.2f})"
        size = f"{c['bytes']}" + (f" ({c['share']:.0%})" if "share" in c else "")
        errors = str(m["errors"])
        if m["error_statuses"]:
            errors += " (" + ", ".join(f"{s}×{n}" for s, n in m["error_statuses"].items()) + ")"
        print(f"{page.label:{width}}  {span:>22}  {m['p95_ratio']:>5.1f}x  "
              f"{c.get('ms_in_process', 0):>6.1f}  {c['statements']:>5}  "
              f"{size:>7}  {errors:>6}  {', '.join(flags)}")  # fmt: skip
    print("(throughput and p95 are ratios to /livez in the same round; ms: one request "
          "in-process, one at a time, median of 7; bytes of a partial with its share of the "
          "full page)")  # fmt: skip
    print("\n".join(contention.report(result["contention"])))
    livez = result["pages"][BASELINE.label]["rounds"]
    print("/livez itself (absolute, noisy): " + "; ".join(
        f"round {i + 1} {r['rps']:.0f} req/s, p95 {r['p95_us'] / 1000:.1f} ms"
        for i, r in enumerate(livez)))  # fmt: skip
    for page in PAGES:
        for plan in result["inprocess"][page.label].get("explain", []):
            scope = " then ".join(plan["set_config"]) or "none"
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) at ×{factor}, {page.label}, as the app role, "
                  f"app.tenant_ids set to {scope}:")  # fmt: skip
            print("  " + " ".join(plan["sql"].split())[:160] + " ... (in full in the JSON)")
            print("  parameters: " + plan["parameters"])
            print("\n".join("    " + line for line in plan["plan"]))
            print(f"  SQL time: {plan['execution_ms']} ms to execute, "
                  f"{plan['planning_ms']} ms to plan")  # fmt: skip


def print_deaths(label: str, deaths: dict) -> None:
    print(f"{label}: {deaths['deaths']} (boots beyond the first: {deaths['extra_boots']})")
    for line in deaths["lines"]:
        print("  " + line)


def print_soak(result: dict) -> None:
    print(f"\nSoak at ×{result['factor']} (absolute figures, for the record):")
    for who, r in result["soak"].items():
        expected = Page(who, "", redirect=any(p.redirect for p in PAGES if p.who == who))
        bad = sum(n for s, n in r["statuses"].items() if is_error(expected, s))
        bad += r["socket_errors"]
        print(f"  {who}: {r['connections']} connection(s) over {len(r['paths'])} pages, "
              f"{r['requests']} requests, {r['rps']:.0f} req/s, p95 "
              f"{r['p95_us'] / 1000:.1f} ms, errors {bad}, statuses {r['statuses']}")  # fmt: skip


def print_summary(results: list[dict]) -> None:
    factors = [r["factor"] for r in results]
    width = max(len(p.label) for p in PAGES)
    column = 7
    heads = "".join(f"{'×' + str(f):>{column}}" for f in factors)
    span = column * len(factors)
    print("\nSummary per factor: median throughput ratio to /livez, statements, bytes")
    wide = "".join(f"{'×' + str(f):>{column + 1}}" for f in factors)  # bytes need one more
    print(f"{'page':{width}}  {'throughput':>{span}}  {'statements':>{span}}  "
          f"{'bytes':>{span + len(factors)}}  flags")  # fmt: skip
    print(f"{'':{width}}  {heads}  {heads}  {wide}")
    for page in PAGES:
        ratios = "".join(f"{r['pages'][page.label]['ratio_median']:>{column}.2f}" for r in results)
        counts = "".join(f"{r['inprocess'][page.label]['statements']:>{column}}" for r in results)
        sizes = "".join(f"{r['inprocess'][page.label]['bytes']:>{column + 1}}" for r in results)
        where: dict[str, list[str]] = {}
        for r in results:
            for flag in r["pages"][page.label]["flags"]:
                where.setdefault(flag, []).append(f"×{r['factor']}")
        flags = "; ".join(f"{flag} ({' '.join(at)})" for flag, at in where.items())
        print(f"{page.label:{width}}  {ratios}  {counts}  {sizes}  {flags}")
    print(f"Targets: throughput ≥ {TARGET_RATIO} of /livez, p95 ≤ {TARGET_P95:g}× /livez's, "
          f"≤ {TARGET_STATEMENTS} statements and none more at a larger factor, an htmx partial "
          f"≤ {TARGET_HTMX_SHARE:.0%} of its page, no errors.")  # fmt: skip


def write_json(path: Path, args, results: list[dict]) -> None:
    path.write_text(json.dumps({
        "arguments": {k: v for k, v in vars(args).items() if k not in ("server_url", "redis_url")}
        | {"redis": None if args.embedded else re.sub(r"//[^@/]*@", "//", args.redis_url)},
        "pages": [asdict(p) | {"label": p.label} for p in PAGES],
        "targets": {"ratio": TARGET_RATIO, "p95_ratio": TARGET_P95,
                    "statements": TARGET_STATEMENTS, "htmx_share": TARGET_HTMX_SHARE},
        "factors": results,
    }, indent=1, default=str))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", default="1,10,100", help="data scales, e.g. 1,10,100")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="per page per round")
    parser.add_argument("--warmup", type=int, default=1, help="seconds per page, once")
    parser.add_argument("--concurrency", type=int, default=8, help="wrk connections")
    parser.add_argument("--timeout", type=float, default=30.0, help="wrk's request timeout")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--embedded", action="store_true", help="without Redis (no REDIS_URL)")
    parser.add_argument("--soak-minutes", type=float, default=0, help="at the largest factor")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server whose role may create databases and roles",
    )
    args = parser.parse_args()
    args.redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    factors = [int(f) for f in args.factors.split(",") if f.strip()]

    if not args.server_url.startswith(("postgres://", "postgresql")):
        raise SystemExit("bench needs a PostgreSQL server (DATABASE_URL or --server-url)")
    if shutil.which("wrk") is None:
        raise SystemExit("bench needs wrk on the PATH (apt-get install wrk)")
    check_port_free(args.port)
    if not args.embedded:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            Redis.from_url(args.redis_url, socket_connect_timeout=2).ping()
        except RedisError as error:
            raise SystemExit(
                f"Redis at {args.redis_url}: {error} (--embedded runs without)"
            ) from None

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    json_path = OUT / f"results-{stamp}.json"
    results: list[dict] = []
    deaths = 0

    def report(result: dict) -> None:
        results.append(result)
        print_factor(result, results[-2] if len(results) > 1 else None, args)
        factor = result["factor"]
        print_deaths(f"worker deaths at ×{factor} during the pages", result["deaths_after_pages"])
        print(f"worker deaths so far: {deaths + result['deaths_after_pages']['deaths']}")
        write_json(json_path, args, results)

    for number, factor in enumerate(factors):
        print(f"×{factor}: building the data", flush=True)
        last = number == len(factors) - 1
        result = run_factor(factor, args, stamp, args.soak_minutes if last else 0, report)
        deaths += result["deaths"]["deaths"]
        if "soak" in result:
            print_soak(result)
            print_deaths(f"worker deaths at ×{factor} after the soak", result["deaths"])
    print_summary(results)
    write_json(json_path, args, results)
    print(f"\nResults: {json_path.relative_to(ROOT)}; gunicorn logs beside it.")
    print(f"worker deaths: {deaths}")
    if deaths:
        sys.exit(1)


if __name__ == "__main__":
    main()
