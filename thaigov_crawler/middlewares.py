"""Downloader middleware: retries that honour ``Retry-After`` (Scrapy's RetryMiddleware ignores it).

A server that answers 429/503 with ``Retry-After`` is telling us when to come back; retrying
sooner is exactly the impoliteness the site objects to. The wait is capped
(``THAIGOV_RETRY_AFTER_MAX`` seconds) so a hostile value cannot stall a scheduled run forever.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)
RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that first sleeps for the server's ``Retry-After`` (capped)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("THAIGOV_RETRY_AFTER_MAX", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            response.status in RETRY_AFTER_STATUSES
            and response.status in self.retry_http_codes
            and not request.meta.get("dont_retry", False)
            and request.meta.get("retry_times", 0)
            < request.meta.get("max_retry_times", self.max_retry_times)
        ):
            header = response.headers.get("Retry-After")
            wait = retry_after_seconds(header.decode("latin-1") if header else None)
            if wait is not None:
                wait = min(wait, self.max_wait)
                logger.info(
                    "HTTP %s with Retry-After for %s: waiting %.1f s before retrying",
                    response.status,
                    request.url,
                    wait,
                )
                self.crawler.stats.inc_value("thaigov/retry_after/waits")
                self.crawler.stats.inc_value("thaigov/retry_after/seconds", wait)
                await deferred_to_future(deferLater(reactor, wait, lambda: None))
        return super().process_response(request, response)
