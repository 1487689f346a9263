"""Batch indexing with confirmation: the logic behind the index pipeline and ``reindex``.

Scrapy-free so it is tested directly and shared by the crawl-time pipeline and the CLI. The rule
it enforces: an article is marked indexed in the archive only after the backend confirmed that
very document; a backend that is down or rejects documents costs a counted failure, never the
crawl, and the article stays pending for ``thaigov reindex --pending``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from search.backends.base import IndexOutcome, SearchBackend
from search.services.documents import documents_from_articles

logger = logging.getLogger(__name__)

#: ``ArchiveStore.mark_indexed``: takes (article_id, content_hash) pairs, returns rows updated.
MarkIndexed = Callable[[list[tuple[int, str]]], int]


@dataclass
class IndexCounters:
    indexed: int = 0
    failed: int = 0
    marked: int = 0
    segment_seconds: float = 0.0
    index_seconds: float = 0.0


class BatchIndexer:
    """Buffer article dicts, index them ``batch_size`` at a time, confirm in the archive."""

    def __init__(
        self,
        backend: SearchBackend,
        *,
        mark_indexed: MarkIndexed | None = None,
        batch_size: int = 500,
        pool: Executor | None = None,
    ) -> None:
        self.backend = backend
        self.mark_indexed = mark_indexed
        self.batch_size = max(1, batch_size)
        self.pool = pool
        self.counters = IndexCounters()
        # Keyed by id: an article committed twice before a flush is indexed once, latest wins.
        self._buffer: dict[int, Mapping[str, Any]] = {}
        self._schema_ready = False

    def add(self, article: Mapping[str, Any]) -> None:
        self._buffer[int(article["article_id"])] = article
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> IndexOutcome:
        """Index what is buffered; never raises for backend trouble (it is counted instead)."""
        batch, self._buffer = list(self._buffer.values()), {}
        if not batch:
            return IndexOutcome()
        started = time.perf_counter()
        docs = documents_from_articles(batch, self.pool)
        segmented_at = time.perf_counter()
        self.counters.segment_seconds += segmented_at - started
        try:
            if not self._schema_ready:  # retried each batch: a server may come back mid-crawl
                self.backend.ensure_schema()
                self._schema_ready = True
            outcome = self.backend.index_batch(docs)
        except Exception as exc:  # any client/transport error: the crawl must go on
            outcome = IndexOutcome(
                failed={d.article_id: f"{type(exc).__name__}: {exc}" for d in docs}
            )
        self.counters.index_seconds += time.perf_counter() - segmented_at
        self.counters.indexed += len(outcome.ok)
        self.counters.failed += len(outcome.failed)
        if outcome.failed:
            first_id, reason = next(iter(outcome.failed.items()))
            logger.warning(
                "search index rejected %d of %d documents (they stay pending); e.g. %d: %s",
                len(outcome.failed),
                len(docs),
                first_id,
                reason,
            )
        self._confirm(docs_hashes={d.article_id: d.content_hash for d in docs}, ok=outcome.ok)
        return outcome

    def _confirm(self, *, docs_hashes: dict[int, str | None], ok: list[int]) -> None:
        pairs = [(i, h) for i in ok if (h := docs_hashes.get(i))]
        if not pairs or self.mark_indexed is None:
            return
        try:
            self.counters.marked += self.mark_indexed(pairs)
        except Exception:  # the index is ahead of the archive: harmless, reindex catches up
            logger.exception("could not mark %d articles as indexed in the archive", len(pairs))
