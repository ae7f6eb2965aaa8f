"""Playwright in Debian's chromium, against pytest-django's live server.

Under CI (CI=true) a missing chromium fails the run; elsewhere the browser tests skip
with a message saying how to install it. Every browser test fails at teardown when a page
was sent without the Content Security Policy, broke it, or threw an uncaught script error.
"""

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from steward.core.tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Runs in every page before its own scripts: each violation event is passed to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__stewardCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline code"} ` +
    `(${event.sourceFile || location.pathname}:${event.lineNumber}) on ${location.pathname}`
  );
});
"""


def sign_in(page, username: str, password: str = PASSWORD, *, fresh: bool = False) -> None:
    """Sign in through the login form; ``fresh``: in a new session (signing out needs a POST)."""
    if fresh:
        page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot_dir() -> Path:
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as var/screenshots/<name>.png (look at them)."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time.

    With SQLite in memory Django hands the live server the test's one database connection,
    and its threaded server runs concurrent requests on it: two pages polling for live
    updates while a third posts a note gave "no such savepoint" and "cannot commit - no
    transaction is active" (500s) on a loaded machine. The browser keeps its connections
    alive, so the lock is taken per request, not per connection."""

    lock = threading.Lock()

    def set_app(self, application: Callable[..., Iterable[bytes]]) -> None:
        def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            with self.lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]  # a streamed body too, inside the lock
                finally:
                    if hasattr(result, "close"):
                        result.close()

        super().set_app(serialised)


LiveServerThread.server_class = OneRequestAtATime


@pytest.fixture
def browser_page(live_server, monkeypatch) -> Iterator:
    """A fresh chromium page whose relative URLs go to the live server."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Browser tests must run under CI. {message}")
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test
    # makes to set up data are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1360, "height": 860}, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        problems: list[str] = []
        context.expose_function("__stewardCspViolation", lambda text: problems.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("response", lambda response: _unprotected_page(response, problems))
        context.on("console", lambda msg: _console_problem(msg, problems))
        context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
        page = context.new_page()
        try:
            yield page
            if not page.is_closed():
                page.evaluate("0")  # a round trip: events still on their way arrive
        finally:
            context.close()
            browser.close()
        report = "\n".join(problems)
        assert not problems, f"Content Security Policy violations or script errors:\n{report}"


def _console_problem(message, problems: list[str]) -> None:
    # Chromium also logs each violation ("Refused to apply inline style because it
    # violates the following Content Security Policy directive ...").
    if message.type == "error" and "Content Security Policy" in message.text:
        problems.append(f"console: {message.text}")


def _unprotected_page(response, problems: list[str]) -> None:
    # "No violation" means something only when the page was sent with the policy.
    if response.request.resource_type != "document":
        return
    if "text/html" in response.headers.get("content-type", "") and (
        "script-src 'self'" not in response.headers.get("content-security-policy", "")
    ):
        problems.append(f"no Content Security Policy on {response.url}")
