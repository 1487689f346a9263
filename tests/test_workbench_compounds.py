"""The workbench's occurrence counts on compounds: read from the index's word counts, they equal
the counts taken from the stored tokens, on both backends.

Since compound matching (issue 12) ``ข้าว`` also occurs in ``ข้าวเหนียว``. The embedded index
keeps which counted tokens hold which word (``word_part``, search.backends.word_stats) so that
trends and the concordance total need not read every matching article; these tests would have
caught word counts that hold whole tokens only (an occurrence count lower than the scan's).

Fixture texts are written for these tests, Thai words separated by spaces so every count can be
checked by eye (stored tokens and compound words listed per article):

  3001 2024-01-10  ข้าวเหนียว มะม่วง | ชาวนา ปลูก ข้าว และ ข้าวโพด ขาย ข้าวเหนียว   ข้าว 1 + 3
  3002 2024-01-25  นายกรัฐมนตรี พบ รัฐมนตรี | รัฐมนตรี ว่าการ กระทรวง การท่องเที่ยว และ กีฬา
                   ประชุม นักกีฬา      นายกรัฐมนตรี holds นายก, มนตรี, รัฐมนตรี; รัฐมนตรี holds มนตรี
  3003 2024-02-03  น้ำท่วม ไฟป่า | ข้าว เสียหาย จาก น้ำท่วม ชาวนา ขาด ข้าว       ข้าว 0 + 2
  3004 2024-03-15  covid19 ระบาด | โควิด ระบาด ข้าว ราคา ตก   covid matches (index parts of
                   COVID-19) but occurs nowhere in the stored tokens; ข้าว 0 + 1
  3005 undated     ท่องเที่ยว | การท่องเที่ยว ฟื้นตัว ท่องเที่ยว ไทย            ท่องเที่ยว 1 + 2
  3006 2024-02-20  ยางพารา | สวน ยางพารา ราคา ยาง พารา                        พารา 1 + 2
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search.backends.base import SearchBackend
from search.backends.embedded import SCHEMA_VERSION, EmbeddedBackend, SchemaMismatch
from search.backends.word_stats import PARTS_META_KEY
from search.core.occurrences import compound_words, count_in_segmented
from search.core.query import SearchQuery
from search.services import workbench as wb
from search.services.documents import documents_from_articles
from tests.search_fixtures import search_record
from tests.test_search_backends import BACKENDS, Backends, _backends


def _article(article_id: int, title: str, body: str, published_date: str | None) -> dict[str, Any]:
    return search_record(article_id, title, body, published_date, "เศรษฐกิจ")


ARTICLES = [
    _article(3001, "ข้าวเหนียว มะม่วง", "ชาวนา ปลูก ข้าว และ ข้าวโพด ขาย ข้าวเหนียว", "2024-01-10"),
    _article(
        3002,
        "นายกรัฐมนตรี พบ รัฐมนตรี",
        "รัฐมนตรี ว่าการ กระทรวง การท่องเที่ยว และ กีฬา ประชุม นักกีฬา",
        "2024-01-25",
    ),
    _article(3003, "น้ำท่วม ไฟป่า", "ข้าว เสียหาย จาก น้ำท่วม ชาวนา ขาด ข้าว", "2024-02-03"),
    _article(3004, "COVID-19 ระบาด", "โควิด ระบาด ข้าว ราคา ตก", "2024-03-15"),
    _article(3005, "ท่องเที่ยว", "การท่องเที่ยว ฟื้นตัว ท่องเที่ยว ไทย", None),
    _article(3006, "ยางพารา", "สวน ยางพารา ราคา ยาง พารา", "2024-02-20"),
]

#: query -> (occurrences, matching articles), counted by hand from the table above
HAND_COUNTS = {
    "ข้าว": (4 + 2 + 1, 3),
    "น้ำ": (2, 1),  # น้ำท่วม twice (น้ำ is a whitelisted one-syllable part)
    "รัฐมนตรี OR มนตรี": (3, 1),  # นายกรัฐมนตรี once although it holds both words
    "นายก": (1, 1),
    "ท่องเที่ยว OR กีฬา": (3 + 3, 2),  # การท่องเที่ยว กีฬา นักกีฬา; ท่องเที่ยว ×2, การท่องเที่ยว
    "การท่องเที่ยว OR ท่องเที่ยว": (1 + 3, 2),
    "พารา": (3, 1),
    '"ยาง พารา"': (1, 1),  # a phrase: whole tokens only (read from the articles)
    "covid": (0, 1),  # matched through COVID-19's index parts, no occurrence in covid19
    "ข้าว -น้ำท่วม": (4 + 1, 2),  # an exclusion: the articles decide (read from the articles)
}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchBackend]:
    factory: Backends = _backends(request.param, request, tmp_path_factory)
    yield factory.filled(ARTICLES)
    factory.cleanup()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    """An embedded index of the same articles: its word counts are what both backends' stored
    tokens are compared with."""
    made = EmbeddedBackend(tmp_path_factory.mktemp("reference") / "search.sqlite3")
    made.ensure_schema()
    made.index_batch(documents_from_articles(ARTICLES))
    yield made
    made.close()


@pytest.fixture(params=["word counts", "scan"])
def counting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(wb, "USE_WORD_COUNTS", request.param == "word counts")
    return str(request.param)


def q(text: str = "", **filters: object) -> SearchQuery:
    return SearchQuery.build(text, **filters)  # type: ignore[arg-type]


def _scanned_per_month(backend: SearchBackend, words: tuple[str, ...]) -> Counter[str]:
    """month -> occurrences counted from the stored tokens of every indexed article."""
    phrases = [(w,) for w in words]
    ids = [i for i, _ in backend.matches(q())]
    found: Counter[str] = Counter()
    for doc in backend.stored(ids):
        n = count_in_segmented(doc.title_segmented, phrases)
        n += count_in_segmented(doc.body_segmented, phrases)
        if n:
            found[(doc.published_date or "")[:7]] += n
    return found


def _query_words(backend: SearchBackend) -> set[str]:
    """Every stored token of the fixture and every word one of them is a compound of."""
    ids = [i for i, _ in backend.matches(q())]
    tokens = {
        t for d in backend.stored(ids) for t in f"{d.title_segmented} {d.body_segmented}".split()
    }
    return tokens | {w for t in tokens for w in compound_words(t)}


def test_counts_from_the_word_tables_equal_the_stored_tokens(
    backend: SearchBackend, reference: EmbeddedBackend
) -> None:
    """For every word of the fixture (tokens and compound parts) and OR pairs sharing a compound,
    the embedded word counts give the occurrences the stored tokens give, per month, on the
    embedded index and on Elasticsearch alike."""
    counts = reference.word_counts()
    assert counts is not None
    words = _query_words(backend)
    assert {"ข้าว", "มนตรี", "ท่องเที่ยว", "กีฬา", "พารา", "น้ำ", "ไฟ"} <= words
    queries = [(w,) for w in sorted(words)] + [
        ("รัฐมนตรี", "มนตรี"),
        ("นายก", "มนตรี", "รัฐมนตรี"),
        ("การท่องเที่ยว", "ท่องเที่ยว"),
        ("ท่องเที่ยว", "กีฬา"),
        ("ข้าว", "น้ำ"),
    ]
    for query in queries:
        from_tables = counts.occurrences_per_month(query)
        assert from_tables is not None
        assert Counter(from_tables) == _scanned_per_month(backend, query), query
    assert counts.occurrences_per_month(("ข้าว",)) == {"2024-01": 4, "2024-02": 2, "2024-03": 1}


@pytest.mark.parametrize("text", sorted(HAND_COUNTS))
def test_hand_counted_occurrences_in_trends_and_concordance(
    backend: SearchBackend, counting: str, text: str
) -> None:
    occurrences, articles = HAND_COUNTS[text]
    page = wb.kwic(backend, q(text, limit=2), context=1, sort="date")
    assert (page.total, page.articles) == (occurrences, articles)
    everything = wb.kwic(backend, q(text, limit=50), context=1, sort="date")
    assert len(everything.lines) == occurrences
    assert [_line(x) for x in page.lines] == [_line(x) for x in everything.lines[:2]]
    dated = sum(p.occurrences for p in wb.trends(backend, [text], q(), "year"))
    undated = sum(1 for x in everything.lines if x.published_date is None)
    assert dated == occurrences - undated


def _line(x: wb.KwicLine) -> tuple[int, str, str, str, str]:
    return (x.article_id, x.field, x.left, x.match, x.right)


def test_trends_and_first_page_with_compounds(backend: SearchBackend, counting: str) -> None:
    points = wb.trends(backend, ["ข้าว", "รัฐมนตรี OR มนตรี"], q(), "month")
    assert [(p.query, p.period, p.articles, p.occurrences, p.archived) for p in points] == [
        ("ข้าว", "2024-01", 1, 4, 2),
        ("ข้าว", "2024-02", 1, 2, 2),
        ("ข้าว", "2024-03", 1, 1, 1),
        ("รัฐมนตรี OR มนตรี", "2024-01", 1, 3, 2),
        ("รัฐมนตรี OR มนตรี", "2024-02", 0, 0, 2),
        ("รัฐมนตรี OR มนตรี", "2024-03", 0, 0, 1),
    ]
    # whole months from the filters: the total is read from the word counts when they are on
    february = wb.kwic(
        backend, q("ข้าว", date_from="2024-02", date_to="2024-03", limit=1), context=1, sort="date"
    )
    assert (february.total, february.articles) == (3, 2)
    assert [_line(x) for x in february.lines] == [(3003, "body", "", "ข้าว", "เสียหาย")]
    # a date range cutting a month: read from the articles, same rule
    cut = wb.kwic(
        backend, q("ข้าว", date_from="2024-01-05", date_to="2024-02-10"), context=1, sort="date"
    )
    assert (cut.total, cut.articles) == (6, 2)
    second = wb.kwic(backend, q("ข้าว", limit=2, offset=2), context=1, sort="date")
    assert [_line(x) for x in second.lines] == [
        (3001, "body", "และ", "ข้าวโพด", "ขาย"),
        (3001, "body", "ขาย", "ข้าวเหนียว", ""),
    ]
    assert second.total == 7


def test_word_part_rows_follow_replacements(tmp_path: Path) -> None:
    """A compound first counted by a replacement is recorded too; a removed one counts no more."""
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    backend.ensure_schema()
    backend.index_batch(documents_from_articles(ARTICLES))
    changed = {**ARTICLES[3], "body": "ข้าวหลาม ข้าวต้ม"}  # 3004: two new compounds of ข้าว
    backend.index_batch(documents_from_articles([changed]))
    backend.delete([3003])
    counts = backend.word_counts()
    assert counts is not None
    assert counts.occurrences_per_month(("ข้าว",)) == {"2024-01": 4, "2024-03": 2}
    assert counts.occurrences_per_month(("ข้าว",)) == dict(_scanned_per_month(backend, ("ข้าว",)))
    backend.close()


def _as_version_3(path: Path) -> None:
    """Make ``path`` look like an index written before the compound table (schema 3)."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE word_part")
        conn.execute("DELETE FROM meta WHERE key = ?", (PARTS_META_KEY,))
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def _version(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )


def test_a_version_3_index_is_read_and_migrated_by_the_first_writer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "search.sqlite3"
    fresh = EmbeddedBackend(path)
    fresh.ensure_schema()
    fresh.index_batch(documents_from_articles(ARTICLES))
    counts = fresh.word_counts()
    assert counts is not None
    expected = {w: counts.compounds([w]) for w in _query_words(fresh)}
    fresh.close()
    _as_version_3(path)

    reader = EmbeddedBackend(path, create=False)
    with caplog.at_level(logging.WARNING, logger="search.backends.embedded"):
        old = reader.word_counts()
    assert old is not None and old.occurrences_per_month(["ข้าว"]) is None
    assert "thaigov reindex" in caplog.text  # said, not silent
    # still the same figures, counted from the stored tokens
    assert wb.kwic(reader, q("ข้าว", limit=1), context=1, sort="date").total == 7
    assert _version(path) == "3"  # reading changed nothing
    reader.close()

    writer = EmbeddedBackend(path)
    writer.ensure_schema()
    assert _version(path) == SCHEMA_VERSION == "4"
    migrated = writer.word_counts()
    assert migrated is not None
    assert {w: migrated.compounds([w]) for w in expected} == expected
    assert migrated.occurrences_per_month(["ข้าว"]) == {"2024-01": 4, "2024-02": 2, "2024-03": 1}
    writer.ensure_schema()  # idempotent
    writer.close()


def test_an_index_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    made = EmbeddedBackend(path)
    made.ensure_schema()
    made.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(SchemaMismatch, match="reindex --all"):
        EmbeddedBackend(path).count()


def _corpus_articles(path: Path, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` usable articles of the corpus, dated as the importer dates them."""
    from pipelines.core.corpus_format import iter_corpus_records
    from pipelines.core.thai_dates import parse_thai_date

    found: dict[int, dict[str, Any]] = {}
    for record in iter_corpus_records(path):
        if record.article is None:
            continue
        article = record.article.as_dict()
        published = parse_thai_date(article.get("published_date_text"))
        article["published_date"] = published.isoformat() if published else None
        found.setdefault(article["article_id"], article)
        if len(found) >= limit:
            break
    return list(found.values())


@pytest.mark.corpus
def test_word_tables_equal_stored_tokens_on_real_articles(
    shared_corpus: Path, tmp_path: Path
) -> None:
    """On real articles (the shared corpus, 300 of them): for every word the compound table
    records, the table's occurrences per month equal the stored tokens' count, and every
    article holding an occurrence is one the search matches (so a concordance total read from
    the tables counts only matching articles)."""
    backend = EmbeddedBackend(tmp_path / "search.sqlite3")
    backend.ensure_schema()
    articles = _corpus_articles(shared_corpus, 300)
    assert backend.index_batch(documents_from_articles(articles)).failed == {}
    counts = backend.word_counts()
    assert counts is not None
    docs = list(backend.stored([i for i, _ in backend.matches(q())]))
    assert len(docs) == 300
    parts = sorted({w for d in docs for t in d.body_segmented.split() for w in compound_words(t)})
    assert len(parts) > 100  # real compounds, not a handful
    for part in parts:
        per_month: Counter[str] = Counter()
        holding: set[int] = set()
        for d in docs:
            n = count_in_segmented(d.title_segmented, [(part,)])
            n += count_in_segmented(d.body_segmented, [(part,)])
            if n:
                per_month[(d.published_date or "")[:7]] += n
                holding.add(d.article_id)
        assert Counter(counts.occurrences_per_month([part])) == per_month, part
        assert holding <= {i for i, _ in backend.matches(q(part))}, part
    backend.close()
