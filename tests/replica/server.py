"""A threaded HTTP server on 127.0.0.1 that behaves like the site for crawler tests.

Standard library only (``ThreadingHTTPServer``), so it runs wherever the tests run; every
response is generated from :mod:`tests.replica.fixtures`.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from tests.replica import fixtures as fx
from tests.replica import hostile_crawl, hostile_web, pages

_DETAIL = re.compile(r"^/news/contents/details/(\d+)$")
_LISTING = re.compile(rf"^/news/contents/listing/{fx.LISTING_ID}$")
OFFSITE_LOCATION = "http://offsite.invalid/bot-check"
DEFAULT_HUGE_PAGE_BYTES = 2 * 1024 * 1024
#: HTML charset labels Python spells differently.
_PYTHON_CODECS = {"windows-874": "cp874"}


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 128  # the default listen backlog (5) drops connects of 16-way crawls

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (a crawler refusing a huge page) are normal here, not errors."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class ReplicaServer:
    """Local replica of www.thaigov.go.th; use as a context manager.

    ``extra_ids`` synthetic articles follow the last fixture id; every other id answers a soft
    404, as the real site does. ``hits`` counts requests per path (query string included) and
    ``arrivals`` lists ``(time.monotonic(), path)`` per request. ``robots_status`` and
    ``robots_stall`` (seconds before answering) make robots.txt fail; hostile pages for the
    crawler are in :mod:`tests.replica.hostile_crawl` (the web side: `hostile_web`).
    """

    def __init__(
        self,
        *,
        robots_txt: str = fx.ALLOW_ALL_ROBOTS,
        delay: float = 0.0,
        extra_ids: int = 0,
        huge_page_bytes: int = DEFAULT_HUGE_PAGE_BYTES,
        port: int = 0,
        robots_status: int = 200,
        robots_stall: float = 0.0,
    ) -> None:
        self.robots_txt = robots_txt
        self.robots_status = robots_status
        self.robots_stall = robots_stall
        self.arrivals: list[tuple[float, str]] = []
        #: When the replica finished sending each Retry-After answer (``time.monotonic()``).
        self.retry_after_sent: list[float] = []
        self.delay = delay
        self.extra_ids = extra_ids
        self.huge_page_bytes = huge_page_bytes
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._cache: dict[int, bytes] = {}
        self._httpd = _QuietServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def last_id(self) -> int:
        """Highest article id served (fixtures plus synthetic ones)."""
        return fx.LAST_FIXTURE_ID + self.extra_ids

    @property
    def synthetic_ids(self) -> range:
        return range(fx.LAST_FIXTURE_ID + 1, self.last_id + 1)

    def detail_url(self, article_id: int) -> str:
        return f"{self.base_url}/news/contents/details/{article_id}"

    def detail_hits(self, article_id: int) -> int:
        return self.hits[f"/news/contents/details/{article_id}"]

    def warm(self) -> None:
        """Render every synthetic page now, so timed runs measure serving, not rendering."""
        for article_id in self.synthetic_ids:
            self.article_bytes(fx.synthetic_article(article_id))

    def start(self) -> ReplicaServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def count_hit(self, path: str) -> int:
        """Record one request; returns how many came before it (for 503-then-200 ids)."""
        with self._lock:
            before = self.hits[path]
            self.hits[path] += 1
            self.arrivals.append((time.monotonic(), path))
        return before

    def article_bytes(self, article: fx.FixtureArticle) -> bytes:
        cached = self._cache.get(article.article_id)
        if cached is None:
            html = pages.detail_page(article)
            if article.truncate_after:
                html = html[: html.index(article.truncate_after) + len(article.truncate_after)]
            cached = html.encode(_PYTHON_CODECS.get(article.charset, article.charset))
            self._cache[article.article_id] = cached
        return cached

    def huge_bytes(self) -> bytes:
        cached = self._cache.get(-1)
        if cached is None:
            cached = self._cache[-1] = pages.huge_page(self.huge_page_bytes).encode()
        return cached


def _handler_for(replica: ReplicaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ThaigovReplica/1.0"
        protocol_version = "HTTP/1.1"  # keep-alive, as the real site and crawlers use
        # Headers and body leave in two writes; without this, Nagle plus delayed ACKs add
        # ~40 ms to every keep-alive response and benchmarks would measure TCP, not crawlers.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: tests read ``replica.hits`` instead of a request log."""

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            key = split.path + (f"?{split.query}" if split.query else "")
            before = replica.count_hit(key)
            if replica.delay:
                time.sleep(replica.delay)
            self._route(split.path, split.query, before)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _html(self, html: str, status: int = 200) -> None:
            self._send(status, html.encode())

        def _route(self, path: str, query: str, before: int) -> None:
            if path == "/robots.txt":
                if replica.robots_stall:
                    time.sleep(replica.robots_stall)
                # The same text whatever the status, so a crawler that reads the body of a
                # 404/500 answer shows it (Scrapy's own middleware does).
                body = replica.robots_txt.encode()
                self._send(replica.robots_status, body, "text/plain; charset=utf-8")
                return
            if _LISTING.match(path):
                page = int(parse_qs(query).get("page", ["1"])[0])
                if 1 <= page <= len(fx.LISTING_PAGES):
                    self._html(pages.listing_page(page))
                else:
                    self._html(pages.not_found_page(), 404)
                return
            match = _DETAIL.match(path)
            if not match:
                self._html(pages.not_found_page(), 404)
                return
            self._detail(int(match.group(1)), before)

        def _detail(self, article_id: int, before: int) -> None:
            if article_id == fx.RETRY_503_ID and before == 0:
                self._html("<html><body>Service Unavailable</body></html>", 503)
            elif article_id == fx.RETRY_AFTER_429_ID and before == 0:
                self._send(
                    429,
                    b"<html><body>Too Many Requests</body></html>",
                    headers={"Retry-After": "1"},
                )
            elif article_id in hostile_web.HOSTILE_ARTICLES:
                self._html(hostile_web.hostile_page(hostile_web.HOSTILE_ARTICLES[article_id]))
            elif article_id in fx.ARTICLES_BY_ID:
                article = fx.ARTICLES_BY_ID[article_id]
                body = replica.article_bytes(article)
                self._send(200, body, f"text/html; charset={article.charset}")
            elif article_id in replica.synthetic_ids:
                body = replica.article_bytes(fx.synthetic_article(article_id))
                self._send(200, body)
            elif article_id in fx.HTTP_404_IDS:
                self._html(pages.not_found_page(), 404)
            elif article_id == fx.NO_ARTICLE_BLOCK_ID:
                self._html(pages.no_article_block_page())
            elif article_id == fx.OFFSITE_REDIRECT_ID:
                location = f"{OFFSITE_LOCATION}?id={article_id}"
                self._send(307, b"", headers={"Location": location})
            elif article_id == fx.HUGE_PAGE_ID:
                self._send(200, replica.huge_bytes())
            elif article_id == fx.NON_HTML_ID:
                self._send(200, b"%PDF-1.4\n% replica test file\n%%EOF\n", "application/pdf")
            elif article_id in hostile_crawl.CRAWL_IDS:
                hostile_crawl.respond(self, replica, article_id, before)
            else:
                self._html(pages.soft_404_page())

    return Handler
