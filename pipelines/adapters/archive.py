"""Item pipeline (order 300): write articles into the archive in batched transactions.

A thin Scrapy adapter over :class:`pipelines.archive.store.ArchiveStore`. Items are buffered and
flushed by count (``ARCHIVE_BATCH_SIZE``), by age (``ARCHIVE_BATCH_SECONDS``, also on a timer so a
slow crawl's last items do not wait) and on close. After each committed batch it sends
``archive_batch_committed`` (adapters/signals.py): the index pipeline sees committed rows only.
A database error never stops the crawl: the items are logged with their ids and counted.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from twisted.internet import task

from pipelines.adapters.signals import archive_batch_committed
from pipelines.archive.store import ArchiveStore, UpsertResult
from pipelines.core.article import RAW_HTML_FIELD
from thaigov_crawler.addon import thaigov_settings

logger = logging.getLogger(__name__)

ACTIONS = ("inserted", "updated", "unchanged", "failed")
_MAX_IDS_IN_LOG = 50


def archive_store(crawler: Any) -> ArchiveStore:
    """The crawler's shared archive store (``crawler.thaigov_archive``), opened on first use.

    The spider, the run recorder and the pipelines of one crawl share it, so they share one
    connection pool; it is disposed when the engine stops.
    """
    store = getattr(crawler, "thaigov_archive", None)
    if store is None:
        store = ArchiveStore.open_for_writing(thaigov_settings(crawler).archive_url)
        crawler.thaigov_archive = store
        crawler.signals.connect(store.close, signal=signals.engine_stopped)
    return store


class ArchivePipeline:
    """Buffers items and upserts them in batches; see the module docstring."""

    def __init__(
        self, crawler: Any, *, batch_size: int, batch_seconds: float, keep_raw_html: bool
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.keep_raw_html = keep_raw_html
        self.store: ArchiveStore | None = None
        self.buffer: list[dict[str, Any]] = []
        self._oldest: float | None = None  # monotonic time of the oldest buffered item
        self._timer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            batch_size=settings.getint("ARCHIVE_BATCH_SIZE", 200),
            batch_seconds=settings.getfloat("ARCHIVE_BATCH_SECONDS", 5.0),
            keep_raw_html=settings.getbool("ARCHIVE_RAW_HTML", False),
        )
        # Scrapy closes pipelines in reverse order (the index pipeline before this one), so the
        # last batch is flushed as soon as the spider runs dry, while later pipelines still
        # listen; close_spider flushes whatever arrives after that.
        crawler.signals.connect(pipeline.flush, signal=signals.spider_idle)
        crawler.thaigov_archive_pipeline = pipeline
        return pipeline

    # --- Scrapy hooks -------------------------------------------------------------------------
    def open_spider(self, spider: Any = None) -> None:
        for action in ACTIONS:
            self.stats.set_value(f"archive/{action}", 0)
        self.stats.set_value("pipeline/archive/seconds", 0.0)
        self._open_store()
        if self.batch_seconds > 0:
            self._timer = task.LoopingCall(self._flush_if_due)
            self._timer.start(max(self.batch_seconds / 2, 0.1), now=False)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        record = ItemAdapter(item).asdict()
        if not self.keep_raw_html:
            record.pop(RAW_HTML_FIELD, None)
        self.buffer.append(record)
        if self._oldest is None:
            self._oldest = time.monotonic()
        if len(self.buffer) >= self.batch_size:
            self.flush()
        else:
            self._flush_if_due()
        return item

    def close_spider(self, spider: Any = None) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self._timer = None
        self.flush()

    # --- batching -----------------------------------------------------------------------------
    def _flush_if_due(self) -> None:
        """Flush a buffer older than ARCHIVE_BATCH_SECONDS (0 or less: by count only)."""
        if self.batch_seconds <= 0 or self._oldest is None:
            return
        if time.monotonic() - self._oldest >= self.batch_seconds:
            self.flush()

    def flush(self) -> list[UpsertResult]:
        """Write the buffer in one transaction, count the outcome, announce committed rows."""
        if not self.buffer:
            return []
        batch, self.buffer, self._oldest = self.buffer, [], None
        started = time.perf_counter()
        store = self.store or self._open_store()
        if store is None:
            results = [
                UpsertResult(_int_or_none(r.get("article_id")), "failed", None, False, "no archive")
                for r in batch
            ]
        else:
            results = store.upsert_batch(batch)
        self.stats.inc_value("pipeline/archive/seconds", time.perf_counter() - started, start=0.0)
        for action in ACTIONS:
            count = sum(1 for r in results if r.action == action)
            if count:
                self.stats.inc_value(f"archive/{action}", count, start=0)
        failed = [r for r in results if r.action == "failed"]
        if failed:
            self._log_failures(failed)
        committed = [r for r in results if r.action != "failed"]
        if committed:
            self.crawler.signals.send_catch_log(archive_batch_committed, results=committed)
        return results

    def _open_store(self) -> ArchiveStore | None:
        try:
            self.store = archive_store(self.crawler)
        except Exception as exc:  # unreachable server, bad URL, failed migration
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            logger.error("archive unavailable (%s): items are counted as archive/failed", reason)
            self.store = None
        return self.store

    def _log_failures(self, failed: list[UpsertResult]) -> None:
        ids = [r.article_id for r in failed]
        shown = ", ".join(str(i) for i in ids[:_MAX_IDS_IN_LOG])
        more = f" and {len(ids) - _MAX_IDS_IN_LOG} more" if len(ids) > _MAX_IDS_IN_LOG else ""
        errors = sorted({r.error or "unknown error" for r in failed})
        logger.error(
            "archive could not write %d article(s): %s%s; error: %s",
            len(failed),
            shown,
            more,
            "; ".join(errors[:5]),
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
