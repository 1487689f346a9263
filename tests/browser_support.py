"""Helpers for Chromium tests of hostile content: serve an app, open a page that records
everything a hostile page could try (dialogs, CSP violations, console errors, requests).

Playwright's Python package drives Debian's /usr/bin/chromium (``chromium_path`` fixture).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Runs before any page script through the DevTools protocol, so the page's CSP does not apply
# to it: it records every violation the page causes from its first byte.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_archive(store: Any, backend: Any) -> Iterator[str]:
    """The web app over ``store`` and ``backend`` under uvicorn (``serve``); closes both after."""
    from search.web import create_app

    try:
        with serve(create_app(store, backend)) as url:
            yield url
    finally:
        backend.close()
        store.close()


@contextmanager
def chromium(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page and what happened in it."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return list(self.page.evaluate("window.__violations"))


@contextmanager
def watched_page(browser: Any, *, offline: bool = True) -> Iterator[Watched]:
    """A fresh context whose page records dialogs, console errors, CSP violations and
    requests; with ``offline``, requests off 127.0.0.1 are aborted (as on a machine with no
    internet), so a page that needs one shows it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    context.add_init_script(RECORD_VIOLATIONS)
    if offline:
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("http://127.0.0.1:")
                else route.abort()
            ),
        )
    page = context.new_page()
    watched = Watched(page)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("request", lambda r: watched.requests.append(r.url))
    try:
        yield watched
    finally:
        context.close()


def assert_article_is_inert(watched: Watched, base_url: str, article_id: int) -> set[str]:
    """Open an article page and check nothing from its content acts; returns its link hrefs.

    No dialog, no script element, no frame, image or object from content, CSP header present,
    no CSP violation, every link http(s), and clicking each non-link does nothing.
    """
    page = watched.page
    response = page.goto(f"{base_url}/articles/{article_id}")
    assert response is not None and response.status == 200
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("article iframe, article img, article object, article embed").count() == 0
    protocols = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.protocol)")
    assert protocols and set(protocols) <= {"http:", "https:"}, protocols
    hrefs = set(page.locator("article a[href]").evaluate_all("els => els.map(e => e.href)"))
    texts = page.locator("article .not-a-link")
    for index in range(texts.count()):
        texts.nth(index).click()
    page.wait_for_timeout(200)  # let a (wrongly) started navigation or dialog surface
    assert page.url == f"{base_url}/articles/{article_id}"
    assert watched.dialogs == [], watched.dialogs
    assert watched.violations() == []
    assert watched.console_errors == []
    return hrefs
