"""Jobs by name. A job is a function of ids (JSON values), registered once:

    @job("mail.send", queue="mail")
    def send_mail(message_id: int) -> None: ...

It must re-read state and be idempotent: running it twice has one effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., object]
    queue: str
    timeout: int
    retries: int
    personal_data: bool


JOBS: dict[str, JobSpec] = {}
QUEUES = ("default", "mail", "exports")


def job(
    name: str,
    *,
    queue: str = "default",
    timeout: int = 300,
    retries: int = 3,
    personal_data: bool = True,
) -> Callable:
    """Register a job function under ``name``."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def register(func: Callable) -> Callable:
        if name in JOBS and JOBS[name].func is not func:
            raise ValueError(f"job {name!r} is registered twice")
        JOBS[name] = JobSpec(name, func, queue, timeout, retries, personal_data)
        return func

    return register


def spec(name: str) -> JobSpec:
    """The registered job ``name``, or LookupError. Cheap: on every enqueue, relay and run."""
    if name not in JOBS:
        load_jobs()
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job is registered as {name!r}") from None


_loaded = False


def load_jobs() -> None:
    """Import every feature's jobs module so their jobs are registered: once per process
    (walking the packages costs milliseconds, and spec() runs on every enqueue)."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil
    from pathlib import Path

    # The package's folder, found without importing the package (whose factory imports
    # every feature: the jobs layer must not depend on them).
    root = str(Path(__file__).resolve().parents[1])
    for module in pkgutil.walk_packages([root], "portal."):
        if module.name.endswith(".jobs") and module.name != "portal.jobs":
            importlib.import_module(module.name)
    _loaded = True
