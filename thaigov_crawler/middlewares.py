"""Downloader middlewares for politeness by the rules where Scrapy 2.19 falls short.

- ``RetryAfterMiddleware``: a server that answers 429/503 with ``Retry-After`` is telling us
  when to come back to the *site*; retrying sooner, or fetching other pages meanwhile, is exactly
  the impoliteness it objects to. The whole download slot (the site) pauses, capped by
  ``THAIGOV_RETRY_AFTER_MAX`` seconds so a hostile value cannot stall a scheduled run forever.
- ``RobotsTxtWaitMiddleware``: robots.txt by RFC 9309 (a 5xx answer or no answer at all means
  complete disallow, a 4xx means no rules), checked for every request however many are in
  flight while it downloads, and its ``Crawl-delay`` kept as the site's minimum request gap.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic

from scrapy import Request, signals
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectError

from thaigov_crawler.addon import thaigov_settings

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


#: Connection-level failures: nothing on the host answered at all (the site is down or unknown).
UNREACHABLE_HOST_ERRORS = (DownloadConnectionRefusedError, CannotResolveHostError, ConnectError)
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def pause_slot(downloader: Downloader, slot: Slot, seconds: float) -> None:
    """Let ``slot`` (one site) send nothing for ``seconds``, whatever its delay setting.

    Scrapy has no public pause for one slot; its own delay uses ``slot.latercall`` (queue
    processing blocked until it fires) and ``slot.lastseen`` (the last send). Both are set: the
    call ends the pause, and a ``lastseen`` at its end keeps the slot from being garbage-collected
    meanwhile and adds one ordinary delay after it.
    """
    if slot.latercall:
        slot.latercall.cancel()
    slot.latercall = call_later(seconds, downloader._latercall, slot)
    slot.lastseen = max(slot.lastseen, monotonic() + seconds)


def crawl_delay_floor(crawl_delay: float, jitter: float) -> float:
    """The slot delay whose shortest jittered gap (``delay * (1 - jitter)``) is ``crawl_delay``."""
    return crawl_delay / (1 - min(jitter, 0.5))


class RobotsTxtUnreachable(IgnoreRequest):
    """Not sent: robots.txt could not be fetched because nothing on the host answered."""


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware whose ``Retry-After`` pauses the whole site (capped), not one URL.

    The pause starts in a ``response_downloaded`` receiver: Scrapy sends that signal before the
    finished download frees its slot, so not even the next queued request slips out; the retried
    request then waits in the slot queue with everything else.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        config = thaigov_settings(crawler)
        self.max_wait = config.retry_after_max
        self.give_up_after = config.give_up_after_failures
        crawler.signals.connect(self._pause_site, signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def _pause_site(self, response: Response, request: Request, spider: object = None) -> None:
        if response.status not in RETRY_AFTER_STATUSES:
            return
        header = response.headers.get("Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        if not wait:
            return
        wait = min(wait, self.max_wait)
        downloader = self.crawler.engine.downloader
        key = request.meta.get(Downloader.DOWNLOAD_SLOT)
        slot = downloader.slots.get(key) if key is not None else None
        if slot is None:
            return
        logger.info(
            "HTTP %s with Retry-After for %s: pausing every request to %s for %.1f s",
            response.status,
            request.url,
            key,
            wait,
        )
        self.crawler.stats.inc_value("thaigov/retry_after/waits")
        seconds = self.crawler.stats.get_value("thaigov/retry_after/seconds", 0.0)
        self.crawler.stats.set_value("thaigov/retry_after/seconds", seconds + wait)
        pause_slot(downloader, slot, wait)

    def process_exception(
        self, request: Request, exception: Exception, spider: object = None
    ) -> Request | Response | None:
        """Stop retrying a site that has never answered.

        Without this, a host that does not resolve (no network, a typo in THAIGOV_BASE_URL)
        retried every scheduled id RETRY_TIMES times behind the download delay: measured 153
        retries and 6.5 minutes before the spider could declare it unreachable. Once
        THAIGOV_GIVE_UP_AFTER_FAILURES attempts failed and no response ever came, failures go
        straight to the spider, which stops the crawl with exit code 5.
        """
        stats = self.crawler.stats
        if (
            self.give_up_after
            and isinstance(exception, self.exceptions_to_retry)
            and not stats.get_value("downloader/response_count", 0)
        ):
            stats.inc_value("thaigov/unanswered_attempts")
            if stats.get_value("thaigov/unanswered_attempts", 0) >= self.give_up_after:
                return None
        return super().process_exception(request, exception)


class RobotsTxtWaitMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware by RFC 9309, whose requests all wait for robots.txt.

    - Answers: 2xx are parsed; 4xx mean "unavailable", no rules (RFC 9309 2.3.1.3); 5xx, 429
      (as Google reads it) and no answer at all (timeout, connection refused, unknown host) mean
      "unreachable", complete disallow (2.3.1.4). Scrapy parses any answer's body, so a robots.txt
      answering 500 allowed everything. Requests refused because nothing on the host answered
      raise :class:`RobotsTxtUnreachable`, so the spider can report a site that is down (exit 5)
      apart from a site that forbids crawling (exit 3).
    - ``Crawl-delay`` (parsed by Protego; Scrapy ignores it) becomes the download slot's minimum
      delay, kept above AutoThrottle's adjustments and the delay jitter.
    - Concurrency: in Scrapy 2.19 every request that arrives while robots.txt is still
      downloading awaits the same Deferred through ``asFuture``; the first waiter's callback
      returns None, so the others receive no parser and are let through unchecked (seen here: 5
      of 10 detail pages fetched under ``Disallow: /``; scrapy/scrapy#6802). Each waiter here
      gets its own Deferred fed by a pass-through callback, as Scrapy did before.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._refusals: dict[str, tuple[str, bool]] = {}  # netloc -> (why, host unreachable)
        self._min_delays: dict[str, float] = {}  # download slot -> floor from Crawl-delay
        # Connected after AutoThrottle's receiver (extensions exist before the engine and its
        # middlewares), so this runs after AutoThrottle lowered a delay, before the next send.
        crawler.signals.connect(self._keep_crawl_delay, signals.response_downloaded)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc in self._parsers:
            known = self._parsers[netloc]
            if not isinstance(known, Deferred):
                return known
            mine: Deferred[RobotParser | None] = Deferred()

            def relay(result: RobotParser | None) -> RobotParser | None:
                mine.callback(result)
                return result

            known.addCallback(relay)
            return await deferred_to_future(mine)
        # Scrapy's own download of robots.txt, without its ERROR log and traceback for a
        # robots.txt that cannot be fetched: here that is a rule (complete disallow), reported
        # once by the spider.
        self._parsers[netloc] = Deferred()
        url = urlparse_cached(request)
        robots_request = Request(
            f"{url.scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        try:
            response = await self.crawler.engine.download_async(robots_request)
            await self._parse_robots(response, netloc, request)
        except Exception as exc:
            self._robots_error(exc, netloc)
        self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        assert not isinstance(parser, Deferred)
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        status = response.status
        if status >= 500 or status == 429:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{status}")
            self._refuse_all(netloc, f"robots.txt answered HTTP {status}", unreachable=False)
            return
        if 400 <= status < 500:
            logger.info(
                "robots.txt of %s answered HTTP %d: no rules (RFC 9309: crawling allowed)",
                netloc,
                status,
            )
            self._stats.inc_value("thaigov/robots/unavailable")
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)
        parser = self._parsers[netloc]
        if isinstance(parser, RobotParser):
            delay = parser.crawl_delay(self._user_agent(request))
            if delay:
                self._apply_crawl_delay(request, netloc, float(delay))

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # e.g. a redirect loop: "unavailable", no rules
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        why = f"robots.txt could not be fetched ({type(exc).__name__}: {exc})"
        self._refuse_all(netloc, why, unreachable=isinstance(exc, UNREACHABLE_HOST_ERRORS))

    def _refuse_all(self, netloc: str, why: str, *, unreachable: bool) -> None:
        self._stats.inc_value("thaigov/robots/unreachable")
        self._refusals[netloc] = (why, unreachable)
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        refusal = self._refusals.get(urlparse_cached(request).netloc)
        if refusal is None:
            super().process_request_2(rp, request)
            return
        why, unreachable = refusal
        self._stats.inc_value("robotstxt/forbidden")
        error = RobotsTxtUnreachable if unreachable else IgnoreRequest
        raise error(f"Forbidden by robots.txt: {why}; RFC 9309: assume complete disallow")

    def _user_agent(self, request: Request) -> str | bytes:
        agent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        assert agent is not None
        return agent

    def _apply_crawl_delay(self, request: Request, netloc: str, crawl_delay: float) -> None:
        """Make ``crawl_delay`` the shortest gap between two requests to this site."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        jitter = min(slot.jitter if slot else downloader._jitter, 0.5)
        floor = crawl_delay_floor(crawl_delay, jitter)
        self._min_delays[key] = floor
        # DOWNLOAD_SLOTS entries are what Scrapy uses when it (re)creates a slot: never below
        # the delay the slot would otherwise get, so a short Crawl-delay cannot speed us up.
        entry = downloader.per_slot_settings.setdefault(key, {})
        entry["delay"] = max(float(entry.get("delay", downloader._delay)), floor)
        entry["jitter"] = min(float(entry.get("jitter", jitter)), jitter)
        if slot is not None:
            slot.jitter = jitter
            slot.delay = max(slot.delay, floor)
        self.crawler.stats.set_value("thaigov/robots/crawl_delay", crawl_delay)
        logger.info(
            "robots.txt of %s asks for Crawl-delay: %g s: requests to it go out at least that "
            "far apart (slot delay %.2f s, jitter %g)",
            netloc,
            crawl_delay,
            floor,
            jitter,
        )

    def _keep_crawl_delay(
        self, response: Response, request: Request, spider: object = None
    ) -> None:
        key: str | None = request.meta.get(Downloader.DOWNLOAD_SLOT)
        floor = self._min_delays.get(key) if key is not None else None
        if key is None or floor is None:
            return
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None and slot.delay < floor:
            slot.delay = floor
