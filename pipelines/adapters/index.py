"""Item pipeline (order 400): feed committed archive rows to the search index.

A thin Scrapy adapter over :class:`search.services.indexer.BatchIndexer`. It does not index in
``process_item``: it listens to ``archive_batch_committed`` so that only rows the archive has
committed reach the index, and the archive's ``mark_indexed`` can confirm them afterwards.

Scrapy closes pipelines in reverse order, so this one closes before the archive pipeline
flushes its last batch. From ``close_spider`` on, every committed batch is therefore indexed at
once, and the backend is released on ``spider_closed``, which comes after all pipelines closed.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines.adapters.signals import archive_batch_committed
from search.backends.select import open_backend
from search.services.indexer import BatchIndexer
from thaigov_crawler.addon import thaigov_settings

logger = logging.getLogger(__name__)


class SearchIndexPipeline:
    """Buffers committed articles and indexes them in batches; flushes on close."""

    def __init__(self, crawler: Any, batch_size: int, segment_workers: int = 1) -> None:
        self.crawler = crawler
        self.batch_size = batch_size
        self.segment_workers = segment_workers
        self.pool: ProcessPoolExecutor | None = None
        self.indexer: BatchIndexer | None = None
        self._closing = False
        self._warned_no_store = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> SearchIndexPipeline:
        if not crawler.settings.getbool("SEARCH_INDEX_ENABLED", True):
            raise NotConfigured("SEARCH_INDEX_ENABLED is off")
        pipeline = cls(
            crawler,
            crawler.settings.getint("SEARCH_INDEX_BATCH_SIZE", 500),
            crawler.settings.getint("SEARCH_INDEX_SEGMENT_WORKERS", 1),
        )
        crawler.signals.connect(pipeline.batch_committed, signal=archive_batch_committed)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        # Segmentation is half of a bulk import's time and nlpo3 holds the GIL: worker
        # processes (SEARCH_INDEX_SEGMENT_WORKERS > 1, set by the corpus importer) share it out.
        if self.segment_workers > 1:
            self.pool = ProcessPoolExecutor(max_workers=self.segment_workers)
        self.indexer = BatchIndexer(
            open_backend(thaigov_settings(self.crawler), create=True),
            mark_indexed=self._mark_indexed,
            batch_size=self.batch_size,
            pool=self.pool,
        )

    def process_item(self, item: Any, spider: Any = None) -> Any:
        return item

    def batch_committed(self, results: list[Any], **_: Any) -> None:
        """Signal handler: queue every committed article the archive says needs indexing."""
        if self.indexer is None:
            return
        for result in results:
            article = getattr(result, "article", None)
            if not getattr(result, "needs_index", False) or article is None:
                continue
            self._timed(self.indexer.add, {**article, "content_hash": result.content_hash})
        if self._closing:
            self._timed(self.indexer.flush)

    def close_spider(self, spider: Any = None) -> None:
        self._closing = True
        if self.indexer is not None:
            self._timed(self.indexer.flush)

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        if self.indexer is None:
            return
        self._timed(self.indexer.flush)
        self.indexer.backend.close()
        self.indexer = None
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    def _timed(self, call: Any, *args: Any) -> None:
        assert self.indexer is not None
        started = time.perf_counter()
        call(*args)
        stats = self.crawler.stats
        stats.inc_value("pipeline/index/seconds", time.perf_counter() - started, start=0.0)
        counters = self.indexer.counters
        stats.set_value("index/indexed", counters.indexed)
        stats.set_value("index/failed", counters.failed)
        stats.set_value("index/marked", counters.marked)
        stats.set_value("index/segment_seconds", counters.segment_seconds)

    def _mark_indexed(self, pairs: list[tuple[int, str]]) -> int:
        store = getattr(self.crawler, "thaigov_archive", None)
        if store is None:
            if not self._warned_no_store:
                logger.warning("no archive store on the crawler: indexed articles stay pending")
                self._warned_no_store = True
            return 0
        return store.mark_indexed(pairs)
