"""The soak: every page at once for minutes, to see whether workers survive.

One wrk per person (anonymous included), all at the same time, each cycling through that
person's pages; the connections are shared out between them by how many pages each has,
so that together they hold the bench's concurrency. What matters is the gunicorn log
afterwards (worker deaths and boots, see :func:`bench.load.worker_deaths`); the figures
printed are for the record, not a comparison.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.load import cycling_lua, parse_wrk, wrk_command


def share(total: int, weights: list[int]) -> list[int]:
    """``total`` connections shared by weight (largest remainder), at least one each."""
    exact = [total * w / sum(weights) for w in weights]
    shares = [max(1, int(x)) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in by_remainder:
        if sum(shares) >= total:
            break
        shares[i] += 1
    return shares


def soak(base: str, groups: dict[str, list[tuple[str, dict[str, str]]]], *, concurrency: int,
         minutes: float, timeout: float, workdir: Path) -> dict:  # fmt: skip
    """Run every group's requests concurrently for ``minutes``; each group's figures."""
    seconds = max(1, round(minutes * 60))
    names = list(groups)
    connections = share(concurrency, [len(groups[n]) for n in names])
    running = []
    for number, (name, conns) in enumerate(zip(names, connections, strict=True)):
        script = workdir / f"soak-{number}.lua"
        script.write_text(cycling_lua(groups[name]))
        command = wrk_command(
            base, connections=conns, seconds=seconds, script=script, timeout=timeout
        )
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        running.append((name, conns, process))
    results, failures = {}, []
    for name, conns, process in running:
        out, err = process.communicate(timeout=seconds + timeout + 120)
        if process.returncode != 0:
            failures.append(f"wrk for {name} failed ({process.returncode}): {err or out}")
            continue
        results[name] = {"connections": conns, "paths": [p for p, _ in groups[name]],
                         **parse_wrk(out)}  # fmt: skip
    if failures:
        raise RuntimeError("\n".join(failures))
    return results
