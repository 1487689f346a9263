"""Item pipeline (order 450): embed committed archive rows into the vector store.

A thin Scrapy adapter over :class:`search.services.embedding.BatchEmbedder`, shaped like the
index pipeline: it listens to ``archive_batch_committed`` (only committed rows are embedded),
embeds ``SEARCH_EMBED_BATCH_SIZE`` articles at a time, and counts into stats
(``embed/embedded``, ``embed/failed``, ``embed/passages``, ``pipeline/embed/seconds``, and
``embed/encoder_load_seconds`` only when this crawl had to load the encoder's weights: a crawl
that archives nothing new or changed never loads them). What
fails stays pending: ``thaigov reindex`` embeds every article whose content hash the vector
store does not hold. Off with ``SEARCH_EMBED_ENABLED=False`` or ``THAIGOV_ENCODER=off``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines.adapters.signals import archive_batch_committed
from search.backends.select import open_backend
from search.services.embedding import DEFAULT_BATCH, BatchEmbedder
from search.services.semantic import Searcher
from thaigov_crawler.addon import thaigov_settings

logger = logging.getLogger(__name__)


class EmbeddingPipeline:
    def __init__(self, crawler: Any, batch_size: int) -> None:
        self.crawler = crawler
        self.batch_size = batch_size
        self.embedder: BatchEmbedder | None = None
        self.searcher: Searcher | None = None
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> EmbeddingPipeline:
        settings = crawler.settings
        if not settings.getbool("SEARCH_EMBED_ENABLED", True) or not settings.getbool(
            "SEARCH_INDEX_ENABLED", True
        ):
            raise NotConfigured("SEARCH_EMBED_ENABLED (or SEARCH_INDEX_ENABLED) is off")
        pipeline = cls(crawler, settings.getint("SEARCH_EMBED_BATCH_SIZE", DEFAULT_BATCH))
        crawler.signals.connect(pipeline.batch_committed, signal=archive_batch_committed)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        settings = thaigov_settings(self.crawler)
        searcher = Searcher.open(open_backend(settings, create=True), settings.encoder)
        if searcher.vectors is None or searcher.encoder is None:  # THAIGOV_ENCODER=off
            searcher.backend.close()
            return
        self.searcher = searcher
        self.embedder = BatchEmbedder(
            searcher.encoder, searcher.vectors, batch_size=self.batch_size
        )

    def process_item(self, item: Any, spider: Any = None) -> Any:
        return item

    def batch_committed(self, results: list[Any], **_: Any) -> None:
        """Queue every committed article that is new or changed. (An unchanged article that
        was never embedded, e.g. crawled with embeddings off, is left to ``thaigov reindex``:
        asking the store about every unchanged article would cost each batch a lookup.)"""
        if self.embedder is None:
            return
        for result in results:
            article = getattr(result, "article", None)
            if getattr(result, "action", None) not in ("inserted", "updated") or article is None:
                continue
            self._timed(self.embedder.add, {**article, "content_hash": result.content_hash})
        if self._closing:
            self._timed(self.embedder.flush)

    def close_spider(self, spider: Any = None) -> None:
        self._closing = True
        if self.embedder is not None:
            self._timed(self.embedder.flush)

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        if self.embedder is None or self.searcher is None:
            return
        self._timed(self.embedder.flush)
        self.searcher.close()
        self.searcher.backend.close()
        self.embedder = None
        self.searcher = None

    def _timed(self, call: Any, *args: Any) -> None:
        assert self.embedder is not None
        started = time.perf_counter()
        call(*args)
        stats = self.crawler.stats
        stats.inc_value("pipeline/embed/seconds", time.perf_counter() - started, start=0.0)
        counters = self.embedder.counters
        stats.set_value("embed/embedded", counters.embedded)
        stats.set_value("embed/failed", counters.failed)
        stats.set_value("embed/passages", counters.passages)
        if counters.encoder_load_seconds is not None:
            stats.set_value("embed/encoder_load_seconds", round(counters.encoder_load_seconds, 3))
