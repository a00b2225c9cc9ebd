"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server.

Without Chromium the browser tests skip, except in CI (the CI variable is set), where they
fail: CI must run every test. Every page a test opens is watched: a Content-Security-Policy
violation or a request to any host other than the live server fails the test.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by fixtures
# and the live server) would otherwise refuse to run beside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Serve on 127.0.0.1, so "no request leaves 127.0.0.1" is exact.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path(os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = "install Debian's chromium (apt-get install chromium) to run browser tests"
LOCAL_HOSTS = {"127.0.0.1"}
#: Set to a directory to keep a screenshot of each page the tests take one of.
SCREENSHOT_DIR = os.environ.get("YIWANG_SCREENSHOTS", "")


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_a_shared_sqlite_connection() -> Iterator[None]:
    """With the in-memory SQLite test database, the live server's threads all use the test's
    one connection: two requests at once (a double click on a submit button) would interleave
    their transactions on it, which no deployment does (each thread has its own connection,
    and SQLite's IMMEDIATE transactions take turns). On that database the live server serves
    one request at a time; on PostgreSQL it stays concurrent."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connection

    lock = threading.Lock()
    original = StaticFilesHandler.__call__

    def serve(self: Any, environ: Any, start_response: Any) -> Any:
        if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
            with lock:
                return original(self, environ, start_response)
        return original(self, environ, start_response)

    StaticFilesHandler.__call__ = serve  # type: ignore[method-assign]
    yield
    StaticFilesHandler.__call__ = original  # type: ignore[method-assign]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests: {INSTALL_HINT}")
    pytest.skip(f"{reason}: {INSTALL_HINT}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did that it must not: CSP violations and requests off the site."""

    def __init__(self) -> None:
        self.csp_violations: list[str] = []
        self.foreign_requests: list[str] = []

    def on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def on_request(self, request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in {"data", "blob", "about"}:
            return  # never leaves the browser
        if url.hostname not in LOCAL_HOSTS:
            self.foreign_requests.append(request.url)

    def check(self) -> None:
        assert self.csp_violations == [], "the page broke its Content-Security-Policy"
        assert self.foreign_requests == [], "the page made requests that leave 127.0.0.1"


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """``open_page(width=1280, **context_options)`` opens a watched page on the live server
    (relative URLs work); every such page is checked again when the test ends."""
    contexts: list[Any] = []
    watches: list[PageWatch] = []

    def open_(width: int = 1280, height: int = 900, **options: Any) -> Any:
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, **options
        )
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch()
        page.on("console", watch.on_console)
        page.on("request", watch.on_request)
        page.watch = watch
        watches.append(watch)
        return page

    yield open_
    for context in contexts:
        context.close()
    for watch in watches:
        watch.check()


@pytest.fixture
def page(open_page: Any) -> Any:
    """A watched page at desktop width."""
    return open_page()


def screenshot(page: Any, name: str) -> None:
    """Keep a full-page screenshot when YIWANG_SCREENSHOTS names a directory."""
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)
