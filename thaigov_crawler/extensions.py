"""Scheduled-run machinery: the archive's crawl lock, run records, and the process exit status.

Exit codes (read by the ``crawl`` command in ``thaigov_crawler.commands``):
0 finished (also: stopped on request, and finished with open gaps: their count is in the last
log line and in ``crawl_runs``), 1 Scrapy error, 2 usage error, 3 robots.txt forbids the crawl,
4 another run holds the archive's lock, 5 nothing fetched because every request failed,
6 archive writes failed (the run stopped fetching: it had nowhere to write), 7 the embedded
search index file is missing, emptied or corrupt while the archive says it held articles
(archiving went on; ``thaigov reindex --all`` rebuilds the index), 130 stopped by force (a
second Ctrl-C/SIGTERM) before the run could finish: the next run marks it ``interrupted``.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.extensions.feedexport import FileFeedStorage

from pipelines.adapters.archive import archive_store
from pipelines.archive.locks import CrawlLock, LockHeld
from pipelines.core.frontier import count_by_state
from thaigov_crawler.addon import thaigov_settings
from thaigov_crawler.run_summary import OPEN_GAPS_STAT, RUN_ID_STAT

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ROBOTS_FORBIDDEN = 3
EXIT_LOCKED = 4
EXIT_NOTHING_FETCHED = 5
EXIT_ARCHIVE_FAILED = 6
EXIT_INDEX_BROKEN = 7
EXIT_FORCED_STOP = 130
EXIT_CODE_STAT = "thaigov/exit_code"
_REASON_EXIT_CODES = {
    "robots_forbidden": EXIT_ROBOTS_FORBIDDEN,
    "lock_held": EXIT_LOCKED,
    "unreachable": EXIT_NOTHING_FETCHED,
    "archive_failed": EXIT_ARCHIVE_FAILED,
}


def exit_code_for(reason: str, stats: dict[str, Any]) -> int:
    """The process status for a finished run (pure: reason and stats in, code out)."""
    if reason in _REASON_EXIT_CODES:
        return _REASON_EXIT_CODES[reason]
    if stats.get("archive/failed"):
        return EXIT_ARCHIVE_FAILED
    if stats.get("index/broken"):
        return EXIT_INDEX_BROKEN
    if not stats.get("thaigov/fetched") and stats.get("thaigov/failed"):
        return EXIT_NOTHING_FETCHED
    return EXIT_OK


class ArchiveLock:
    """One crawl (or import) per archive: the archive's own lock (pipelines/archive/locks.py).

    Taken when the crawler is built, before any pipeline opens or any request is made; a run
    that cannot take it closes at once with reason ``lock_held`` (exit code 4). Released when
    the spider closes; the database server or the kernel drops it if the process dies.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.lock: CrawlLock | None = None
        self.held_by: str | None = None
        try:
            self.lock = archive_store(crawler).crawl_lock()
        except LockHeld as exc:
            self.held_by = str(exc)
        except Exception as exc:  # no archive: the pipelines report it; nothing to lock
            logger.warning("archive unavailable, crawling without its lock: %s", exc)
        crawler.thaigov_lock_held = self.held_by is None  # type: ignore[attr-defined]
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.release, signals.spider_closed)
        crawler.signals.connect(self.release, signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveLock:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        if self.held_by is not None:
            logger.error(
                "another crawl run holds the lock of this archive: %s; exiting without crawling",
                self.held_by,
            )
            raise CloseSpider("lock_held")

    def release(self, *_: Any, **__: Any) -> None:
        if self.lock is not None:
            lock, self.lock = self.lock, None
            try:
                lock.release()
            except Exception:  # the connection died: the server already dropped the lock
                logger.warning("could not release the archive lock cleanly", exc_info=True)


class RunRecorder:
    """Records each run (arguments, stats, status, exit code) and sets the exit status.

    Runs go into the archive through ``ArchiveStore.start_run``/``finish_run`` when that store is
    available; otherwise the stats are logged as one JSON line. Holding the archive's lock, it
    first marks runs left ``running`` by a killed process as ``interrupted``. The open gaps go
    into the stats (``thaigov/open_gaps*``), so the run record and the crawl command's summary
    line (``thaigov_crawler.run_summary``, the log's last line) both carry their count.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = thaigov_settings(crawler)
        self.enabled = self.config.record_runs
        self.store: Any | None = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        if not self.enabled:
            return
        try:
            # The crawl's shared store: the archive pipeline disposes of it when the engine stops.
            self.store = archive_store(self.crawler)
            if getattr(self.crawler, "thaigov_lock_held", False):
                interrupted = self.store.mark_interrupted_runs()
                if interrupted:
                    logger.warning(
                        "run(s) %s never recorded their end (killed): marked interrupted",
                        ", ".join(map(str, interrupted)),
                    )
            self.run_id = self.store.start_run(spider.name, run_arguments(spider))
            self.crawler.thaigov_run_id = self.run_id  # type: ignore[attr-defined]
            self.crawler.stats.set_value(RUN_ID_STAT, self.run_id)
        except Exception:  # the crawl matters more than its record
            logger.exception("could not record the start of this run in the archive")
            self.store = None

    def _open_gaps(self, spider: Spider) -> dict[str, int] | None:
        """Flush the spider's frontier, then count the gaps it leaves (durable runs only)."""
        if not getattr(spider, "durable", False) or getattr(spider, "frontier", None) is None:
            return None
        try:
            spider.finish_frontier()  # type: ignore[attr-defined]
            _floor, gaps = archive_store(self.crawler).frontier_gaps()
        except Exception:
            logger.exception("could not count the open gaps of the frontier")
            return None
        return {"total": len(gaps), **count_by_state(gaps)}

    def spider_closed(self, spider: Spider, reason: str) -> None:
        gaps = self._open_gaps(spider)
        stats_collector = self.crawler.stats
        if gaps is not None:
            stats_collector.set_value(OPEN_GAPS_STAT, gaps["total"])
            for state in ("failed", "unanswered", "given_up"):
                stats_collector.set_value(f"{OPEN_GAPS_STAT}/{state}", gaps[state])
        stats = stats_collector.get_stats()
        code = exit_code_for(reason, stats)
        stats_collector.set_value(EXIT_CODE_STAT, code)
        if code == EXIT_NOTHING_FETCHED and reason != "unreachable":
            logger.error("nothing fetched: every request failed (exit code %d)", code)
        status = reason if code in (EXIT_OK, EXIT_LOCKED, EXIT_ROBOTS_FORBIDDEN) else "failed"
        if code == EXIT_INDEX_BROKEN:
            status = "index_broken"  # the archive got everything; the index did not
        plain = {key: _jsonable(value) for key, value in stats.items()}
        plain["finish_reason"] = reason
        stats_file = self.config.stats_file
        if stats_file:  # for monitoring scripts (and tests) that want the numbers, not the log
            stats_file.parent.mkdir(parents=True, exist_ok=True)
            stats_file.write_text(json.dumps(plain, ensure_ascii=False, indent=1) + "\n")
        recorded = False
        if self.store is not None and self.run_id is not None:
            try:
                self.store.finish_run(self.run_id, plain, status, code)
                recorded = True
            except Exception:
                logger.exception("could not record the end of this run in the archive")
        if self.enabled and not recorded:
            logger.info("run stats: %s", json.dumps(plain, ensure_ascii=False, sort_keys=True))


def run_arguments(spider: Spider) -> dict[str, Any]:
    """The spider's arguments for the run record, plus Scrapyd's job id when Scrapyd ran it.

    Scrapyd passes ``-a _job=<id>``; recording it ties a row of ``thaigov runs`` to the job in
    Scrapyd's list (where every job shows "finished", whatever its exit status).
    """
    arguments = dict(getattr(spider, "run_args", {}))
    job = getattr(spider, "_job", None) or os.environ.get("SCRAPY_JOB")
    if job:
        arguments["scrapyd_job"] = str(job)
    return arguments


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


class FlushingFileFeedStorage(FileFeedStorage):
    """Local feed file written without a userspace buffer.

    A killed crawl then loses no exported line it already reported as scraped, which the
    resume journal relies on (see ``thaigov_crawler.frontier.ResumeJournal``).
    """

    def open(self, spider: Spider) -> IO[bytes]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        return Path(self.path).open(self.write_mode, buffering=0)
