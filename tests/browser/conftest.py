"""Fixtures for browser tests: the portal on a real port, one headless Chromium per
test run, and a fresh browser context (JavaScript on or off) for each visitor.

Chromium is Debian's ``/usr/bin/chromium``, driven by Playwright. Without it these
tests skip with a message saying how to install it; with ``PORTAL_REQUIRE_BROWSER=1``
(set by ``.ci/run``) they fail instead, so CI can never pass by skipping them: a
browser test that skips for any reason is reported as failed (in each pytest-xdist
worker, where it ran, so the run fails however the tests are shared out).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest
from werkzeug.serving import make_server

from .helpers import AXE_JS, CHROMIUM, register_context

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_required() -> bool:
    return os.environ.get("PORTAL_REQUIRE_BROWSER") == "1"


def _cannot_run(reason: str) -> NoReturn:
    """Skip, or fail when CI has said browser tests must run."""
    if _browser_required():
        pytest.fail(f"{reason} (PORTAL_REQUIRE_BROWSER=1: not skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With PORTAL_REQUIRE_BROWSER=1, a browser test that skipped (a skip mark, a skip
    in a fixture or in the test) counts as a failure."""
    outcome = yield
    report = outcome.get_result()
    browser = item.get_closest_marker("browser") or "chromium" in item.fixturenames
    if report.skipped and not hasattr(report, "wasxfail") and browser and _browser_required():
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped ({reason}), but PORTAL_REQUIRE_BROWSER=1"


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The test app served on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (each test gets its own contexts)."""
    if not CHROMIUM.exists():
        _cannot_run(
            f"browser tests need Debian's Chromium at {CHROMIUM}: run `apt-get install chromium`"
        )
    if not AXE_JS.exists():
        _cannot_run(f"browser tests need axe-core at {AXE_JS}: run `npm ci`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot_run("browser tests need Playwright for Python: run `pip install -e '.[dev]'`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def js(request) -> bool:
    """Run the test once with JavaScript on and once with it off."""
    return request.param


@pytest.fixture
def new_page(chromium, live_server) -> Iterator[Callable]:
    """``new_page(js=...)``: a page in a fresh context (its own cookies), on the live server.

    At the end of the test, any server error (5xx) or uncaught script error that a
    page met fails the test.
    """
    contexts = []
    problems: list[str] = []

    def open_page(*, js: bool):
        # bypass_csp lets axe be evaluated in pages whose CSP forbids other scripts.
        context = chromium.new_context(
            java_script_enabled=js, bypass_csp=True, base_url=live_server
        )
        context.set_default_timeout(10_000)
        register_context(context, js=js)
        context.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} from {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "pages met errors:\n" + "\n".join(problems)
