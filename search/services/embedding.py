"""Embedding articles in batches and keeping a vector store in step with the archive.

Scrapy-free, shared by the crawl's embedding pipeline and ``thaigov reindex``. Pending is
decided by content hash (``pending_ids``): an article is embedded when the store lacks it or
holds another hash, and removed from the store when the archive no longer has it. Encoder or
store trouble is counted, never raised into a crawl; the article simply stays pending.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from search.backends.base import IndexOutcome
from search.backends.vectors import EmbeddedArticle, VectorStore
from search.core.encoders import Encoder, Vectors, load_weights
from search.core.passages import Passage, split_passages
from search.services.documents import display_fields

logger = logging.getLogger(__name__)

#: Articles per encoder call: the encoder batches passages itself; this bounds memory and the
#: work lost to one failure.
DEFAULT_BATCH = 64


@dataclass
class EmbedCounters:
    embedded: int = 0
    failed: int = 0
    passages: int = 0
    encode_seconds: float = 0.0
    #: Seconds this embedder spent loading the encoder's weights; None when it did not load
    #: them (nothing to embed, or already loaded in this process).
    encoder_load_seconds: float | None = None


def pending_ids(
    archive: Mapping[int, str | None], embedded: Mapping[int, str | None]
) -> tuple[list[int], list[int]]:
    """``(to_embed, to_remove)``: archive articles the store lacks or holds with another
    content hash, and store articles the archive no longer has; both ascending."""
    to_embed = sorted(i for i, h in archive.items() if i not in embedded or embedded[i] != h)
    to_remove = sorted(i for i in embedded if i not in archive)
    return to_embed, to_remove


def article_passages(fields: Mapping[str, Any]) -> list[Passage]:
    """The passages to embed; an article with neither title nor body gets one from its URL
    (otherwise it would have no vector and could never be found or marked embedded)."""
    return split_passages(fields["title"], fields["body"]) or split_passages(fields["url"], "")[:1]


def stored_passages(fields: Mapping[str, Any], passages: Sequence[Passage]) -> tuple[str, ...]:
    """The passage texts the store keeps, for snippets: each passage's body part (the hit shows
    the title already), else its text."""
    return tuple(fields["body"][p.start : p.end].strip() or p.text for p in passages)


def embedded_article(
    fields: Mapping[str, Any], passages: tuple[str, ...], vectors: Vectors
) -> EmbeddedArticle:
    """What the vector store keeps of one article (``fields``: ``display_fields``)."""
    return EmbeddedArticle(
        article_id=fields["article_id"],
        content_hash=fields["content_hash"],
        title=fields["title"],
        url=fields["url"],
        published_date=fields["published_date"],
        category=fields["category"],
        lang=fields["lang"],
        passages=passages,
        vectors=np.asarray(vectors, dtype=np.float32),
    )


class BatchEmbedder:
    """Buffer article dicts; split, encode and store them ``batch_size`` at a time."""

    def __init__(
        self,
        encoder: Encoder,
        store: VectorStore,
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.encoder = encoder
        self.store = store
        self.batch_size = max(1, batch_size)
        self.progress = progress
        self.counters = EmbedCounters()
        self._buffer: dict[int, Mapping[str, Any]] = {}
        self._schema_ready = False

    def add(self, article: Mapping[str, Any]) -> None:
        self._buffer[int(article["article_id"])] = article
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def add_many(self, articles: Iterable[Mapping[str, Any]]) -> None:
        for article in articles:
            self.add(article)

    def embed(self, batch: Sequence[Mapping[str, Any]]) -> list[EmbeddedArticle]:
        """Passages and vectors of ``batch`` (not stored: ``flush`` stores)."""
        fields = [display_fields(a) for a in batch]
        split = [article_passages(f) for f in fields]
        texts = [p.text for passages in split for p in passages]
        started = time.perf_counter()
        vectors = self.encoder.encode(texts)
        self.counters.encode_seconds += time.perf_counter() - started
        self.counters.passages += len(texts)
        out: list[EmbeddedArticle] = []
        row = 0
        for f, passages in zip(fields, split, strict=True):
            vecs = vectors[row : row + len(passages)]
            out.append(embedded_article(f, stored_passages(f, passages), vecs))
            row += len(passages)
        return out

    def flush(self) -> IndexOutcome:
        """Embed and store what is buffered; failures are counted and logged, not raised."""
        batch, self._buffer = list(self._buffer.values()), {}
        if not batch:
            return IndexOutcome()
        ids = [int(a["article_id"]) for a in batch]
        try:
            self._load_encoder(len(batch))
            if not self._schema_ready:
                self.store.ensure_schema(self.encoder.name, self.encoder.dim)
                self._schema_ready = True
            outcome = self.store.upsert(self.embed(batch))
        except Exception as exc:  # encoder or store down: the articles stay pending
            outcome = IndexOutcome(failed={i: f"{type(exc).__name__}: {exc}" for i in ids})
        self.counters.embedded += len(outcome.ok)
        self.counters.failed += len(outcome.failed)
        if outcome.failed:
            first_id, reason = next(iter(outcome.failed.items()))
            logger.warning(
                "embedding failed for %d of %d articles (they stay pending); e.g. %d: %s",
                len(outcome.failed),
                len(batch),
                first_id,
                reason,
            )
        if self.progress:
            self.progress(len(batch))
        return outcome

    def _load_encoder(self, waiting: int) -> None:
        """Weights load with the first batch that has something to embed, never before."""
        seconds = load_weights(self.encoder)
        if seconds is not None:
            self.counters.encoder_load_seconds = seconds
            logger.info(
                "loaded encoder %s in %.1f s (first %d article(s) to embed)",
                self.encoder.name,
                seconds,
                waiting,
            )
