"""Spider ``thaigov``: news detail pages by id (range, list, incremental) or from a listing.

Thin Scrapy adapter: extraction is :func:`pipelines.core.extract.extract_article`, the
incremental stop rule is :class:`thaigov_crawler.frontier.MissRunFrontier`, and what an
incremental run requests first (gaps left by earlier runs) is
:func:`pipelines.core.frontier.plan_run` over the frontier stored in the archive.

Arguments (``-a name=value``): ``start_id``/``end_id`` (inclusive range), ``ids=1,5,9``,
``refresh_days=N`` (re-fetch articles published in the last N days), ``listing_url=URL``.
With no ids, range or listing: incremental. With the archive pipeline on, it first requests
the gaps the archive's frontier records (ids never answered, failed ids whose backoff ended,
young non-articles just below the head), then probes upward from the highest article until
``THAIGOV_MAX_CONSECUTIVE_MISSES`` non-articles in a row; every request is made from
``start()``, in ascending id order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DownloadCancelledError, IgnoreRequest, UsageError
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from pipelines.adapters.archive import archive_store
from pipelines.core.article import DETAIL_PATH, Article
from pipelines.core.extract import Extracted, article_id_from_url, extract_article
from pipelines.core.frontier import FrontierPolicy, plan_run
from pipelines.core.html_input import InputReport
from thaigov_crawler.addon import thaigov_settings
from thaigov_crawler.frontier import MissRunFrontier, ResumeJournal
from thaigov_crawler.middlewares import RobotsTxtUnreachable

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
HANDLED_STATUSES = [*REDIRECT_STATUSES, 404, 410]
MAX_SAME_SITE_REDIRECTS = 5
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
SITE_HOSTS = frozenset({"www.thaigov.go.th", "thaigov.go.th"})
ARCHIVE_PIPELINE = "pipelines.adapters.archive.ArchivePipeline"
#: Seconds spent planning from and writing to the durable frontier (its database cost).
FRONTIER_SECONDS = "thaigov/frontier/seconds"


def parse_ids(value: str) -> list[int]:
    """``"1, 5,9-11"`` -> ``[1, 5, 9, 10, 11]`` (sorted, unique)."""
    ids: set[int] = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise UsageError(f"ids: {part!r} is not an id or an id range like 9-11")
        ids.update(range(int(low), int(high) + 1) if sep else (int(low),))
    return sorted(ids)


def _optional_int(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UsageError(f"-a {name}= expects an integer, got {value!r}") from None


class ThaigovSpider(scrapy.Spider):
    name = "thaigov"
    # Set from the settings object in from_crawler (the only way Scrapy builds this spider).
    base_url: str
    give_up_after: int
    incremental_start_id: int
    raw_html: bool
    archive_url: str
    allowed_hosts: frozenset[str]
    allowed_domains: list[str]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """A callback yields one item and a few requests, but Scrapy 2.19 starts
        CONCURRENT_ITEMS asyncio workers per response whatever the output size: the default
        100 cost about 1 ms of CPU per page."""
        super().update_settings(settings)
        settings.set("CONCURRENT_ITEMS", 8, priority="spider")

    def __init__(
        self,
        start_id: str | None = None,
        end_id: str | None = None,
        ids: str | None = None,
        refresh_days: str | None = None,
        listing_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.validate_arguments(
            start_id=start_id, end_id=end_id, ids=ids, refresh_days=refresh_days
        )
        self.start_id = _optional_int("start_id", start_id)
        self.end_id = _optional_int("end_id", end_id)
        self.ids = parse_ids(ids) if ids else []
        self.refresh_days = _optional_int("refresh_days", refresh_days)
        self.listing_url = listing_url
        self.run_args = {
            key: value
            for key, value in {
                "start_id": start_id,
                "end_id": end_id,
                "ids": ids,
                "refresh_days": refresh_days,
                "listing_url": listing_url,
            }.items()
            if value not in (None, "")
        }
        # One bound-method object per callback, shared by every request: Scrapy caches its
        # per-callback source inspection (an ast.parse) in a weak-keyed dict, and a fresh
        # bound method per request made it re-parse the callback's source for every response.
        self._on_detail = self.parse_detail
        self._on_listing = self.parse_listing
        self._on_failure = self.detail_failed
        self.frontier: MissRunFrontier | None = None
        self.journal: ResumeJournal | None = None
        self.fetched = 0
        # Durable frontier (incremental runs with the archive pipeline): ids whose outcome is
        # recorded, outcomes waiting to be written, ids handed out and not yet answered.
        self.durable = False
        self.policy = FrontierPolicy()
        self.flush_every = 100
        self.max_misses = 50
        self.tracked: set[int] = set()
        self._outcomes: list[tuple[int, str, str | None]] = []
        self._outstanding: set[int] = set()
        self._answered = asyncio.Event()
        self._frontier_finished = False
        self._robots_reported = False
        self._gave_up = False

    @staticmethod
    def validate_arguments(**kwargs: Any) -> None:
        """Raise UsageError for bad ``-a`` values (the crawl command calls it before starting)."""
        start_id = _optional_int("start_id", kwargs.get("start_id"))
        end_id = _optional_int("end_id", kwargs.get("end_id"))
        _optional_int("refresh_days", kwargs.get("refresh_days"))
        if kwargs.get("ids"):
            parse_ids(kwargs["ids"])
        if end_id is not None and start_id is None:
            raise UsageError("-a end_id needs -a start_id")
        if start_id is not None and end_id is not None and end_id < start_id:
            raise UsageError("-a end_id must not be smaller than -a start_id")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ThaigovSpider:
        spider: ThaigovSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        config = thaigov_settings(crawler)
        spider.base_url = config.base_url.rstrip("/")
        spider.max_misses = config.max_consecutive_misses
        spider.give_up_after = config.give_up_after_failures
        spider.incremental_start_id = config.incremental_start_id
        spider.raw_html = settings.getbool("ARCHIVE_RAW_HTML")
        spider.archive_url = config.archive_url
        base_host = urlsplit(spider.base_url).hostname or ""
        spider.allowed_hosts = SITE_HOSTS | {base_host}
        spider.allowed_domains = sorted(spider.allowed_hosts)
        pipelines = settings.getdict("ITEM_PIPELINES")
        archived = pipelines.get(ARCHIVE_PIPELINE) is not None and ARCHIVE_PIPELINE in pipelines
        spider.durable = archived and config.frontier_enabled
        spider.policy = FrontierPolicy(
            backoff_seconds=config.frontier_backoff_seconds,
            backoff_max_seconds=config.frontier_backoff_max_seconds,
            give_up_runs=config.frontier_give_up_runs,
            give_up_days=config.frontier_give_up_days,
            recheck_ids=config.frontier_recheck_ids,
            recheck_days=config.frontier_recheck_days,
        )
        spider.flush_every = config.frontier_flush_every
        if spider.durable:
            from pipelines.adapters.signals import archive_batch_committed

            crawler.signals.connect(spider._frontier_committed, archive_batch_committed)
            crawler.signals.connect(spider.finish_frontier, signals.spider_closed)
        jobdir = settings.get("JOBDIR")
        if jobdir:
            spider.journal = ResumeJournal(jobdir)
            if spider.journal.resumed:
                _discard_job_state(Path(jobdir), clean=spider.journal.clean)
            for article_id in _exported_ids(settings):
                spider.journal.record(article_id, hit=True)
            if archived:
                from pipelines.adapters.signals import archive_batch_committed

                crawler.signals.connect(spider._archive_committed, archive_batch_committed)
            else:
                # Receivers run in the order they were connected, and the feed exporter connects
                # its item_scraped when the extensions are built, after this spider. Connecting
                # the journal at spider_opened puts its line after the feed's: a kill between
                # the two then loses a journal line (re-read from the feed), never an item.
                crawler.signals.connect(spider._journal_items, signals.spider_opened)
            crawler.signals.connect(spider._closed, signals.spider_closed)
        return spider

    # --- planning ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Every detail request comes from here, lowest id first.

        Scrapy 2.19 sends callback requests before start requests and reads ``start()`` lazily,
        so a frontier extended from callbacks requested new high ids before older low ones.
        Extending it here instead (waiting for answers when nothing is due), with the start
        queues disabled in settings.py (``SCHEDULER_START_*_QUEUE = None``), keeps one order.
        """
        done = self.journal.done if self.journal else set()
        planned: list[int] = []
        if self.ids:
            planned = self.ids
        elif self.start_id is not None and self.end_id is not None:
            planned = list(range(self.start_id, self.end_id + 1))
        incremental = not self.ids and self.end_id is None and not self.listing_url
        retry: list[int] = []
        if incremental:
            retry = self._plan_incremental(done)
        if self.refresh_days is not None:
            planned = sorted(set(planned) | set(self._recently_published(self.refresh_days)))
        gaps = set(retry)
        for article_id in sorted(set(planned) | gaps):
            if article_id not in done:
                yield self._tracked_request(article_id, track=article_id in gaps)
        if self.listing_url:
            yield self.listing_request(self.listing_url)
        if incremental:
            async for request in self._probe():
                yield request

    def _plan_incremental(self, done: set[int]) -> list[int]:
        """Set up the probe past the head; returns the gap ids to request first (durable)."""
        if not self.durable:
            first_id = self.journal.first_id if self.journal and self.journal.first_id else None
            if first_id is None:
                first_id = self.start_id or self._after_highest_archived()
            if self.journal:
                self.journal.set_first_id(first_id)
            self.frontier = MissRunFrontier(first_id, self.max_misses, done=done)
            for hit in self.journal.hits if self.journal else ():
                self.frontier.record_hit(hit)
            logger.info(
                "incremental crawl from id %d, stopping after %d consecutive non-articles",
                first_id,
                self.max_misses,
            )
            return []
        started = time.perf_counter()
        store = archive_store(self.crawler)
        floor = self.start_id if self.start_id is not None else store.frontier_floor()
        if floor is None:
            floor = self._after_highest_archived()
        plan = plan_run(
            floor,
            store.frontier_entries(floor),
            store.archived_ids_from(floor),
            now=datetime.now(UTC),
            policy=self.policy,
        )
        if plan.give_up:
            store.give_up_frontier(plan.give_up)
            logger.warning(
                "gave up %d id(s) that failed in every run (THAIGOV_FRONTIER_GIVE_UP_*): %s",
                len(plan.give_up),
                ", ".join(map(str, plan.give_up[:50])),
            )
        # Stored before the first request: a run killed at once still leaves its floor, so the
        # next run sees the ids it never answered as holes.
        store.set_frontier_floor(plan.new_floor)
        self.frontier = MissRunFrontier(plan.probe_from, self.max_misses, done=done)
        self.crawler.stats.set_value("thaigov/frontier/gap_requests", len(plan.retry))
        self._frontier_seconds(started)
        logger.info(
            "incremental crawl: %d gap id(s) between %d and %d first, then from id %d, "
            "stopping after %d consecutive non-articles",
            len(plan.retry),
            plan.floor,
            plan.head,
            plan.probe_from,
            self.max_misses,
        )
        return plan.retry

    async def _probe(self) -> AsyncIterator[scrapy.Request]:
        """Ids past the head, handed out as answers widen the frontier's limit."""
        assert self.frontier is not None
        idle_checks = 0
        while True:
            due = self.frontier.due()
            for article_id in due:
                yield self._tracked_request(article_id, track=True)
            if due:
                continue
            if not self._outstanding:
                return
            self._answered.clear()
            try:
                await asyncio.wait_for(self._answered.wait(), timeout=2.0)
                idle_checks = 0
            except TimeoutError:
                # A safety net, not the normal end: an id Scrapy dropped without calling back
                # (twice idle in a row, so a response between two queues is not mistaken).
                idle_checks = 0 if self._engine_busy() else idle_checks + 1
                if idle_checks >= 2:
                    logger.warning(
                        "%d frontier id(s) never came back from Scrapy (filtered?): %s",
                        len(self._outstanding),
                        sorted(self._outstanding)[:20],
                    )
                    return

    def _engine_busy(self) -> bool:
        engine = self.crawler.engine
        if engine is None or engine.downloader.active:
            return engine is not None
        slot = getattr(engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        scraper_slot = engine.scraper.slot
        return bool(
            (scheduler is not None and scheduler.has_pending_requests())
            or (scraper_slot is not None and scraper_slot.active)
        )

    def _tracked_request(self, article_id: int, *, track: bool = False) -> scrapy.Request:
        """A detail request the probe waits for; ``track``: its outcome goes to the frontier."""
        self._outstanding.add(article_id)
        if track and self.durable:
            self.tracked.add(article_id)
        return self.detail_request(article_id)

    def _after_highest_archived(self) -> int:
        highest = archive_store(self.crawler).max_article_id()
        if highest is not None:
            return highest + 1
        logger.info("archive is empty: incremental crawl starts at THAIGOV_INCREMENTAL_START_ID")
        return self.incremental_start_id

    def _recently_published(self, days: int) -> list[int]:
        since = datetime.now(UTC).date() - timedelta(days=days)
        ids = list(archive_store(self.crawler).article_ids_published_since(since))
        logger.info("refresh: %d articles published since %s", len(ids), date.isoformat(since))
        return ids

    def detail_request(self, article_id: int, url: str | None = None) -> scrapy.Request:
        return scrapy.Request(
            url or self.base_url + DETAIL_PATH.format(article_id=article_id),
            callback=self._on_detail,
            errback=self._on_failure,
            cb_kwargs={"article_id": article_id},
            meta={"dont_redirect": True, "handle_httpstatus_list": HANDLED_STATUSES},
            # Each id is planned once per run (the journal and the frontier skip finished
            # ones), and an id filtered here would never be answered.
            dont_filter=True,
        )

    def listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self._on_listing, errback=self._on_failure)

    # --- responses --------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Detail links of a listing page, plus the pages of its own pagination."""
        self.fetched += 1
        self.crawler.stats.inc_value("thaigov/fetched")
        self.crawler.stats.inc_value("thaigov/listing_pages")
        if not isinstance(response, TextResponse):
            return
        for link in LinkExtractor(allow=r"/news/contents/details/\d+$").extract_links(response):
            article_id = int(link.url.rsplit("/", 1)[1])
            yield self.detail_request(article_id)
        listing_path = urlsplit(response.url).path
        for href in response.css("a::attr(href)").getall():
            target = urljoin(response.url, href)
            split = urlsplit(target)
            if split.path == listing_path and "page=" in split.query:
                yield self.listing_request(target)

    def parse_detail(
        self, response: Response, article_id: int
    ) -> Iterator[Article | scrapy.Request]:
        self.fetched += 1
        self.crawler.stats.inc_value("thaigov/fetched")
        if response.status in REDIRECT_STATUSES:
            yield from self._redirect(response, article_id)
            return
        if response.status in (404, 410):
            self._skip(article_id, "http_404", f"HTTP {response.status}")
            return
        content_type = (response.headers.get("Content-Type") or b"").split(b";")[0].strip().lower()
        if not isinstance(response, TextResponse) or content_type not in HTML_TYPES:
            self._skip(article_id, "non_html", content_type.decode("latin-1") or "no type")
            return
        # After a same-site redirect the final URL names the article actually served.
        url = response.url
        if article_id_from_url(url) is None:
            url = self.base_url + DETAIL_PATH.format(article_id=article_id)
        report = InputReport()
        result = extract_article(response.body, url, encoding=response.encoding, report=report)
        self._record_input_hazards(article_id, report)
        if not isinstance(result, Extracted):
            self._skip(article_id, result.reason, result.detail)
            return
        self.crawler.stats.inc_value(f"thaigov/extract/route/{result.route}")
        self.crawler.stats.inc_value("thaigov/articles")
        if self.frontier is not None:
            self.frontier.record_hit(article_id)
        self._answer(article_id)
        item = result.article
        if self.raw_html:
            item.raw_html = response.text
        yield item

    def _record_input_hazards(self, article_id: int, report: InputReport) -> None:
        """What sanitising repaired on this page: ``thaigov/<key>`` stats and one INFO line."""
        if not report.counts:
            return
        for key, count in sorted(report.counts.items()):
            self.crawler.stats.inc_value(f"thaigov/{key}", count)
        found = ", ".join(f"{key} {count}" for key, count in sorted(report.counts.items()))
        logger.info("id %s: input repaired: %s", article_id, found)

    def _redirect(self, response: Response, article_id: int) -> Iterator[scrapy.Request]:
        location = (response.headers.get("Location") or b"").decode("latin-1")
        target = urljoin(response.url, location)
        host = urlsplit(target).hostname or ""
        hops = response.meta.get("thaigov_redirects", 0)
        if host not in self.allowed_hosts or not location:
            self._skip(article_id, "offsite_redirect", f"HTTP {response.status} to {target}")
            return
        if hops >= MAX_SAME_SITE_REDIRECTS:
            self._skip(article_id, "redirect_loop", target)
            return
        request = self.detail_request(article_id, url=target)
        request.meta["thaigov_redirects"] = hops + 1
        yield request.replace(dont_filter=True)

    def detail_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        article_id = request.cb_kwargs.get("article_id")
        stats = self.crawler.stats
        robots = failure.check(IgnoreRequest) and "robots.txt" in str(failure.value)
        if robots and not failure.check(RobotsTxtUnreachable):
            self._skip(article_id, "robots_forbidden", request.url)
            if self.fetched == 0 and not self._robots_reported:
                self._robots_reported = True
                why = str(failure.value).removeprefix("Forbidden by robots.txt")
                logger.error(
                    "robots.txt of %s forbids this crawler (User-Agent %r) to fetch %s%s: "
                    "crawling is not allowed; stopping without fetching any page",
                    self.base_url,
                    self.settings.get("USER_AGENT"),
                    request.url,
                    f" ({why.removeprefix(': ')})" if why else "",
                )
                raise CloseSpider("robots_forbidden")
            return
        if _is_too_large(failure):
            self._skip(article_id, "too_large", str(failure.value))
            return
        if failure.check(RobotsTxtUnreachable):  # not sent: nothing on the host answered
            reason = "robots_unreachable"
        elif failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        else:
            reason = failure.type.__name__ if failure.type else "error"
        stats.inc_value("thaigov/failed")
        stats.inc_value(f"thaigov/failed/{reason}")
        logger.warning("id %s: request failed (%s): %s", article_id, reason, failure.value)
        if article_id is not None:
            if self.frontier is not None:
                self.frontier.record_failure(article_id)
            self._answer(article_id, ("failed", f"{reason}: {failure.value}"[:500]))
        failed = stats.get_value("thaigov/failed", 0)
        if self.fetched == 0 and self.give_up_after and failed >= self.give_up_after:
            if self._gave_up:
                return
            self._gave_up = True
            logger.error(
                "site unreachable: %d requests to %s failed (after retries) and none succeeded; "
                "giving up",
                failed,
                self.base_url,
            )
            raise CloseSpider("unreachable")

    def _skip(self, article_id: int | None, reason: str, detail: str = "") -> None:
        """A non-article: its own stats key, one INFO line, and a miss for the frontier."""
        self.crawler.stats.inc_value(f"thaigov/skipped/{reason}")
        logger.info("id %s skipped: %s%s", article_id, reason, f" ({detail})" if detail else "")
        if article_id is None:
            return
        if reason == "robots_forbidden":
            self._answer(article_id)  # not the site's answer: stays a gap
            return
        if self.journal is not None:
            self.journal.record(article_id, hit=False)
        self._answer(article_id, ("not_article", reason))

    # --- durable frontier -------------------------------------------------------------------
    def _frontier_seconds(self, started: float) -> None:
        stats = self.crawler.stats
        stats.set_value(
            FRONTIER_SECONDS, stats.get_value(FRONTIER_SECONDS, 0.0) + time.perf_counter() - started
        )

    def _answer(self, article_id: int, outcome: tuple[str, str | None] | None = None) -> None:
        """An id's request ended: wake the probe; queue a non-article/failed outcome."""
        self._outstanding.discard(article_id)
        self._answered.set()
        if outcome is not None and article_id in self.tracked:
            self._outcomes.append((article_id, *outcome))
            if len(self._outcomes) >= self.flush_every:
                self.flush_frontier()

    def _frontier_committed(self, results: list[Any], **_: Any) -> None:
        """Articles enter the frontier only once the archive committed them."""
        for result in results:
            article_id = getattr(result, "article_id", None)
            if article_id in self.tracked and getattr(result, "action", None) != "failed":
                self._outcomes.append((int(article_id), "article", None))
        self.flush_frontier()

    def flush_frontier(self) -> None:
        """Write queued outcomes; failures only once the site answered something this run
        (a site that is down says nothing about its ids)."""
        if not self._outcomes or not self.durable:
            return
        outcomes, self._outcomes = self._outcomes, []
        if not self.fetched:
            kept = [o for o in outcomes if o[1] != "failed"]
            self._outcomes = [o for o in outcomes if o[1] == "failed"]
            outcomes = kept
        started = time.perf_counter()
        try:
            archive_store(self.crawler).record_frontier(
                outcomes, run_id=getattr(self.crawler, "thaigov_run_id", None)
            )
        except Exception:  # the ids stay holes: the next run asks for them again
            logger.exception("could not record %d frontier outcome(s)", len(outcomes))
            self.crawler.stats.inc_value("thaigov/frontier/write_failed", len(outcomes))
        self._frontier_seconds(started)

    def finish_frontier(self, spider: scrapy.Spider | None = None, reason: str = "") -> None:
        """At close: write what is queued, and ids handed out but never answered."""
        if not self.durable or self._frontier_finished:
            return
        self._frontier_finished = True
        if self.fetched:  # a run that reached the site: what it did not answer is unanswered
            unanswered = sorted(self._outstanding & self.tracked)
            self._outcomes += [(i, "unanswered", "run ended before an answer") for i in unanswered]
        self.flush_frontier()

    # --- resume journal ---------------------------------------------------------------------
    def _journal_items(self, spider: scrapy.Spider) -> None:
        self.crawler.signals.connect(self._item_scraped, signals.item_scraped)

    def _item_scraped(self, item: Any, response: Response, spider: scrapy.Spider) -> None:
        if self.journal is not None and isinstance(item, Article):
            self.journal.record(item.article_id, hit=True)

    def _archive_committed(self, results: list[Any], **_: Any) -> None:
        if self.journal is not None:
            for result in results:
                if getattr(result, "action", None) != "failed":
                    self.journal.record(int(result.article_id), hit=True)

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        """Every outcome the journal holds is durable: mark it closed (a clean end)."""
        if self.journal is not None:
            self.journal.close()


def _is_too_large(failure: Failure) -> bool:
    """DOWNLOAD_MAXSIZE hit: announced size (DownloadCancelledError), streamed size (the
    download is cancelled) or decompressed size (a gzip bomb: HttpCompressionMiddleware raises
    IgnoreRequest from Scrapy's private ``_DecompressionMaxSizeExceeded``, whose
    ``decompressed_size`` is the only public trace of it besides the message)."""
    if failure.check(DownloadCancelledError, CancelledError):
        return True
    if not failure.check(IgnoreRequest):
        return False
    cause = failure.value.__cause__ if failure.value is not None else None
    return hasattr(cause, "decompressed_size") or "DOWNLOAD_MAXSIZE" in str(failure.value)


def _discard_job_state(jobdir: Path, *, clean: bool) -> None:
    """Re-plan a resumed job from the journal, never from Scrapy's saved queue.

    After a hard kill Scrapy's queue/seen files may name requests never fetched; after a clean
    stop its queue lacks the requests that were in flight (they were dropped, not saved), which
    lost an article per stop. The journal knows which ids are finished; the rest are planned.
    """
    if clean:
        logger.info("JOBDIR %s: resuming; re-planning from its journal", jobdir)
    else:
        logger.warning(
            "JOBDIR %s: the previous run did not shut down cleanly; re-planning from its journal",
            jobdir,
        )
    shutil.rmtree(jobdir / "requests.queue", ignore_errors=True)
    (jobdir / "requests.seen").unlink(missing_ok=True)


def _exported_ids(settings: BaseSettings) -> set[int]:
    """Article ids already in the appended local JSON Lines feeds (``-o file.jsonl``).

    The feed file is the truth about what was exported: an item written just before a kill may
    miss its journal line, and exporting it again would duplicate it. A line cut off by the
    kill is removed, so the file stays valid JSON Lines.
    """
    ids: set[int] = set()
    for uri, options in settings.getdict("FEEDS").items():
        path = _local_path(str(uri))
        fmt = (options or {}).get("format") or ""
        if path is None or (options or {}).get("overwrite") or fmt not in ("jsonlines", "jl"):
            continue
        if not path.exists():
            continue
        data = path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            logger.warning("feed %s: removing a line cut off by the previous run", path)
            with path.open("r+b") as handle:
                handle.truncate(len(complete))
        for line in complete.splitlines():
            try:
                ids.add(int(json.loads(line)["article_id"]))
            except (ValueError, KeyError, TypeError):
                continue
    return ids


def _local_path(uri: str) -> Path | None:
    if "%(" in uri:
        return None
    if uri.startswith("file://"):
        return Path(urlsplit(uri).path)
    return None if "://" in uri else Path(uri)
