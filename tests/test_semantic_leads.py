"""Re-ranking from lead vectors and hit scores (issue 15's latency work), on both real vector
stores: ``VectorStore.lead_vectors``, ``feedback.lead_scores`` against ``article_scores``, and
the per-query cache of lead vectors in ``Searcher._nearest``.

The stores hold seeded random unit vectors (16 dimensions, 1-4 passages per article): the
properties checked here are about which vectors are read and how scores are combined, not about
meaning, so no encoder is needed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from search.backends.embedded import EmbeddedBackend
from search.backends.vectors import EmbeddedArticle, VectorHit, VectorStore
from search.core.feedback import DEFAULT_REFINEMENT, article_scores, lead_scores, rocchio
from search.core.query import SearchQuery
from search.services.semantic import DEPTH, Searcher
from tests.search_fixtures import drop_elasticsearch

DIM = 16
ARTICLES = 300  # more than DEPTH, so feedback brings new candidates


def _unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIM), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _articles() -> list[EmbeddedArticle]:
    rng = np.random.default_rng(15)
    out = []
    for i in range(1, ARTICLES + 1):
        passages = 1 + i % 4
        out.append(
            EmbeddedArticle(
                i,
                f"h{i}",
                f"title {i}",
                f"https://example.test/{i}",
                f"2024-01-{1 + i % 28:02d}",
                "c",
                "th",
                tuple(f"passage {i}.{n}" for n in range(passages)),
                _unit_rows(rng, passages),
            )
        )
    return out


def _filled_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> VectorStore:
    if kind == "elasticsearch":
        from elasticsearch import Elasticsearch

        from search.backends.vectors_elastic import ElasticVectorStore

        url = request.getfixturevalue("elasticsearch_url")
        prefix = f"thaigov-leadtest-{uuid.uuid4().hex[:10]}"
        client = Elasticsearch(url)
        request.addfinalizer(client.close)
        request.addfinalizer(lambda: drop_elasticsearch(url, prefix))
        made: VectorStore = ElasticVectorStore(client, f"{prefix}_vectors", url=url)
    else:
        from search.backends.vectors_embedded import EmbeddedVectorStore

        made = EmbeddedVectorStore(tmp_path / "search.vectors.sqlite3")
    made.ensure_schema("test-encoder", DIM)
    assert not made.upsert(_articles()).failed
    request.addfinalizer(made.close)
    return made


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> VectorStore:
    return _filled_store(request.param, request, tmp_path)


@pytest.fixture
def elastic_store(request: pytest.FixtureRequest, tmp_path: Path) -> VectorStore:
    return _filled_store("elasticsearch", request, tmp_path)


def _question(seed: int) -> np.ndarray:
    return _unit_rows(np.random.default_rng(seed), 1)[0]


def test_lead_scores_are_article_scores_given_the_best_passage_cosine() -> None:
    """The pure re-ranking score from (lead vector, best cosine) is ``article_scores``' from
    every passage, for any weight; float32 throughout, so equal to a few units in the last
    place (BLAS rounds a product by the matrix's shape)."""
    rng = np.random.default_rng(7)
    for trial in range(20):
        q = _unit_rows(rng, 1)[0]
        passages = [_unit_rows(rng, int(rng.integers(1, 5))) for _ in range(50)]
        best = np.array([(rows @ q).max() for rows in passages], dtype=np.float32)
        leads = np.stack([rows[0] for rows in passages])
        for weight in (0.0, 0.25, 0.5, 1.0):
            expected = article_scores(q, passages, lead_weight=weight)
            got = lead_scores(q, leads, best, lead_weight=weight)
            assert got.dtype == np.float32 and got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=0, atol=4e-7, err_msg=str(trial))
    assert lead_scores(q, np.empty((0, DIM), np.float32), np.empty(0), lead_weight=0.5).size == 0


def test_lead_vectors_are_each_articles_first_passage(store: VectorStore) -> None:
    ids = [1, 2, 3, 4, 150, 300]
    every = store.article_vectors(ids)
    lead = store.lead_vectors([*ids, 424242])  # an unknown id is simply absent
    assert sorted(lead) == ids
    for i in ids:
        assert lead[i].shape == (DIM,)
        assert np.array_equal(lead[i], every[i][0])
    assert store.lead_vectors([]) == {}
    # After a search (the embedded store then answers from its matrix), the same vectors.
    store.nearest(_question(1), None, 5)
    again = store.lead_vectors(ids)
    assert all(np.array_equal(again[i], lead[i]) for i in ids)


def test_reading_vectors_of_a_missing_store_is_empty(tmp_path: Path) -> None:
    from search.backends.vectors_embedded import EmbeddedVectorStore

    path = tmp_path / "absent.vectors.sqlite3"
    assert EmbeddedVectorStore(path).lead_vectors([1]) == {}
    assert not path.exists()  # reading created nothing


@pytest.mark.elasticsearch
def test_elasticsearch_missing_index_is_empty(elasticsearch_url: str) -> None:
    from elasticsearch import Elasticsearch

    from search.backends.vectors_elastic import ElasticVectorStore

    with Elasticsearch(elasticsearch_url) as client:
        absent = ElasticVectorStore(client, f"thaigov-leadtest-absent-{uuid.uuid4().hex[:10]}")
        assert absent.lead_vectors([1, 2]) == {}
        assert absent.article_vectors([1, 2]) == {}


@pytest.mark.elasticsearch
def test_elasticsearch_unreachable_is_a_clear_error() -> None:
    from elasticsearch import Elasticsearch

    from search.backends.elastic import ElasticsearchUnavailable
    from search.backends.vectors_elastic import ElasticVectorStore

    url = "http://127.0.0.1:9"  # discard port: nothing listens
    with Elasticsearch(url, max_retries=0, request_timeout=2) as client:
        down = ElasticVectorStore(client, "thaigov-leadtest-down", url=url)
        for read in (down.lead_vectors, down.article_vectors):
            with pytest.raises(ElasticsearchUnavailable, match="unreachable"):
                read([1])


@pytest.mark.elasticsearch
def test_elasticsearch_reads_many_ids_in_bounded_requests(
    elastic_store: VectorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More documents than one request may return: several requests, nothing lost."""
    import search.backends.vectors_elastic as vectors_elastic

    store = elastic_store
    ids = list(range(1, 41))
    every, lead = store.article_vectors(ids), store.lead_vectors(ids)
    monkeypatch.setattr(vectors_elastic, "MAX_RESULT_WINDOW", 9)  # 2 articles, 9 leads a request
    assert sorted(store.article_vectors(ids)) == ids == sorted(lead)
    for i, rows in store.article_vectors(ids).items():
        assert np.array_equal(rows, every[i])
        assert len(rows) == 1 + i % 4
    assert all(np.array_equal(v, lead[i]) for i, v in store.lead_vectors(ids).items())


def _old_refined(store: VectorStore, question: np.ndarray, q: SearchQuery) -> list[VectorHit]:
    """The refinement as it was computed before lead vectors: every passage of each
    candidate read, ``article_scores``, Rocchio, again."""
    refine = DEFAULT_REFINEMENT

    def reranked(vector: np.ndarray, near: list[VectorHit]) -> list[VectorHit]:
        stored = store.article_vectors([h.article_id for h in near])
        scores = article_scores(
            vector, [stored[h.article_id] for h in near], lead_weight=refine.lead_weight
        )
        order = sorted(range(len(near)), key=lambda n: (-float(scores[n]), n))
        return [replace(near[n], score=float(scores[n])) for n in order]

    near = reranked(question, store.nearest(question, q, DEPTH))
    top = [h.article_id for h in near[: refine.feedback_articles]]
    stored = store.article_vectors(top)
    expanded = rocchio(question, [stored[i] for i in top], beta=refine.feedback_beta)
    return reranked(expanded, store.nearest(expanded, q, DEPTH))


def test_refined_ranking_is_unchanged_by_reading_leads_only(
    store: VectorStore, tmp_path: Path
) -> None:
    """Same articles in the same order, same scores: the store's hit score is the best
    passage cosine with the question it was asked (also after Rocchio, with the expanded
    one). Elasticsearch's scores go through its (1 + cos) / 2 float32 transform: 1e-5."""
    searcher = Searcher(EmbeddedBackend(tmp_path / "search.sqlite3"), store)
    tolerance = 1e-6 if store.name == "embedded" else 1e-5
    for seed in range(5):
        for q in (
            SearchQuery.build("x", mode="semantic"),
            SearchQuery.build("x", mode="semantic", date_from="2024-01-10"),
        ):
            question = _question(100 + seed)
            got = searcher._nearest(store, question, q)
            expected = _old_refined(store, question, q)
            assert [h.article_id for h in got] == [h.article_id for h in expected], seed
            for a, b in zip(got, expected, strict=True):
                assert a.score == pytest.approx(b.score, abs=tolerance)
    searcher.backend.close()


class _CountingStore:
    """The real store, with the ids each ``lead_vectors`` call asked for recorded."""

    def __init__(self, store: VectorStore) -> None:
        self._store = store
        self.lead_calls: list[list[int]] = []

    def lead_vectors(self, ids: Iterable[int]) -> dict[int, Any]:
        asked = list(ids)
        self.lead_calls.append(asked)
        return self._store.lead_vectors(asked)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_leads_read_for_the_first_candidates_serve_the_second(
    store: VectorStore, tmp_path: Path
) -> None:
    """After Rocchio the store is asked again; of its candidates only those not read for the
    first ranking have their lead vectors read."""
    counting = _CountingStore(store)
    searcher = Searcher(EmbeddedBackend(tmp_path / "search.sqlite3"), counting)
    q = SearchQuery.build("x", mode="semantic")
    question = _question(3)
    searcher._nearest(counting, question, q)
    first = [h.article_id for h in store.nearest(question, q, DEPTH)]
    assert len(counting.lead_calls) == 2
    assert sorted(counting.lead_calls[0]) == sorted(first)
    # The second candidate set, recomputed: what the second call must have asked for.
    reranked = _old_refined(store, question, q)
    second = {h.article_id for h in reranked}
    assert sorted(counting.lead_calls[1]) == sorted(second - set(first))
    assert 0 < len(counting.lead_calls[1]) < DEPTH  # some new, most already read
    searcher.backend.close()
