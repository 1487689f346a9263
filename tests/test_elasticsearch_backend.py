"""Elasticsearch-specific behaviour against the real node: tokens, digits, errors, secrets.

The shared behaviour (matching, filters, sorting, highlights, parity with the embedded index)
is in tests/test_search_backends.py; this file covers what only this backend does.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from search.backends.elastic import (
    ElasticsearchBackend,
    ElasticsearchUnavailable,
    index_body,
    redacted,
)
from search.core.query import SearchQuery
from search.core.segment import PART_GAP, index_texts, tokenize
from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START
from search.services.documents import document_from_article

pytestmark = pytest.mark.elasticsearch

#: Written for these tests: Thai running text, Thai digits, English, punctuation, a URL-ish run.
TEXTS = [
    "กรมอุตุนิยมวิทยาเตือนฝนตกหนักในภาคใต้ช่วงวันที่ ๑๒-๑๕ มกราคม ๒๕๖๗",
    "นายกฯ ประชุมร่วมกับ ครม. ที่ทำเนียบรัฐบาล (ตึกไทยคู่ฟ้า) เวลา 09.30 น.",
    "The Cabinet's plan, worth 1,500 million baht, supports U.S.-Thai trade (2024).",
    "โครงการ“คนละครึ่ง”เฟส 3 เริ่ม 1 ก.ค. นี้ #ไทยคู่ฟ้า ข้อมูล : กองโฆษก",
    "COVID-19 vaccines ฉีดวัคซีนโควิด-19 ให้ผู้สูงอายุ ๖๐ ปีขึ้นไป",
]


def _article(article_id: int, title: str, body: str) -> dict[str, object]:
    return {
        "article_id": article_id,
        "title": title,
        "body": body,
        "published_date": "2024-01-10",
        "category": "ด้านสังคม",
        "lang": "th",
        "content_hash": f"h{article_id}",
    }


@pytest.fixture
def backend(elasticsearch_url: str) -> Iterator[ElasticsearchBackend]:
    es = ElasticsearchBackend(elasticsearch_url, index=f"thaigov-test-es-{uuid.uuid4().hex[:10]}")
    es.ensure_schema()
    yield es
    es.drop()
    es.close()


@pytest.mark.parametrize("text", TEXTS)
def test_stored_display_text_reads_back_unchanged(text: str) -> None:
    doc = document_from_article(_article(1, "t", text))
    assert index_body(doc)["display"]["body"] == doc.body == text


@pytest.mark.parametrize("text", TEXTS)
def test_index_analyzer_yields_exactly_the_shared_segmentation(
    backend: ElasticsearchBackend, text: str
) -> None:
    """The index holds the same words and parts, at the same positions, as the embedded one."""
    index = backend.current_indices()[0]
    doc = document_from_article(_article(1, "t", text))
    body = index_body(doc)
    analyzed = backend.client.indices.analyze(index=index, field="body", text=body["body"])
    assert [t["token"] for t in analyzed["tokens"]] == tokenize(text)
    if body["body_parts"]:
        analyzed = backend.client.indices.analyze(
            index=index, field="body_parts", text=body["body_parts"]
        )
        positions = [(t["token"], t["position"]) for t in analyzed["tokens"]]
        # The embedded index's parts column: PART_GAP is one token between word groups.
        embedded = [
            (token, position)
            for position, token in enumerate(index_texts(text)[1].split())
            if token != PART_GAP
        ]
        assert positions == embedded


def test_thai_digits_match_either_spelling_and_display_as_written(
    backend: ElasticsearchBackend,
) -> None:
    backend.index_batch(
        [
            document_from_article(_article(1, "ประกาศปี ๒๕๖๗", "งบประมาณปี ๒๕๖๗ เพิ่มขึ้น")),
            document_from_article(_article(2, "ประกาศปี 2566", "งบประมาณปี 2566 ลดลง")),
        ]
    )
    for query, expected in [("2567", 1), ("๒๕๖๗", 1), ('"ปี 2566"', 2), ('"ปี ๒๕๖๖"', 2)]:
        result = backend.search(SearchQuery.build(query))
        assert [h.article_id for h in result.hits] == [expected], query
    snippet = backend.search(SearchQuery.build("2567")).hits[0].snippet
    assert f"{HIGHLIGHT_START}๒๕๖๗{HIGHLIGHT_END}" in snippet


def test_highlights_are_original_text_with_whole_words_marked(
    backend: ElasticsearchBackend,
) -> None:
    body = "ผู้ว่าราชการจังหวัดตากตรวจตาให้ผู้สูงอายุ\nและติดตามผลการรักษาตาอย่างต่อเนื่อง"
    backend.index_batch([document_from_article(_article(7, "ตรวจสุขภาพ", body))])
    hit = backend.search(SearchQuery.build("ตา")).hits[0]
    plain = hit.snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
    assert plain == body.replace("\n", " ")
    marked = hit.snippet.split(HIGHLIGHT_START)[1:]
    assert [m.split(HIGHLIGHT_END)[0] for m in marked] == ["ตา", "ตา"]  # not ตาก, not ติดตาม


def test_delete_reports_what_existed(backend: ElasticsearchBackend) -> None:
    backend.index_batch([document_from_article(_article(i, "ข่าว", "เนื้อหา")) for i in (1, 2)])
    assert backend.delete([1, 99]) == 1
    assert backend.count() == 1


def test_rejected_documents_are_reported_per_document(backend: ElasticsearchBackend) -> None:
    good = document_from_article(_article(1, "ข่าวดี", "เนื้อหา"))
    bad = document_from_article(
        {**_article(2, "ข่าว", "เนื้อหา"), "published_date": "sometime in 2567"}
    )
    outcome = backend.index_batch([good, bad])
    assert outcome.ok == [1]
    assert list(outcome.failed) == [2]
    assert "published_date" in outcome.failed[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_cluster_fails_documents_and_raises_a_clear_error_without_secrets() -> None:
    url = f"http://reader:s3cret-pw@127.0.0.1:{_closed_port()}"
    backend = ElasticsearchBackend(url, index="thaigov-test-unreachable", request_timeout=2)
    docs = [document_from_article(_article(i, "ข่าว", "เนื้อหา")) for i in (1, 2)]
    outcome = backend.index_batch(docs)
    assert outcome.ok == [] and sorted(outcome.failed) == [1, 2]
    with pytest.raises(ElasticsearchUnavailable) as raised:
        backend.search(SearchQuery.build("ข่าว"))
    for text in (str(raised.value), repr(backend), *outcome.failed.values()):
        assert "s3cret" not in text and "reader" not in text
    assert redacted(url) == url.replace("reader:s3cret-pw@", "")


def test_english_analyzer_is_used_only_when_the_cluster_has_it(
    backend: ElasticsearchBackend, elasticsearch_url: str
) -> None:
    with Elasticsearch(elasticsearch_url) as client:
        mapping = client.indices.get_mapping(index=backend.alias).body
    body = next(iter(mapping.values()))["mappings"]["properties"]["body"]
    assert ("fields" in body) == backend.has_english_analyzer()
