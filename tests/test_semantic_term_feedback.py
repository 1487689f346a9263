"""Term feedback (search.core.feedback) inside the search service, on both backends with the
real offline encoder: the words the top articles found by meaning open with, rare in the
index, are asked for by keyword and fused in; the result names them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipelines.core.settings import ThaigovSettings
from search.backends.base import SearchBackend
from search.core.encoders import UseMultilingualEncoder
from search.core.feedback import DEFAULT_REFINEMENT, lead_tokens
from search.core.query import SearchQuery
from search.services.documents import documents_from_articles
from search.services.embedding import BatchEmbedder
from search.services.semantic import Searcher, open_vector_store
from tests.search_fixtures import fresh_backend
from tests.search_fixtures import search_record as article

# Written for this test: three articles about rubber whose openings share ยางพารา and
# ชาวสวนยาง, and eleven about other things (so those words are rare in the index).
RUBBER = [
    article(
        4001,
        "ครม. อนุมัติเงินช่วยเหลือชาวสวนยางพารา",
        "ชาวสวนยางพาราจะได้รับเงินช่วยเหลือไร่ละหนึ่งพันบาทจากรัฐบาล",
        "2022-01-10",
        "ด้านเศรษฐกิจ",
    ),
    article(
        4002,
        "ราคายางพาราในตลาดกลางปรับตัวสูงขึ้น",
        "การยางแห่งประเทศไทยรายงานว่าราคายางพาราแผ่นดิบสูงขึ้น ชาวสวนยางพอใจ",
        "2022-02-11",
        "ด้านเศรษฐกิจ",
    ),
    article(
        4003,
        "โครงการประกันรายได้ชาวสวนยาง ระยะที่สาม",
        "รัฐบาลเดินหน้าประกันรายได้ชาวสวนยางพาราทั่วประเทศ เกษตรกรลงทะเบียนได้ถึงสิ้นเดือน",
        "2022-03-12",
        "ด้านเศรษฐกิจ",
    ),
]
# Holds ยางพารา in its opening but is about a building (one more article with the word, so
# that the rarity weighting has something to weigh).
RUBBER_MARKET = article(
    4004,
    "ตลาดกลางยางพาราสงขลาปิดปรับปรุงอาคาร",
    "ผู้รับเหมาจะทาสีอาคารและซ่อมหลังคาของตลาดกลางยางพาราให้เสร็จภายในสองเดือน",
    "2022-05-01",
    "ด้านเศรษฐกิจ",
)
OTHERS = [
    article(4010 + n, title, body, f"2022-04-{n + 1:02d}", "ด้านสังคม")
    for n, (title, body) in enumerate(
        [
            ("กระทรวงศึกษาธิการเปิดภาคเรียนใหม่", "นักเรียนทั่วประเทศกลับเข้าห้องเรียนตามปกติ"),
            ("กรมทางหลวงซ่อมถนนสายหลัก", "การซ่อมผิวถนนจะแล้วเสร็จก่อนเทศกาลปีใหม่"),
            ("สำนักงบประมาณเสนองบประมาณรายจ่ายประจำปี", "สภาจะพิจารณาร่างงบประมาณในเดือนหน้า"),
            ("กรมอุตุนิยมวิทยาเตือนอากาศหนาว", "ภาคเหนือมีอุณหภูมิลดลงมากในสัปดาห์นี้"),
            ("โรงพยาบาลรัฐเพิ่มเตียงผู้ป่วยใน", "กระทรวงสาธารณสุขจัดสรรเตียงเพิ่มในต่างจังหวัด"),
            ("การท่าเรือเปิดท่าเทียบเรือใหม่", "ท่าเรือแห่งใหม่รองรับเรือสินค้าขนาดใหญ่ได้"),
            ("ตำรวจจับกุมผู้ลักลอบขนสินค้าหนีภาษี", "เจ้าหน้าที่ยึดสินค้าผิดกฎหมายได้จำนวนมาก"),
            ("กรมศิลปากรบูรณะโบราณสถาน", "งานบูรณะวัดเก่าแก่จะเปิดให้ชมในปีหน้า"),
            ("กระทรวงแรงงานจัดงานนัดพบแรงงาน", "ผู้หางานสามารถสมัครงานได้ในวันเดียว"),
            ("กรมการบินพลเรือนออกกฎใหม่", "สายการบินต้องแจ้งตารางบินล่วงหน้า"),
            ("กระทรวงพลังงานรณรงค์ประหยัดไฟ", "ประชาชนช่วยกันปิดไฟเมื่อไม่ใช้งาน"),
        ]
    )
]
ARTICLES: list[dict[str, Any]] = [*RUBBER, RUBBER_MARKET, *OTHERS]
ON = replace(
    DEFAULT_REFINEMENT,
    term_articles=3,
    term_count=2,
    term_min_articles=2,
    term_max_share=0.3,
    term_weight=10.0,  # heavy, so that the order it causes is plain to check
)
QUESTION = "support for rubber farmers"


@pytest.fixture(scope="module")
def embedded() -> list[Any]:
    return BatchEmbedder(UseMultilingualEncoder(), store=None).embed(ARTICLES)  # type: ignore[arg-type]


def _indexed_searcher(backend: SearchBackend, embedded: list[Any]) -> Searcher:
    """A searcher over ``ARTICLES`` indexed and embedded in ``backend``, term feedback ``ON``."""
    backend.ensure_schema()
    assert not backend.index_batch(documents_from_articles(ARTICLES)).failed
    store = open_vector_store(backend)
    assert store is not None
    encoder = UseMultilingualEncoder()
    store.ensure_schema(encoder.name, encoder.dim)
    assert not store.upsert(embedded).failed
    return Searcher(backend, store, encoder, refine=ON)


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def searcher(
    request: pytest.FixtureRequest, tmp_path: Path, embedded: list[Any]
) -> Iterator[Searcher]:
    s = _indexed_searcher(fresh_backend(request.param, tmp_path, request, "termfb"), embedded)
    yield s
    s.close()
    s.backend.close()


def test_document_frequencies_in_one_request_match_one_at_a_time(searcher: Searcher) -> None:
    words = ["ยางพารา", "ชาวสวนยาง", "สวน", "รัฐบาล", "ไม่มีคำนี้", "ยางพารา"]
    many = searcher.backend.document_frequencies(words)
    assert many == {w: searcher.backend.document_frequency(w) for w in words}
    assert many["ยางพารา"] == 4 and many["ไม่มีคำนี้"] == 0
    assert searcher.backend.document_frequencies([]) == {}


def test_english_question_asks_for_the_rare_words_its_top_articles_share(
    searcher: Searcher,
) -> None:
    result = searcher.search(SearchQuery.build(QUESTION, mode="semantic"))
    assert result.expanded_terms, "term feedback found no word"
    plain = replace(searcher, refine=replace(ON, term_articles=0)).search(
        SearchQuery.build(QUESTION, mode="semantic")
    )
    assert plain.expanded_terms == ()
    top = [h.article_id for h in plain.hits[: ON.term_articles]]
    leads = {
        d.article_id: set(lead_tokens(d.title_segmented, d.body_segmented))
        for d in searcher.backend.stored(top)
    }
    total = searcher.backend.count()
    for word in result.expanded_terms:
        assert sum(word in tokens for tokens in leads.values()) >= ON.term_min_articles
        assert searcher.backend.document_frequency(word) <= ON.term_max_share * total
    # Every article the words find comes before every article they do not (weight 10 vs 1).
    found = {
        h.article_id
        for h in searcher.backend.search(
            SearchQuery.build(" OR ".join(result.expanded_terms), limit=100)
        ).hits
    }
    assert found and found <= {4001, 4002, 4003, 4004}
    order = [h.article_id for h in result.hits]
    assert set(order[: len(found)]) == found
    assert result.total == len(order) == len(ARTICLES)


def test_hybrid_fuses_the_question_words_the_feedback_words_and_meaning(
    searcher: Searcher,
) -> None:
    result = searcher.search(SearchQuery.build("ช่วยเหลือชาวสวนยาง", mode="hybrid"))
    assert result.expanded_terms
    assert {h.article_id for h in result.hits[:3]} == {4001, 4002, 4003}


def test_term_feedback_keeps_the_filters(searcher: Searcher) -> None:
    q = SearchQuery.build(QUESTION, mode="semantic", date_from="2022-02-01", date_to="2022-12-31")
    result = searcher.search(q)
    assert 4001 not in {h.article_id for h in result.hits}  # 2022-01-10: filtered out
    assert all(h.published_date and h.published_date >= "2022-02-01" for h in result.hits)


@pytest.mark.elasticsearch
def test_both_backends_choose_the_same_words(
    request: pytest.FixtureRequest, tmp_path: Path, embedded: list[Any], elasticsearch_url: str
) -> None:
    chosen = []
    for kind in ("embedded", "elasticsearch"):
        s = _indexed_searcher(fresh_backend(kind, tmp_path, request, "termfb"), embedded)
        chosen.append(s.search(SearchQuery.build(QUESTION, mode="semantic")).expanded_terms)
        s.close()
        s.backend.close()
    assert chosen[0] == chosen[1]


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    from tests.cli_env import archive_env

    with archive_env(request, tmp_path, ARTICLES) as values:
        yield values


def test_every_surface_names_the_words_it_also_searched_for(env: dict[str, str]) -> None:
    """With the service's default settings: the CLI (JSON line and table), the API field and
    the page's line name the same words, and the page links each to a search for it."""
    import json

    from fastapi.testclient import TestClient

    from search.web import create_app
    from tests.cli_env import thaigov

    assert thaigov(env, "reindex")[0] == 0
    code, out, err = thaigov(env, "search", QUESTION, "--mode", "semantic", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    words = lines[-1]["expanded_terms"]
    assert words and all("article_id" in line for line in lines[:-1])
    code, table, _ = thaigov(env, "search", QUESTION, "--mode", "semantic")
    assert code == 0 and "Also searched for" in table and all(w in table for w in words)
    with TestClient(create_app(settings=ThaigovSettings.from_scrapy(env))) as client:
        api = client.get("/api/search", params={"q": QUESTION, "mode": "semantic"}).json()
        assert api["expanded_terms"] == words
        keyword = client.get("/api/search", params={"q": "ยางพารา"}).json()
        assert keyword["expanded_terms"] == []
        html = client.get("/", params={"q": QUESTION, "mode": "semantic"}).text
    assert 'id="expanded-terms"' in html
    from urllib.parse import quote_plus

    for w in words:  # each word links to the articles that contain it (a keyword search)
        assert f'q={quote_plus(w)}&amp;mode=keyword">{w}</a>' in html


def test_remembered_document_frequencies_follow_the_index(searcher: Searcher) -> None:
    """The searcher remembers the counts it looked up while the index keeps its size; a new
    article holding the word changes the size, and the count is asked again."""
    total = searcher.backend.count()
    assert searcher._document_frequencies(["ยางพารา"], total) == {"ยางพารา": 4}
    extra = article(4099, "ยางพาราแผ่นรมควัน", "ราคายางพาราวันนี้", "2022-06-01", "ด้านเศรษฐกิจ")
    assert not searcher.backend.index_batch(documents_from_articles([extra])).failed
    refresh = getattr(searcher.backend, "refresh_index", None)  # Elasticsearch: make it visible
    if refresh is not None:
        refresh()
    new_total = searcher.backend.count()
    assert new_total == total + 1
    assert searcher._document_frequencies(["ยางพารา"], new_total) == {"ยางพารา": 5}
