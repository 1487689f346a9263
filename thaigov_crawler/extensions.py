"""Scheduled-run machinery: a run lock, run records in the archive, and the process exit status.

Exit codes (read by the ``crawl`` command in ``thaigov_crawler.commands``):
0 finished (also: stopped on request), 1 Scrapy error, 2 usage error, 3 robots.txt forbids the
crawl, 4 another run holds the lock, 5 nothing fetched because every request failed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.extensions.feedexport import FileFeedStorage

from pipelines.adapters.archive import archive_store
from thaigov_crawler.addon import thaigov_settings
from thaigov_crawler.run_summary import RUN_ID_STAT

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ROBOTS_FORBIDDEN = 3
EXIT_LOCKED = 4
EXIT_NOTHING_FETCHED = 5
EXIT_CODE_STAT = "thaigov/exit_code"
_REASON_EXIT_CODES = {
    "robots_forbidden": EXIT_ROBOTS_FORBIDDEN,
    "lock_held": EXIT_LOCKED,
    "unreachable": EXIT_NOTHING_FETCHED,
}


def exit_code_for(reason: str, stats: dict[str, Any]) -> int:
    """The process status for a finished run (pure: reason and stats in, code out)."""
    if reason in _REASON_EXIT_CODES:
        return _REASON_EXIT_CODES[reason]
    if not stats.get("thaigov/fetched") and stats.get("thaigov/failed"):
        return EXIT_NOTHING_FETCHED
    return EXIT_OK


class RunLock:
    """``fcntl`` lock on ``THAIGOV_LOCK_FILE`` so two scheduled runs never overlap.

    Taken when the crawler is built (before any request), released when the process ends or the
    spider closes. The kernel drops the lock if the process dies, so a crash leaves no stale lock.
    """

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.holder: str | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            self.holder = self._file.read().strip() or "unknown process"
            self._file.close()
            self._file = None
        else:
            self._file.truncate(0)
            self._file.write(f"pid {os.getpid()}\n")
            self._file.flush()
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLock:
        path = thaigov_settings(crawler).lock_file
        if path is None:
            raise NotConfigured("THAIGOV_LOCK_FILE is off: no run lock")
        return cls(crawler, path)

    def spider_opened(self, spider: Spider) -> None:
        if self._file is None:
            logger.error(
                "another crawl run holds the lock %s (%s): exiting without crawling",
                self.path,
                self.holder,
            )
            raise CloseSpider("lock_held")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class RunRecorder:
    """Records each run (arguments, stats, status, exit code) and sets the exit status.

    Runs go into the archive through ``ArchiveStore.start_run``/``finish_run`` when that store is
    available; otherwise the stats are logged as one JSON line.
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
            self.run_id = self.store.start_run(spider.name, run_arguments(spider))
            self.crawler.stats.set_value(RUN_ID_STAT, self.run_id)
        except Exception:  # the crawl matters more than its record
            logger.exception("could not record the start of this run in the archive")
            self.store = None

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        code = exit_code_for(reason, stats)
        self.crawler.stats.set_value(EXIT_CODE_STAT, code)
        if code == EXIT_NOTHING_FETCHED and reason != "unreachable":
            logger.error("nothing fetched: every request failed (exit code %d)", code)
        status = reason if code in (EXIT_OK, EXIT_LOCKED, EXIT_ROBOTS_FORBIDDEN) else "failed"
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
