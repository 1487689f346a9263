"""One search suite, run against every backend (embedded SQLite FTS5 and Elasticsearch).

The index is built from the fixture articles in tests/search_fixtures.py, whose docstring says
which word-boundary cases they were written for. The Elasticsearch runs use a unique index name
per test run and delete it afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.core.settings import ThaigovSettings
from search.backends.base import SearchBackend
from search.backends.embedded import EmbeddedBackend
from search.backends.select import open_backend
from search.core.query import SearchQuery
from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START
from search.services.documents import document_from_article, documents_from_articles
from tests.search_fixtures import ARTICLES, article, drop_elasticsearch

BACKENDS = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]
NEWEST_FIRST = [1008, 1005, 1004, 1003, 1002, 1007, 1001, 1006]


class Backends:
    """Makes empty backends of one kind; ``cleanup`` closes them and drops what they created."""

    def __init__(self, kind: str, url: str, folder: Path) -> None:
        self.kind, self.url, self.folder = kind, url, folder
        self.prefix = f"thaigov-test-{uuid.uuid4().hex[:10]}"
        self.made: list[SearchBackend] = []

    def __call__(self) -> SearchBackend:
        n = len(self.made)
        if self.kind == "elasticsearch":
            env = {
                "THAIGOV_ELASTICSEARCH_URL": self.url,
                "THAIGOV_ELASTICSEARCH_INDEX": f"{self.prefix}-{n}",
            }
            backend = open_backend(ThaigovSettings.from_scrapy(env), create=True)
        else:
            backend = EmbeddedBackend(self.folder / f"search-{n}.sqlite3")
        backend.ensure_schema()
        self.made.append(backend)
        return backend

    def filled(self, articles: list[dict[str, Any]] | None = None) -> SearchBackend:
        """A backend holding ``articles`` (by default the eight fixture articles)."""
        articles = ARTICLES if articles is None else articles
        backend = self()
        outcome = backend.index_batch(documents_from_articles(articles))
        assert sorted(outcome.ok) == sorted(a["article_id"] for a in articles)
        assert outcome.failed == {}
        return backend

    def cleanup(self) -> None:
        for backend in self.made:
            backend.close()
        if self.kind == "elasticsearch":
            drop_elasticsearch(self.url, self.prefix)


def _backends(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Backends:
    url = request.getfixturevalue("elasticsearch_url") if kind == "elasticsearch" else ""
    return Backends(kind, url, tmp_path_factory.mktemp(kind))


@pytest.fixture(scope="module", params=BACKENDS)
def backend_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backends]:
    factory = _backends(request.param, request, tmp_path_factory)
    yield factory
    factory.cleanup()


@pytest.fixture(scope="module")
def backend(backend_factory: Backends) -> SearchBackend:
    """A backend holding the fixture articles (read-only for the tests using it)."""
    return backend_factory.filled()


def ids(backend: SearchBackend, text: str = "", **filters: object) -> list[int]:
    result = backend.search(SearchQuery.build(text, limit=50, **filters))  # type: ignore[arg-type]
    return [h.article_id for h in result.hits]


# --- word-level Thai matching ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ตา", [1005]),  # not inside ตาก (1001) nor ติดตาม (1001, 1002)
        ("ยา", [1003]),  # not inside ยาง (1002, 1006) nor พยาบาล (1002)
        ("ตาก", [1001]),
        ("ยาง", [1002, 1006]),  # a word in running text: "...มันสำปะหลัง และยาง"
        ("สงกรานต์", [1008]),
    ],
)
def test_thai_word_matches_whole_words_only(
    backend: SearchBackend, word: str, expected: list[int]
) -> None:
    assert sorted(ids(backend, word)) == expected


def test_unspaced_thai_query_is_segmented_into_required_words(backend: SearchBackend) -> None:
    assert sorted(ids(backend, "ราคายาง")) == [1002, 1006]
    assert ids(backend, "ราคายางตาก") == []


def test_english_words_case_insensitive(backend: SearchBackend) -> None:
    assert sorted(ids(backend, "CABINET")) == [1007]
    assert sorted(ids(backend, "covid-19")) == [1008]


# --- operators -------------------------------------------------------------------------------


def test_phrase_needs_adjacent_words(backend: SearchBackend) -> None:
    assert ids(backend, '"ราคายาง"') == [1002]  # 1006 has both words, apart
    assert ids(backend, '"minister met"') == [1004]


def test_exclusion_removes_documents(backend: SearchBackend) -> None:
    assert ids(backend, "คณะรัฐมนตรี -ยาง") == [1008]
    assert sorted(ids(backend, 'คณะรัฐมนตรี -"ราคายาง"')) == [1006, 1008]


def test_or_matches_either_side(backend: SearchBackend) -> None:
    assert sorted(ids(backend, "ตาก OR ยา")) == [1001, 1003]
    assert sorted(ids(backend, '"prime minister" OR ตา')) == [1004, 1005, 1007]


def test_only_exclusions_browse_everything_else(backend: SearchBackend) -> None:
    assert ids(backend, "-ยาง", sort="newest") == [i for i in NEWEST_FIRST if i not in (1002, 1006)]


# --- filters -----------------------------------------------------------------------------


def test_category_and_language_filters(backend: SearchBackend) -> None:
    assert sorted(ids(backend, "", categories=["ด้านสังคม"])) == [1003, 1005]
    assert sorted(ids(backend, "", categories=["ด้านสังคม", "ข่าวคณะโฆษก"])) == [1003, 1005, 1008]
    assert sorted(ids(backend, "", lang="en")) == [1004, 1007]
    assert ids(backend, "รัฐบาล", lang="en") == []


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        ("2024-02-01", "2024-02-29", [1002, 1003]),
        ("1 ก.พ. 67", "กุมภาพันธ์ 2567", [1002, 1003]),
        ("2566", "2566", [1006]),
        ("2024-03", None, [1004, 1005, 1008]),
        (None, "2024-01-15", [1001, 1006]),
    ],
)
def test_date_range_filter(
    backend: SearchBackend, date_from: str | None, date_to: str | None, expected: list[int]
) -> None:
    assert sorted(ids(backend, "", date_from=date_from, date_to=date_to)) == expected


def test_filters_combine_with_text(backend: SearchBackend) -> None:
    assert ids(backend, "คณะรัฐมนตรี", date_from="2024-01-01", categories=["ด้านเศรษฐกิจ"]) == [1002]


# --- sorting, ranking, pagination ------------------------------------------------------------


def test_sort_by_date(backend: SearchBackend) -> None:
    assert ids(backend, "", sort="newest") == NEWEST_FIRST
    assert ids(backend, "", sort="oldest") == NEWEST_FIRST[::-1]
    assert ids(backend, "คณะรัฐมนตรี", sort="oldest") == [1006, 1002, 1008]


def test_relevance_prefers_title_matches(backend: SearchBackend) -> None:
    result = backend.search(SearchQuery.build("prime minister"))
    assert [h.article_id for h in result.hits] == [1004, 1007]
    assert result.hits[0].score > result.hits[1].score > 0


def test_typed_words_adjacent_rank_first(backend: SearchBackend) -> None:
    """1006 has ราคา and ยาง apart (and scores higher on BM25); 1002 has them as typed."""
    assert ids(backend, "ราคายาง") == [1002, 1006]
    assert ids(backend, "ยาง ราคา") == [1006, 1002]  # word order matters for the phrase


def test_pages_partition_the_result(backend: SearchBackend) -> None:
    pages = [
        backend.search(SearchQuery.build("", sort="newest", limit=3, offset=o)) for o in (0, 3, 6)
    ]
    assert [p.total for p in pages] == [8, 8, 8]
    assert [h.article_id for p in pages for h in p.hits] == NEWEST_FIRST
    assert backend.search(SearchQuery.build("", offset=8)).hits == []


def test_count_agrees_with_search_total(backend: SearchBackend) -> None:
    assert backend.count() == len(ARTICLES)
    q = SearchQuery.build("คณะรัฐมนตรี")
    assert backend.count(q) == backend.search(q).total == 3


def test_hits_carry_display_fields(backend: SearchBackend) -> None:
    (hit,) = backend.search(SearchQuery.build("ตาก")).hits
    source = article(1001)
    assert (hit.title, hit.published_date, hit.category, hit.lang, hit.url) == (
        source["title"],
        "2024-01-15",
        "ข่าวทำเนียบรัฐบาล",
        "th",
        source["url"],
    )


# --- highlights --------------------------------------------------------------------------


def _unmarked(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "").strip("… ")


def test_snippet_marks_whole_query_words_in_unsegmented_text(backend: SearchBackend) -> None:
    (hit,) = backend.search(SearchQuery.build("ยา")).hits
    assert f"{HIGHLIGHT_START}ยา{HIGHLIGHT_END}" in hit.snippet
    assert f"พ{HIGHLIGHT_START}" not in hit.snippet  # โรงพยาบาล is not marked
    assert _unmarked(hit.snippet) in article(1003)["body"].replace("\n", " ")
    assert "<" not in hit.snippet


def test_snippet_does_not_mark_a_longer_word(backend: SearchBackend) -> None:
    hits = {h.article_id: h for h in backend.search(SearchQuery.build("ยาง")).hits}
    assert f"{HIGHLIGHT_START}ยาง{HIGHLIGHT_END}" in hits[1002].snippet
    assert f"{HIGHLIGHT_START}ยาง{HIGHLIGHT_END}พารา" not in hits[1002].snippet


def test_english_snippet_keeps_original_case(backend: SearchBackend) -> None:
    (hit,) = backend.search(SearchQuery.build("electric")).hits
    assert f"{HIGHLIGHT_START}electric{HIGHLIGHT_END} vehicles" in hit.snippet


# --- aggregations ------------------------------------------------------------------------


def test_aggregations_per_month_and_category(backend: SearchBackend) -> None:
    aggs = backend.aggregate(SearchQuery.build("คณะรัฐมนตรี"))
    assert aggs.per_month == [("2023-12", 1), ("2024-02", 1), ("2024-03", 1)]
    assert aggs.per_category == [("ด้านเศรษฐกิจ", 2), ("ข่าวคณะโฆษก", 1)]


def test_aggregations_respect_filters(backend: SearchBackend) -> None:
    aggs = backend.aggregate(SearchQuery.build("", lang="en"))
    assert aggs.per_month == [("2024-01", 1), ("2024-03", 1)]
    assert aggs.per_category == [("Cabinet Meeting Synopsis", 1), ("Government News", 1)]


# --- hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '"unbalanced ราคา',
        "*",
        "title:ยาง AND (ราคา OR ตาก)^3",
        'body:"x" NOT y || z && ! {1 TO 2} [a TO b] ~2 /.*/',
        "ctx._source.title = 'x'; script",
        "ยาง " * 2000,  # 10 kB
        "\\\\ \x00 \x02 \x03",
    ],
)
def test_hostile_queries_answer_without_error(backend: SearchBackend, text: str) -> None:
    # Constructed directly: the builder refuses text over MAX_QUERY_CHARS at the user's door,
    # but a backend must still cope with whatever the parser makes of any text.
    q = SearchQuery(text)
    result = backend.search(q)
    assert result.total == backend.count(q) >= len(result.hits)
    backend.aggregate(q)


# --- writes ------------------------------------------------------------------------------


def test_update_replaces_old_words_and_delete_removes(backend_factory: Backends) -> None:
    fresh = backend_factory()
    fresh.index_batch(documents_from_articles(ARTICLES[:3]))
    changed = {**article(1001), "title": "นายกรัฐมนตรีเยือนจังหวัดน่าน", "body": "ประชุมที่น่าน"}
    assert fresh.index_batch([document_from_article(changed)]).ok == [1001]
    assert ids(fresh, "น่าน") == [1001]
    assert ids(fresh, "ตาก") == []
    assert fresh.count() == 3
    assert fresh.delete([1001, 999999]) == 1
    assert ids(fresh, "น่าน") == []
    assert fresh.count() == 2


def test_rebuild_swaps_in_a_complete_new_index(backend_factory: Backends) -> None:
    fresh = backend_factory()
    fresh.index_batch(documents_from_articles(ARTICLES[:2]))
    seen: list[tuple[int, int | None]] = []
    outcome = fresh.rebuild(
        iter(documents_from_articles(ARTICLES[2:])), lambda d, t: seen.append((d, t))
    )
    assert sorted(outcome.ok) == sorted(a["article_id"] for a in ARTICLES[2:])
    assert fresh.count() == len(ARTICLES) - 2
    assert ids(fresh, "ตาก") == []  # 1001 was only in the old index
    assert ids(fresh, "ยา") == [1003]
    assert seen and seen[-1][0] == len(ARTICLES) - 2


# --- parity ------------------------------------------------------------------------------

PARITY_QUERIES = [
    "ตา",
    "ยาง",
    "ราคายาง",
    '"ราคายาง"',
    "คณะรัฐมนตรี",
    "prime minister",
    "ตาก OR ยา",
    "คณะรัฐมนตรี -ยาง",
    "สุขภาพ ผู้สูงอายุ",
    "water plan",
]


@pytest.mark.elasticsearch
def test_both_backends_return_the_same_hits(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    factories = [_backends(k, request, tmp_path_factory) for k in ("embedded", "elasticsearch")]
    try:
        embedded, elastic = (f.filled() for f in factories)
        for text in PARITY_QUERIES:
            q = SearchQuery.build(text)
            mine, theirs = embedded.search(q), elastic.search(q)
            assert mine.total == theirs.total, text
            assert {h.article_id for h in mine.hits} == {h.article_id for h in theirs.hits}, text
            assert mine.hits[0].article_id == theirs.hits[0].article_id, text
            assert embedded.aggregate(q) == elastic.aggregate(q), text
    finally:
        for factory in factories:
            factory.cleanup()
