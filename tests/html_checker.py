"""The Nu HTML Checker (``vnu-jar`` from npm, run by the machine's Java) as a local
service, one per test process: started the first time a page is checked (a few
seconds), then about 40 ms a page, so every page the tests visit is checked by the
real validator rather than a reading of our own.

``nu_errors(html)`` is what it reports as errors (not warnings, not info), each with
its line, for a test to assert there are none.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import free_port

JAR = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist"
JAR = JAR / "vnu.jar"
STARTUP_SECONDS = 90  # a cold JVM on a busy two-core machine


class NuChecker:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        java = shutil.which("java")
        if java is None or not JAR.exists():
            raise RuntimeError(
                "The HTML checks need Java and vnu-jar: `apt-get install default-jre-headless` "
                "and `make install` (npm installs vnu-jar)"
            )
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/?out=json&level=error"
        self.process = subprocess.Popen(
            [java, "-Xss8m", "-Dnu.validator.servlet.bind-address=127.0.0.1",
             "-cp", str(JAR), "nu.validator.servlet.Main", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        atexit.register(self.stop)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the HTML checker exited with {self.process.returncode}")
            try:
                self._post("<!DOCTYPE html><html lang=en><title>up</title></html>")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        raise RuntimeError(f"the HTML checker did not start in {STARTUP_SECONDS} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def _post(self, html: str) -> list[dict]:
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 service
            self.url,
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.load(response)["messages"]

    def errors(self, html: str) -> list[str]:
        if self.process is None:
            self.start()
        return [
            f"line {m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
            for m in self._post(html)
            if m.get("type") in ("error", "non-document-error")
        ]


_checker = NuChecker()


def nu_errors(html: str) -> list[str]:
    """What the Nu HTML Checker reports as errors in a whole HTML document."""
    return _checker.errors(html)
