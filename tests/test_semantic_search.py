"""Search modes, filters, similar articles and near-duplicates on both backends, with the real
offline encoder and real vector stores (embedded SQLite + numpy; Elasticsearch dense_vector)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from search.backends.embedded import EmbeddedBackend
from search.backends.vectors import EmbeddedArticle, EncoderMismatch
from search.core.encoders import UseMultilingualEncoder
from search.core.query import QueryError, SearchQuery
from search.services.documents import documents_from_articles
from search.services.embedding import BatchEmbedder
from search.services.semantic import Searcher, open_vector_store
from tests.search_fixtures import fresh_backend
from tests.semantic_fixtures import SEMANTIC_ARTICLES, semantic_article


@pytest.fixture(scope="module")
def encoder() -> UseMultilingualEncoder:
    return UseMultilingualEncoder()


@pytest.fixture(scope="module")
def embedded_articles(encoder: UseMultilingualEncoder) -> list[EmbeddedArticle]:
    """The fixtures embedded once (the encoder is the slow part)."""
    return BatchEmbedder(encoder, store=None).embed(SEMANTIC_ARTICLES)  # type: ignore[arg-type]


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def searcher(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    encoder: UseMultilingualEncoder,
    embedded_articles: list[EmbeddedArticle],
) -> Iterator[Searcher]:
    backend = fresh_backend(request.param, tmp_path, request, "semtest")
    backend.ensure_schema()
    assert not backend.index_batch(documents_from_articles(SEMANTIC_ARTICLES)).failed
    store = open_vector_store(backend)
    assert store is not None
    store.ensure_schema(encoder.name, encoder.dim)
    assert not store.upsert(embedded_articles).failed
    s = Searcher(backend, store, encoder)
    yield s
    s.close()
    backend.close()


def ids(s: Searcher, text: str, **params: str) -> list[int]:
    return [h.article_id for h in s.search(SearchQuery.build(text, **params)).hits]


def test_english_question_finds_thai_articles_by_meaning(searcher: Searcher) -> None:
    assert searcher.semantic_ready()
    assert set(ids(searcher, "support for rubber farmers", mode="semantic")[:2]) == {3001, 3002}
    assert ids(searcher, "covid vaccination for the elderly", mode="semantic")[0] == 3005
    # Keyword mode cannot: no Thai article holds these English words.
    assert not set(ids(searcher, "rubber farmers")) & {3001, 3002}


def test_semantic_snippet_is_the_matching_passage(searcher: Searcher) -> None:
    hit = searcher.search(SearchQuery.build("tourism festival", mode="semantic", limit=1)).hits[0]
    assert hit.article_id == 3006
    assert "นักท่องเที่ยว" in hit.snippet
    assert -1.0 <= hit.score <= 1.0


def test_filters_apply_in_every_mode(searcher: Searcher) -> None:
    for mode in ("semantic", "hybrid"):
        assert ids(searcher, "flood relief", mode=mode, lang="en") == [3004]
        found = ids(searcher, "flood relief", mode=mode, categories="ด้านเศรษฐกิจ")
        assert found and set(found) <= {3001, 3006, 3007}
        dated = ids(searcher, "flood relief", mode=mode, date_from="2024-02", date_to="2024-02")
        assert set(dated) == {3005, 3007}


def test_hybrid_keeps_exact_keyword_matches_and_adds_meaning(searcher: Searcher) -> None:
    keyword = ids(searcher, "ภาษีรถยนต์")
    assert keyword == [3007]
    hybrid = ids(searcher, "ภาษีรถยนต์", mode="hybrid")
    assert hybrid[0] == 3007
    assert len(hybrid) == len(SEMANTIC_ARTICLES)  # vector ranking adds the rest, ranked lower


def test_date_sort_in_semantic_mode(searcher: Searcher) -> None:
    found = searcher.search(SearchQuery.build("government", mode="semantic", sort="oldest")).hits
    dates = [h.published_date for h in found]
    assert dates == sorted(dates)  # type: ignore[type-var]


def test_near_duplicates_are_marked_in_results(searcher: Searcher) -> None:
    hits = searcher.search(SearchQuery.build("ยางพารา", mode="hybrid")).hits
    first, second = hits[0], hits[1]
    assert {first.article_id, second.article_id} == {3001, 3002}
    assert first.duplicate_of is None and second.duplicate_of == first.article_id
    assert all(h.duplicate_of is None for h in hits[2:])
    keyword = searcher.search(SearchQuery.build("ยางพารา")).hits
    assert [h.duplicate_of for h in keyword] == [None, keyword[0].article_id]


def test_similar_articles(searcher: Searcher) -> None:
    similar = searcher.similar(3003, limit=3)
    assert similar[0].article_id == 3004  # the same event, in English
    assert 3003 not in [h.article_id for h in similar]
    assert [h.article_id for h in searcher.similar(3001, limit=1)] == [3002]
    assert searcher.similar(999_999) == []


def test_backends_agree_on_semantic_hit_sets(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    encoder: UseMultilingualEncoder,
    embedded_articles: list[EmbeddedArticle],
) -> None:
    """Same vectors, two stores: the embedded one searches exactly, Elasticsearch by HNSW.

    Tolerance: on a collection this small HNSW visits every vector (num_candidates >= 100 >
    passages), so the top-5 sets must be equal; cosines may differ by float32 rounding and
    Elasticsearch's (1 + cos) / 2 score transform, so 1e-4.
    """
    searchers = []
    for kind in ("embedded", "elasticsearch"):
        backend = fresh_backend(kind, tmp_path / kind, request, "semtest")
        backend.ensure_schema()
        backend.index_batch(documents_from_articles(SEMANTIC_ARTICLES))
        store = open_vector_store(backend)
        assert store is not None
        store.ensure_schema(encoder.name, encoder.dim)
        store.upsert(embedded_articles)
        searchers.append(Searcher(backend, store, encoder))
    for text in ("rubber farmers", "น้ำท่วม", "vaccine", "tax", "festival tourists"):
        q = SearchQuery.build(text, mode="semantic", limit=5)
        a, b = (s.search(q).hits for s in searchers)
        assert {h.article_id for h in a} == {h.article_id for h in b}, text
        scores = {h.article_id: h.score for h in b}
        for h in a:
            assert h.score == pytest.approx(scores[h.article_id], abs=1e-4)
    for s in searchers:
        s.close()
        s.backend.close()


def test_semantic_mode_without_embeddings_is_a_query_error(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    s = Searcher.open(backend, "use-multilingual-v3")
    with pytest.raises(QueryError, match="run thaigov reindex") as err:
        s.search(SearchQuery.build("flood", mode="semantic"))
    assert err.value.param == "mode"
    assert not (tmp_path / "search.vectors.sqlite3").exists()  # reading created nothing
    off = Searcher.open(backend, "off")
    with pytest.raises(QueryError, match="off here"):
        off.search(SearchQuery.build("flood", mode="hybrid"))
    assert off.search(SearchQuery.build("flood")).total == 0  # keyword still works


def test_store_refuses_vectors_of_another_encoder(searcher: Searcher) -> None:
    assert searcher.vectors is not None
    with pytest.raises(EncoderMismatch, match="reindex --re-embed"):
        searcher.vectors.ensure_schema("sentence-transformers:other", 384)


def test_reembedding_a_changed_article_replaces_its_passages(
    searcher: Searcher, encoder: UseMultilingualEncoder
) -> None:
    store = searcher.vectors
    assert store is not None
    changed = dict(semantic_article(3007), body="ข้อความใหม่", content_hash="hash-3007-v2")
    outcome = BatchEmbedder(encoder, store).embed([changed])
    assert not store.upsert(outcome).failed
    assert store.hashes()[3007] == "hash-3007-v2"
    assert len(store.article_vectors([3007])[3007]) == 1
    assert store.count() == len(SEMANTIC_ARTICLES)
    assert store.delete([3007, 424242]) == 1
    assert 3007 not in store.hashes() and store.count() == len(SEMANTIC_ARTICLES) - 1
    vectors = store.article_vectors([3001])[3001]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embedded_matrix_file_is_shared_by_later_openings_and_follows_changes(
    tmp_path: Path,
) -> None:
    """The first search writes the vectors as a .npy beside the store; another opening (as in
    another process) memory-maps it and answers the same; a write makes it stale and the
    next search replaces it."""
    from search.backends.vectors_embedded import EmbeddedVectorStore

    rng = np.random.default_rng(3)

    def article(i: int, passages: int) -> EmbeddedArticle:
        vectors = rng.standard_normal((passages, 8), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return EmbeddedArticle(
            i, f"h{i}", f"t{i}", f"u{i}", "2024-01-01", "c", "th", ("p",) * passages, vectors
        )

    path = tmp_path / "search.vectors.sqlite3"
    writer = EmbeddedVectorStore(path)
    writer.ensure_schema("test-encoder", 8)
    assert not writer.upsert([article(i, 1 + i % 3) for i in range(1, 30)]).failed
    question = article(99, 1).vectors[0]
    first = writer.nearest(question, None, 5)
    (matrix,) = tmp_path.glob("search.vectors.*.npy")

    reader = EmbeddedVectorStore(path)
    assert reader.nearest(question, None, 5) == first
    loaded = reader._loaded()
    assert loaded is not None and isinstance(loaded.vectors, np.memmap)

    assert not writer.upsert([article(30, 2)]).failed
    assert len(reader.nearest(question, None, 100)) == 30
    (replaced,) = tmp_path.glob("search.vectors.*.npy")
    assert replaced != matrix
    writer.close()
    reader.close()


def test_refinements_reach_both_vector_stores(searcher: Searcher) -> None:
    """Lead re-ranking and Rocchio feedback (search.core.feedback) act on the real stores'
    candidates: with lead weight 1 hits come in the order of their title-and-lead cosine, and
    with feedback the store is asked again with the question moved towards its top articles."""
    from dataclasses import replace

    from search.core.feedback import PLAIN, Refinement, rocchio

    assert searcher.vectors is not None and searcher.encoder is not None
    text = "flood relief for people in the south"
    q = SearchQuery.build(text, mode="semantic")
    question = searcher.encoder.encode([text])[0]

    by_lead = replace(searcher, refine=Refinement(lead_weight=1.0)).search(q).hits
    stored = searcher.vectors.article_vectors([h.article_id for h in by_lead])
    lead_cos = {i: float(v[0] @ question) for i, v in stored.items()}
    assert [h.article_id for h in by_lead] == sorted(lead_cos, key=lambda i: -lead_cos[i])
    for h in by_lead:
        assert h.score == pytest.approx(lead_cos[h.article_id], abs=1e-4)

    plain = [h.article_id for h in replace(searcher, refine=PLAIN).search(q).hits]
    feedback = Refinement(feedback_articles=2, feedback_beta=1.0)
    expanded = rocchio(question, [stored[i] for i in plain[:2]], beta=1.0)
    expected = [h.article_id for h in searcher.vectors.nearest(expanded, q, 100)]
    assert [h.article_id for h in replace(searcher, refine=feedback).search(q).hits] == expected
    assert set(expected[:2]) == {3003, 3004}  # the two flood articles stay on top


def test_keyword_ranking_without_snippets_is_the_same_ranking(searcher: Searcher) -> None:
    """Hybrid asks its keyword half for ids and order only (``snippets=False``) and cuts the
    page's snippets from the stored bodies: the same hits, scores and snippets as with them."""
    from dataclasses import replace

    from search.core.snippets import make_snippet

    q = SearchQuery.build("ช่วยเหลือ", limit=50)
    full = searcher.backend.search(q)
    bare = searcher.backend.search(replace(q, snippets=False))
    assert full.total == bare.total >= 2
    assert [(h.article_id, h.score) for h in bare.hits] == [
        (h.article_id, h.score) for h in full.hits
    ]
    assert all(h.snippet == "" for h in bare.hits)
    bodies = {
        d.article_id: d.body
        for d in searcher.backend.stored([h.article_id for h in full.hits], text=True)
    }
    words = q.parsed.highlight_tokens
    assert [make_snippet(bodies[h.article_id], words) for h in full.hits] == [
        h.snippet for h in full.hits
    ]
