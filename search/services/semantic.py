"""Search in three modes (keyword, semantic, hybrid), similar articles, near-duplicate marks.

The one place that turns a ``SearchQuery`` into hits whatever its mode, for the command line,
the API and the page alike:
- keyword: the search backend, unchanged;
- semantic: the query text is encoded and the vector store returns the articles whose best
  passage is nearest, within the same filters; the snippet is that passage;
- hybrid: the first ``DEPTH`` hits of each ranking fused by reciprocal rank
  (``search.core.fusion``); a hit found by meaning shows its passage, one found only by words
  the keyword snippet.
Semantic and hybrid rank at most ``DEPTH`` articles (a nearest-neighbour ranking has no
natural end): ``total`` counts those. Date sorts reorder them. An empty text browses by date
in every mode (there is nothing to mean).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from search.backends.base import Aggregations, Hit, SearchBackend, SearchResult
from search.backends.vectors import VectorHit, VectorStore
from search.core.encoders import Encoder, shared_encoder
from search.core.fusion import near_duplicate_groups, reciprocal_rank_fusion
from search.core.query import MAX_LIMIT, QueryError, SearchQuery
from search.core.snippets import make_snippet

logger = logging.getLogger(__name__)

#: Articles each ranking contributes to semantic and hybrid results.
DEPTH = MAX_LIMIT


def open_vector_store(backend: SearchBackend) -> VectorStore:
    """The vector store beside ``backend`` (same directory / same cluster)."""
    if backend.name == "elasticsearch":
        from search.backends.elastic import ElasticsearchBackend
        from search.backends.vectors_elastic import ElasticVectorStore

        assert isinstance(backend, ElasticsearchBackend)
        return ElasticVectorStore(backend.client, f"{backend.alias}_vectors", url=backend.url)
    from search.backends.embedded import EmbeddedBackend
    from search.backends.vectors_embedded import EmbeddedVectorStore, vectors_path

    assert isinstance(backend, EmbeddedBackend)
    return EmbeddedVectorStore(vectors_path(Path(backend.path)))


@dataclass
class Searcher:
    """A search backend plus, when embeddings are on, its vector store and encoder."""

    backend: SearchBackend
    vectors: VectorStore | None = None
    encoder: Encoder | None = None

    @classmethod
    def open(cls, backend: SearchBackend, encoder: str) -> Searcher:
        """``encoder``: ``ThaigovSettings.encoder`` (``off`` gives keyword search only)."""
        loaded = shared_encoder(encoder)
        if loaded is None:
            return cls(backend)
        return cls(backend, open_vector_store(backend), loaded)

    # --- availability ------------------------------------------------------------------------

    def semantic_ready(self) -> bool:
        """Whether embeddings of this encoder exist (the page then defaults to hybrid)."""
        if self.vectors is None or self.encoder is None:
            return False
        return self.vectors.encoder() == self.encoder.name and self.vectors.count() > 0

    def _require_semantic(self, mode: str) -> tuple[VectorStore, Encoder]:
        if self.vectors is None or self.encoder is None:
            raise QueryError("mode", f"{mode} search is off here (THAIGOV_ENCODER=off)", mode)
        if not self.semantic_ready():
            raise QueryError(
                "mode",
                f"{mode} search needs embeddings of encoder {self.encoder.name}; none are "
                "stored yet: run thaigov reindex",
                mode,
            )
        return self.vectors, self.encoder

    # --- search ------------------------------------------------------------------------------

    def search(self, q: SearchQuery) -> SearchResult:
        if q.mode == "keyword" or not q.text.strip():
            result = self.backend.search(q)
            return SearchResult(result.total, self.mark_duplicates(result.hits))
        vectors, encoder = self._require_semantic(q.mode)
        query_vector = encoder.encode([q.text])[0]
        near = vectors.nearest(query_vector, q, DEPTH)
        words = q.parsed.highlight_tokens
        by_meaning = {h.article_id: _hit_from_vector(h, words) for h in near}
        if q.mode == "semantic":
            ranked = list(by_meaning.values())
        else:
            keyword = self.backend.search(replace(q, limit=DEPTH, offset=0, sort="relevance"))
            by_words = {h.article_id: h for h in keyword.hits}
            fused = reciprocal_rank_fusion([list(by_words), list(by_meaning)])
            ranked = [
                replace(by_meaning.get(i) or by_words[i], score=round(score, 6))
                for i, score in fused
            ]
        if q.sort != "relevance":
            ranked = _date_sorted(ranked, newest=q.sort == "newest")
        ranked = self.mark_duplicates(ranked)
        return SearchResult(len(ranked), ranked[q.offset : q.offset + q.limit])

    def aggregate(self, q: SearchQuery) -> Aggregations:
        """Per month and category: of the backend's matches (keyword), else of the ranked
        articles (semantic and hybrid rank at most ``DEPTH``)."""
        if q.mode == "keyword" or not q.text.strip():
            return self.backend.aggregate(q)
        hits = self.search(replace(q, limit=DEPTH, offset=0)).hits
        months: dict[str, int] = {}
        categories: dict[str, int] = {}
        for h in hits:
            if h.published_date:
                months[h.published_date[:7]] = months.get(h.published_date[:7], 0) + 1
            if h.category:
                categories[h.category] = categories.get(h.category, 0) + 1
        return Aggregations(
            per_month=sorted(months.items()),
            per_category=sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])),
        )

    def similar(self, article_id: int, limit: int = 10) -> list[Hit]:
        """Articles nearest this one's passages on average (itself excluded); empty when it
        has no embedding (yet)."""
        if self.vectors is None or self.encoder is None or not self.semantic_ready():
            return []
        own = self.vectors.article_vectors([article_id]).get(article_id)
        if own is None:
            return []
        centre = own.mean(axis=0)
        norm = float(np.linalg.norm(centre))
        if norm == 0.0:
            return []
        near = self.vectors.nearest(centre / norm, None, limit, exclude={article_id})
        return self.mark_duplicates([_hit_from_vector(h, frozenset()) for h in near])

    def mark_duplicates(self, hits: list[Hit]) -> list[Hit]:
        """``duplicate_of`` set on hits that nearly duplicate a better-ranked hit (by their
        title-and-lead vectors); hits unchanged when there are no embeddings."""
        if self.vectors is None or len(hits) < 2 or not self.semantic_ready():
            return hits
        try:
            stored = self.vectors.article_vectors([h.article_id for h in hits])
        except Exception:  # marks are a nicety: a store problem must not fail the search
            logger.exception("could not read vectors to mark near-duplicates")
            return hits
        ids = [h.article_id for h in hits if h.article_id in stored]
        if len(ids) < 2:
            return hits
        groups = near_duplicate_groups(ids, np.stack([stored[i][0] for i in ids]))
        return [
            replace(h, duplicate_of=groups[h.article_id])
            if groups.get(h.article_id, h.article_id) != h.article_id
            else h
            for h in hits
        ]

    def close(self) -> None:
        if self.vectors is not None:
            self.vectors.close()


def _hit_from_vector(h: VectorHit, words: frozenset[str]) -> Hit:
    return Hit(
        article_id=h.article_id,
        title=h.title,
        published_date=h.published_date,
        category=h.category,
        lang=h.lang,
        url=h.url,
        score=round(h.score, 6),
        snippet=make_snippet(h.passage, words),
    )


def _date_sorted(hits: list[Hit], *, newest: bool) -> list[Hit]:
    """Backends' date orders: by date then id in the same direction, undated last."""
    dated = sorted(
        (h for h in hits if h.published_date),
        key=lambda h: (h.published_date or "", h.article_id),
        reverse=newest,
    )
    return dated + sorted((h for h in hits if not h.published_date), key=lambda h: h.article_id)
