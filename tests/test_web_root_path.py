"""``thaigov serve --root-path /thaigov`` behind a reverse proxy, checked in headless Chromium.

The proxy here publishes the app under ``/thaigov/`` and strips that prefix, as nginx does with
``location /thaigov/ { proxy_pass http://127.0.0.1:8000/; }``; anything outside the prefix is
answered 404 and remembered, so a link or form pointing at ``/`` fails the test.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import chromium, free_port
from tests.conftest import REPO_ROOT
from tests.web_fixtures import RICE, RICE_IDS, build_archive

pytestmark = pytest.mark.browser

PREFIX = "/thaigov"
CLIENT_ADDRESS = "203.0.113.7"  # the browser's address as the proxy reports it (TEST-NET-3)


class StrippingProxy:
    """HTTP reverse proxy: ``/thaigov/x`` -> backend ``/x`` with X-Forwarded-* headers."""

    def __init__(self, backend_port: int) -> None:
        self.outside: list[str] = []  # requests for paths outside the prefix
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not self.path.startswith(PREFIX + "/"):
                    proxy.outside.append(self.path)
                    self.send_error(404, "outside the published prefix")
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=30)
                headers = {
                    "Host": self.headers.get("Host", ""),
                    "X-Forwarded-For": CLIENT_ADDRESS,
                    "X-Forwarded-Proto": "http",
                }
                upstream.request("GET", self.path[len(PREFIX) :], headers=headers)
                answer = upstream.getresponse()
                body = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                upstream.close()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX}/"

    def __enter__(self) -> StrippingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StrippingProxy, Path]]:
    """``thaigov serve --root-path /thaigov`` in a subprocess, behind the proxy."""
    directory = tmp_path_factory.mktemp("root_path")
    store, backend = build_archive(directory)
    backend.close()
    store.close()
    port = free_port()
    log_path = directory / "serve.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{directory / 'archive.sqlite3'}",
        "THAIGOV_SEARCH_PATH": str(directory / "search.sqlite3"),
    }
    command = [str(Path(sys.executable).with_name("thaigov")), "serve", "--port", str(port)]
    command += ["--root-path", "thaigov/"]  # normalised to /thaigov
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Application startup complete" not in log_path.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"thaigov serve did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        with StrippingProxy(port) as proxy:
            yield proxy, log_path
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as launched:
        yield launched


def local_targets(page: Any) -> list[str]:
    """Path of every same-origin link, stylesheet and form target on the page."""
    urls: list[str] = page.evaluate(
        """() => [
            ...[...document.querySelectorAll('a[href], link[href]')]
                .map(e => e.getAttribute('href')),
            ...[...document.querySelectorAll('form')].map(f => f.getAttribute('action')),
        ].map(u => new URL(u, document.baseURI).href)"""
    )
    origin = urlsplit(page.url).netloc
    return [urlsplit(u).path for u in urls if urlsplit(u).netloc == origin]


def test_pages_links_and_form_work_under_the_root_path(
    served: tuple[StrippingProxy, Path], browser: Any
) -> None:
    proxy, log_path = served
    context = browser.new_context(locale="th-TH")
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    try:
        page.goto(proxy.url)
        seen = local_targets(page)
        # The stylesheet came through the prefix and applies.
        assert page.evaluate("() => document.styleSheets[0].cssRules.length") > 0

        page.get_by_role("searchbox").fill(RICE)
        page.get_by_role("button", name="ค้นหา").click()
        page.wait_for_selector("ol.hits")
        assert urlsplit(page.url).path == PREFIX + "/"
        seen += local_targets(page)
        hits = page.locator("ol.hits li.hit h2 a")
        ids = {int(h.rsplit("/", 1)[1]) for h in hits.evaluate_all("l => l.map(e => e.pathname)")}
        assert ids == RICE_IDS

        page.locator("svg a").first.click()  # a timeline bar narrows the search to its month
        page.wait_for_selector("ol.hits")
        assert urlsplit(page.url).path == PREFIX + "/" and "from=" in page.url
        seen += local_targets(page)

        hits.first.click()
        page.wait_for_selector("article")
        assert urlsplit(page.url).path.startswith(PREFIX + "/articles/")
        seen += local_targets(page)
        page.get_by_role("link", name="JSON").click()
        assert '"article_id"' in page.content()
        page.go_back()
        page.get_by_role("link", name="← ค้นหาข่าว").click()
        assert urlsplit(page.url).path == PREFIX + "/"

        api_link = page.get_by_role("link", name="API")
        assert api_link.evaluate("a => new URL(a.href).pathname") == PREFIX + "/docs"
        # Swagger UI (served from this server) fetches the schema and its own files under the
        # root path.
        docs = context.request.get(proxy.url + "docs")
        assert docs.status == 200
        assert f'{PREFIX}/openapi.json"' in docs.text()
        assert f"{PREFIX}/docs-assets/swagger-ui-bundle.js" in docs.text()
        openapi = context.request.get(proxy.url + "openapi.json")
        assert openapi.status == 200 and openapi.json()["info"]["title"] == "thaigov-archive"
    finally:
        context.close()
    assert seen and all(path.startswith(PREFIX + "/") for path in seen), sorted(set(seen))
    # Chromium asks for /favicon.ico on its own (the pages link none); nothing else strayed.
    assert [path for path in proxy.outside if path != "/favicon.ico"] == []
    assert [u for u in failed if not u.endswith("/favicon.ico")] == []
    # Proxy headers from 127.0.0.1 are trusted: uvicorn logs the browser's forwarded address.
    assert f"{CLIENT_ADDRESS}:0 - " in log_path.read_text()
