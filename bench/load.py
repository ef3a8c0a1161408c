"""The bench's moving parts outside the portal: gunicorn, signing in, and wrk.

:class:`Server` runs gunicorn on a fixed loopback port (refusing one already in use) and
keeps its log, from which :func:`worker_deaths` counts workers that died or were booted
again. :func:`sign_in` signs a demo person in through the form, as a browser would, and
returns the Cookie header wrk sends. :func:`wrk` drives one URL and returns its figures:
requests a second, latency percentiles (from a Lua ``done`` hook, since ``--latency``
prints no 95th), socket errors and every response's status (wrk's own ``errors.status``
counts only 4xx and 5xx, so a page that quietly redirects to the sign-in form would look
healthy and fast without the count kept here).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

# Collects each response's status in the thread's Lua state; done() prints one line of
# figures and one of status counts for wrk() to parse. Latencies are in microseconds.
STATS_LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d"
    .. " mean_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local out = {}
  for code, n in pairs(counts) do
    table.insert(out, code .. "=" .. n)
  end
  io.write("BENCH_STATUS " .. table.concat(out, " ") .. "\n")
end
"""

FIGURES = re.compile(r"^BENCH (.*)$", re.MULTILINE)
STATUSES = re.compile(r"^BENCH_STATUS ?(.*)$", re.MULTILINE)
RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)


def lua_string(value: str) -> str:
    """A Lua string literal (JSON's escapes are Lua's for ASCII)."""
    if not value.isascii():
        raise ValueError(f"not ASCII: {value!r}")
    return json.dumps(value)


def cycling_lua(requests: list[tuple[str, dict[str, str]]]) -> str:
    """A wrk script that sends these (path, headers) requests in turn, round and round,
    keeping the statistics and status counts of :data:`STATS_LUA`."""
    rows = []
    for path, headers in requests:
        pairs = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        rows.append(f"  {{{lua_string(path)}, {{{pairs}}}}},")
    table = "\n".join(rows)
    return f"""
local paths = {{
{table}
}}
local formatted = nil
local index = 0

function request()
  if formatted == nil then
    formatted = {{}}
    for i, row in ipairs(paths) do
      formatted[i] = wrk.format("GET", row[1], row[2])
    end
  end
  index = index % #formatted + 1
  return formatted[index]
end
{STATS_LUA}"""


def parse_wrk(output: str) -> dict:
    figures = FIGURES.search(output)
    if figures is None:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    result: dict = {k: int(v) for k, v in (p.split("=") for p in figures.group(1).split())}
    statuses = STATUSES.search(output)
    result["statuses"] = {
        int(k): int(v)
        for k, v in (p.split("=") for p in (statuses.group(1).split() if statuses else []))
    }
    rps = RPS.search(output)
    seconds = result["duration_us"] / 1e6
    result["rps"] = float(rps.group(1)) if rps else result["requests"] / seconds
    result["socket_errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return result


def wrk_command(
    url: str, *, connections: int, seconds: float, script: Path, timeout: float, headers=()
) -> list[str]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", f"--timeout={timeout:g}s"]
    command += ["--latency", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    return [*command, url]


def wrk(url: str, *, connections: int, seconds: float, script: Path, timeout: float,
        headers=()) -> dict:  # fmt: skip
    """One wrk run against ``url``; its figures (see :func:`parse_wrk`)."""
    command = wrk_command(
        url, connections=connections, seconds=seconds, script=script, timeout=timeout,
        headers=headers,
    )  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --- signing in --------------------------------------------------------------------------


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the form with a fresh cookie jar; the Cookie header it ends with."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/sign-in", timeout=30) as response:
        found = re.search(rb'name="csrf_token" value="([^"]+)"', response.read())
    if found is None:
        raise SystemExit("no csrf_token on /sign-in")
    data = urllib.parse.urlencode(
        {"csrf_token": found.group(1).decode(), "email": email, "password": password}
    ).encode()
    with opener.open(base + "/sign-in", data=data, timeout=30) as response:
        response.read()
        if urllib.parse.urlsplit(response.url).path == "/sign-in":
            raise SystemExit(f"could not sign in as {email}")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


# --- gunicorn ----------------------------------------------------------------------------


def check_port_free(port: int) -> None:
    """Refuse a port something listens on (SO_REUSEADDR, as gunicorn binds: a previous
    run's connections in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            raise SystemExit(
                f"port {port} on 127.0.0.1 is in use ({error.strerror}): another bench or "
                "server is running there; pass a free one with --port"
            ) from None


BOOTED = re.compile(r"Booting worker with pid: (\d+)")
DIED = [
    re.compile(r"Worker \(pid:(\d+)\) was sent (?!SIGTERM)(\w+)"),  # SIGTERM: shutting down
    re.compile(r"Worker \(pid:(\d+)\) exited with code (\d+)"),
    re.compile(r"WORKER TIMEOUT \(pid:(\d+)\)"),
]


def worker_deaths(log: str, workers: int) -> dict:
    """Workers that died (a signal, a non-zero exit, a timeout) and boots beyond the first
    ``workers``. One death usually logs two lines and a boot, so the count is the larger of
    the workers seen dying and the extra boots."""
    dead = {m.group(1) for pattern in DIED for m in pattern.finditer(log)}
    lines = [
        line for line in log.splitlines() if any(p.search(line) for p in DIED)
    ]  # fmt: skip
    extra = max(0, len(BOOTED.findall(log)) - workers)
    return {"deaths": max(len(dead), extra), "extra_boots": extra, "lines": lines}


class Server:
    """gunicorn serving the portal on 127.0.0.1:``port``, its log in ``log_path``."""

    def __init__(self, *, gunicorn: Path, workers: int, port: int, env: dict, cwd: Path,
                 log_path: Path):  # fmt: skip
        self.workers = workers
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        check_port_free(port)
        self._opener = urllib.request.build_opener()
        # gunicorn ≥ 25.1 opens a control socket at one path per user, which another
        # gunicorn (a test's, another bench's) would share: the bench needs none.
        help_text = subprocess.run([str(gunicorn), "--help"], capture_output=True, text=True)
        control = ["--no-control-socket"] if "--no-control-socket" in help_text.stdout else []
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--log-level", "info", *control, "portal:create_app()"],
            env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited ({self.process.returncode}); its log, {self.log_path}:\n"
                    + self.log()[-3000:]
                )
            log = self.log()
            if "Listening at: " in log and len(BOOTED.findall(log)) >= self.workers:
                try:
                    with self._opener.open(self.base + "/livez", timeout=5) as response:
                        if response.status == 200:
                            return
                except OSError:
                    pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /livez in {seconds:g} s; see {self.log_path}")

    def deaths(self) -> dict:
        return worker_deaths(self.log(), self.workers)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
