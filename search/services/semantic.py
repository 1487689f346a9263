"""Search in three modes (keyword, semantic, hybrid), similar articles, near-duplicate marks.

The one place that turns a ``SearchQuery`` into hits whatever its mode, for the command line,
the API and the page alike:
- keyword: the search backend, unchanged;
- semantic: the query text is encoded and the vector store returns the articles whose best
  passage is nearest, within the same filters; the snippet is that passage;
- hybrid: the first ``DEPTH`` hits of each ranking fused by reciprocal rank
  (``search.core.fusion``); a hit found by meaning shows its passage, one found only by words
  the keyword snippet.
- term feedback (semantic and hybrid; ``search.core.feedback``): the words that open the top
  articles found by meaning, rare in the index, are asked for by keyword and that ranking is
  fused in too; the result names them (``SearchResult.expanded_terms``), and a hit found only
  through them shows a snippet around them.
Semantic and hybrid rank at most ``DEPTH`` articles (a nearest-neighbour ranking has no
natural end): ``total`` counts those. Date sorts reorder them. An empty text browses by date
in every mode (there is nothing to mean).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from search.backends.base import Aggregations, Hit, SearchBackend, SearchResult
from search.backends.vectors import VectorHit, VectorStore
from search.core.encoders import Encoder, Vectors, normalised, shared_encoder
from search.core.feedback import (
    DEFAULT_REFINEMENT,
    Refinement,
    candidate_terms,
    feedback_terms,
    lead_scores,
    lead_tokens,
    rocchio,
    weighted_rrf,
)
from search.core.fusion import near_duplicate_groups
from search.core.query import MAX_LIMIT, QueryError, SearchQuery
from search.core.segment import fold, normalise
from search.core.snippets import make_snippet

logger = logging.getLogger(__name__)

#: Articles each ranking contributes to semantic and hybrid results.
DEPTH = MAX_LIMIT
#: Question vectors remembered (512 floats each).
RECENT_QUERIES = 256
#: Document frequencies remembered for term feedback (a word and an int each).
FREQUENCIES_KEPT = 50_000


def open_vector_store(backend: SearchBackend) -> VectorStore | None:
    """The vector store beside ``backend`` (same directory / same cluster); None for a
    backend of another kind (keyword search only)."""
    from search.backends.embedded import EmbeddedBackend

    if backend.name == "elasticsearch":  # the client is imported only when it is used
        from search.backends.elastic import ElasticsearchBackend
        from search.backends.vectors_elastic import ElasticVectorStore

        if isinstance(backend, ElasticsearchBackend):
            return ElasticVectorStore(backend.client, f"{backend.alias}_vectors", url=backend.url)
    if isinstance(backend, EmbeddedBackend):
        from search.backends.vectors_embedded import EmbeddedVectorStore, vectors_path

        return EmbeddedVectorStore(vectors_path(Path(backend.path)))
    return None


@dataclass
class Searcher:
    """A search backend plus, when embeddings are on, its vector store and encoder."""

    backend: SearchBackend
    vectors: VectorStore | None = None
    encoder: Encoder | None = None
    #: Query-time refinements of the vector ranking (``search.core.feedback``).
    refine: Refinement = DEFAULT_REFINEMENT
    _recent: dict[tuple[str, str], Vectors] = field(default_factory=dict, repr=False)
    _recent_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: Document frequencies term feedback has looked up, valid while the index holds the same
    #: number of documents (``_frequencies_total``): counting a word's documents walks its
    #: whole posting list, and the common words every question meets are the slow ones.
    _frequencies: dict[str, int] = field(default_factory=dict, repr=False)
    _frequencies_total: int = field(default=-1, repr=False)

    @classmethod
    def open(cls, backend: SearchBackend, encoder: str) -> Searcher:
        """``encoder``: ``ThaigovSettings.encoder`` (``off`` gives keyword search only)."""
        loaded = shared_encoder(encoder)
        store = open_vector_store(backend) if loaded is not None else None
        if loaded is None or store is None:
            return cls(backend)
        return cls(backend, store, loaded)

    def _query_vector(self, encoder: Encoder, text: str) -> Vectors:
        """Encoding the question is most of a semantic query's time, and a results page asks
        the same text three times (hits, timeline, facets), a pager again: remember recent
        ones (per searcher, so per web app or command)."""
        key = (encoder.name, text)
        with self._recent_lock:  # web server threads share the searcher
            vector = self._recent.pop(key, None)
        if vector is None:
            if self.refine.prefix:  # the question alone and after a generic prefix, averaged
                pair = encoder.encode([text, self.refine.prefix + text])
                vector = normalised(pair.sum(axis=0))[0]
            else:
                vector = encoder.encode([text])[0]
        with self._recent_lock:
            self._recent[key] = vector  # most recent last
            while len(self._recent) > RECENT_QUERIES:
                self._recent.pop(next(iter(self._recent)))
        return vector

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
        leads: dict[int, Vectors] = {}  # lead vectors read while ranking, reused for the marks
        ranked, passages, expanded = self._ranked(q, leads)
        groups = self._duplicate_groups([h.article_id for h in ranked], leads)
        words = q.parsed.highlight_tokens | frozenset(expanded)
        shown = ranked[q.offset : q.offset + q.limit]
        # Snippets only for the page: highlighting is per hit, and costs. A hit found by words
        # alone (hybrid) gets the snippet the keyword search would have cut, from its body.
        bodies = {
            doc.article_id: doc.body
            for doc in self.backend.stored(
                [h.article_id for h in shown if h.article_id not in passages], text=True
            )
        }
        page = [
            replace(
                h,
                snippet=passage_snippet(passages[h.article_id], words)
                if h.article_id in passages
                else make_snippet(bodies.get(h.article_id, ""), words),
                duplicate_of=_duplicate_of(h.article_id, groups),
            )
            for h in shown
        ]
        return SearchResult(len(ranked), page, expanded)

    def _ranked(
        self, q: SearchQuery, leads: dict[int, Vectors] | None = None
    ) -> tuple[list[Hit], dict[int, str], tuple[str, ...]]:
        """Every ranked hit of a semantic or hybrid query (no snippets yet for hits found by
        meaning), the matching passage of each of those, and the feedback terms asked for;
        ``leads`` collects the lead vectors read on the way.

        Rankings fused (weighted RRF, in this order for ties): the question's own words
        (hybrid), the feedback terms (when any), the vectors."""
        vectors, encoder = self._require_semantic(q.mode)
        near = self._nearest(vectors, self._query_vector(encoder, q.text), q, leads)
        by_meaning = {h.article_id: _hit_from_vector(h) for h in near}
        passages = {h.article_id: h.passage for h in near}
        rankings: list[dict[int, Hit]] = []
        weights: list[float] = []
        if q.mode == "hybrid":
            rankings.append(self._keyword_ranking(q))
            weights.append(self.refine.keyword_weight)
        expanded = self.expansion_words(list(by_meaning))
        if expanded:
            rankings.append(self._keyword_ranking(replace(q, text=" OR ".join(expanded))))
            weights.append(self.refine.term_weight)
        if rankings:
            by_words = {i: h for ranking in rankings for i, h in ranking.items()}
            fused = weighted_rrf([*map(list, rankings), list(by_meaning)], [*weights, 1.0])
            ranked = [
                replace(by_meaning.get(i) or by_words[i], score=round(score, 6))
                for i, score in fused
            ]
        else:
            ranked = list(by_meaning.values())
        if q.sort != "relevance":
            ranked = _date_sorted(ranked, newest=q.sort == "newest")
        return ranked, passages, expanded

    def _keyword_ranking(self, q: SearchQuery) -> dict[int, Hit]:
        """The backend's first ``DEPTH`` hits of ``q`` by relevance, without snippets."""
        hits = self.backend.search(
            replace(q, mode="keyword", limit=DEPTH, offset=0, sort="relevance", snippets=False)
        ).hits
        return {h.article_id: h for h in hits}

    def expansion_words(
        self, ranked: list[int], refine: Refinement | None = None
    ) -> tuple[str, ...]:
        """Term feedback's words for the article ids of a vector ranking, best first
        (``search.core.feedback``; settings ``refine``, else the searcher's); none when it is
        off or the top articles share no rare word. The methods benchmark calls this too."""
        refine = refine or self.refine
        top = ranked[: refine.term_articles]
        if not top or refine.term_count <= 0:
            return ()
        leads = [lead_tokens(d.title_segmented, d.body_segmented) for d in self.backend.stored(top)]
        candidates = candidate_terms(leads, min_articles=refine.term_min_articles)
        if not candidates:
            return ()
        total = self.backend.count()
        terms = feedback_terms(
            candidates,
            self._document_frequencies(list(candidates), total),
            total,
            count=refine.term_count,
            max_share=refine.term_max_share,
        )
        return tuple(terms)

    def _document_frequencies(self, terms: list[str], total: int) -> dict[str, int]:
        """``backend.document_frequencies`` through the cache (cleared when the index's size
        changes; a replaced article that keeps the size changes a count by one at most)."""
        with self._recent_lock:
            if total != self._frequencies_total or len(self._frequencies) > FREQUENCIES_KEPT:
                self._frequencies = {}
                self._frequencies_total = total
            known = {t: self._frequencies[t] for t in terms if t in self._frequencies}
        missing = [t for t in terms if t not in known]
        if missing:
            found = self.backend.document_frequencies(missing)
            with self._recent_lock:
                if self._frequencies_total == total:
                    self._frequencies.update(found)
            known |= found
        return known

    def _nearest(
        self,
        vectors: VectorStore,
        question: Vectors,
        q: SearchQuery,
        leads: dict[int, Vectors] | None = None,
    ) -> list[VectorHit]:
        """The store's ``DEPTH`` nearest articles, refined (``search.core.feedback``):
        re-ranked by lead and best passage, then asked again with the question moved towards
        its top articles (Rocchio), and re-ranked again. Both stores alike.

        Re-ranking reads only the candidates' lead vectors (a hit's score is already its best
        passage's cosine with the question it was found by), and the second candidate set,
        mostly the first one again, reuses the leads read for the first (``leads``)."""
        refine = self.refine
        leads = {} if leads is None else leads
        near = self._reranked(vectors, question, vectors.nearest(question, q, DEPTH), leads)
        if refine.feedback_articles and refine.feedback_beta and near:
            top = [h.article_id for h in near[: refine.feedback_articles]]
            stored = vectors.article_vectors(top)
            expanded = rocchio(
                question, [stored[i] for i in top if i in stored], beta=refine.feedback_beta
            )
            # ``nearest(expanded)`` scores are cosines with the expanded question: the best
            # passage cosines that re-ranking with it needs.
            near = self._reranked(vectors, expanded, vectors.nearest(expanded, q, DEPTH), leads)
        return near

    def _reranked(
        self,
        vectors: VectorStore,
        question: Vectors,
        near: list[VectorHit],
        leads: dict[int, Vectors],
    ) -> list[VectorHit]:
        """``near`` ordered by ``feedback.lead_scores`` (lead and best passage cosines);
        ``leads``: lead vectors already read in this query, completed here."""
        weight = self.refine.lead_weight
        if not weight or len(near) < 2:
            return near
        missing = [h.article_id for h in near if h.article_id not in leads]
        if missing:
            leads.update(vectors.lead_vectors(missing))
        near = [h for h in near if h.article_id in leads]  # deleted meanwhile
        if not near:
            return near
        scores = lead_scores(
            question,
            np.stack([leads[h.article_id] for h in near]),
            np.array([h.score for h in near], dtype=np.float32),
            lead_weight=weight,
        )
        order = sorted(range(len(near)), key=lambda n: (-float(scores[n]), n))
        return [replace(near[n], score=float(scores[n])) for n in order]

    def aggregate(self, q: SearchQuery) -> Aggregations:
        """Per month and category: of the backend's matches (keyword), else of the ranked
        articles (semantic and hybrid rank at most ``DEPTH``)."""
        if q.mode == "keyword" or not q.text.strip():
            return self.backend.aggregate(q)
        hits, _, _ = self._ranked(q)
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
        groups = self._duplicate_groups([h.article_id for h in hits])
        return [replace(h, duplicate_of=_duplicate_of(h.article_id, groups)) for h in hits]

    def _duplicate_groups(
        self, ids: list[int], known: dict[int, Vectors] | None = None
    ) -> dict[int, int]:
        """Near-duplicate groups of ``ids`` by title-and-lead vectors; ``known``: lead vectors
        already read (the ranking's), so only the others are asked for."""
        if self.vectors is None or len(ids) < 2 or not self.semantic_ready():
            return {}
        known = known or {}
        try:
            missing = [i for i in ids if i not in known]
            lead = {i: known[i] for i in ids if i in known}
            if missing:
                lead |= self.vectors.lead_vectors(missing)
        except Exception:  # marks are a nicety: a store problem must not fail the search
            logger.exception("could not read vectors to mark near-duplicates")
            return {}
        present = [i for i in ids if i in lead]
        if len(present) < 2:
            return {}
        return near_duplicate_groups(present, np.stack([lead[i] for i in present]))

    def near_duplicates(self) -> NearDuplicatesByDay | None:
        """The ``near_duplicate_of`` column of exports; None without embeddings."""
        if self.vectors is None or not self.semantic_ready():
            return None
        return NearDuplicatesByDay(self.vectors)

    def close(self) -> None:
        if self.vectors is not None:
            self.vectors.close()


class NearDuplicatesByDay:
    """``{id: first id of its near-duplicate group}`` for exported articles.

    An export may hold the whole archive, where comparing every pair is out of reach; a
    re-posted announcement is published the same day, so each article is compared with that
    day's articles only (by title-and-lead vector, ``near_duplicate_groups``), and each day's
    groups are computed once. The group is named by its lowest id (the first posting).
    Undated articles are not compared.
    """

    def __init__(self, vectors: VectorStore) -> None:
        self.vectors = vectors
        self._days: dict[str, dict[int, int]] = {}

    def __call__(self, articles: list[tuple[int, str | None]]) -> dict[int, int]:
        out: dict[int, int] = {}
        for article_id, day in articles:
            if not day:
                continue
            groups = self._days.get(day[:10])
            if groups is None:
                groups = self._days[day[:10]] = self._groups_on(day[:10])
            first = groups.get(article_id, article_id)
            if first != article_id:
                out[article_id] = first
        return out

    def _groups_on(self, day: str) -> dict[int, int]:
        lead = self.vectors.lead_vectors_on(day)
        ids = sorted(lead)
        if len(ids) < 2:
            return {}
        return near_duplicate_groups(ids, np.stack([lead[i] for i in ids]))


def passage_snippet(passage: str, words: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """The matched passage as a snippet, query words highlighted where they occur.

    A question found by meaning often shares no word with its passage (an English question,
    a Thai article): then there is nothing to mark, and the passage is cut without segmenting
    it for highlights (the costly part of ``make_snippet``, a few milliseconds a hit).
    """
    # Both spellings the segmenter may compare with (as typed, and normalised).
    folded = f"{fold(passage)}\n{fold(normalise(passage))}"
    present = [w for w in words if w and w in folded]
    return make_snippet(passage, present)


def _duplicate_of(article_id: int, groups: dict[int, int]) -> int | None:
    first = groups.get(article_id, article_id)
    return None if first == article_id else first


def _hit_from_vector(h: VectorHit, words: frozenset[str] | None = None) -> Hit:
    """``words`` None: the snippet is the raw passage, highlighted later for the page only."""
    return Hit(
        article_id=h.article_id,
        title=h.title,
        published_date=h.published_date,
        category=h.category,
        lang=h.lang,
        url=h.url,
        score=round(h.score, 6),
        snippet=h.passage if words is None else make_snippet(h.passage, words),
    )


def _date_sorted(hits: list[Hit], *, newest: bool) -> list[Hit]:
    """Backends' date orders: by date then id in the same direction, undated last."""
    dated = sorted(
        (h for h in hits if h.published_date),
        key=lambda h: (h.published_date or "", h.article_id),
        reverse=newest,
    )
    return dated + sorted((h for h in hits if not h.published_date), key=lambda h: h.article_id)
