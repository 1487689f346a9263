"""The research workbench on both backends, against hand-counted answers.

Fixture: tests/workbench_fixtures.py (its docstring lists the counts used here). Every test runs
on the embedded index and on Elasticsearch; the same numbers are expected from both.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import pytest

from search.backends.base import SearchBackend
from search.core.corpus_stats import keyness_score, log_likelihood_2x2
from search.core.query import QueryError, SearchQuery
from search.services import workbench as wb
from search.services.documents import documents_from_articles
from tests.test_search_backends import BACKENDS, Backends, _backends
from tests.workbench_fixtures import ARTICLES


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchBackend]:
    factory: Backends = _backends(request.param, request, tmp_path_factory)
    yield factory.filled(ARTICLES)
    factory.cleanup()


@pytest.fixture(autouse=True, params=["word counts", "scan"])
def counting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every figure twice: from the index's word counts where it keeps them, and by reading
    the stored tokens; they must agree."""
    monkeypatch.setattr(wb, "USE_WORD_COUNTS", request.param == "word counts")
    return str(request.param)


def q(text: str = "", **filters: object) -> SearchQuery:
    return SearchQuery.build(text, **filters)  # type: ignore[arg-type]


def test_matches_and_stored_tokens(backend: SearchBackend) -> None:
    assert sorted(backend.matches(q("ข้าว"))) == [
        (2001, "2024-01-05"),
        (2002, "2024-01-20"),
        (2004, "2024-04-02"),
        (2005, "2023-12-28"),
    ]
    assert sorted(i for i, _ in backend.matches(q(categories="สังคม"))) == [
        2003,
        2005,
        2006,
        2007,
        2008,
    ]
    stored = {d.article_id: d for d in backend.stored([2008, 2006, 9999], text=True)}
    assert sorted(stored) == [2006, 2008]
    assert stored[2006].body_segmented == "ไม่ มี คำ ค้น"
    assert stored[2008].title_segmented == "นายกรัฐมนตรี พบ ประชาชน"
    assert stored[2008].title == "นายกรัฐมนตรีพบประชาชน"
    assert stored[2008].published_date is None


# --- trends ----------------------------------------------------------------------------------


def _rows(points: list[wb.TrendPoint]) -> list[tuple[str, str, int, int, int, float | None]]:
    return [
        (
            p.query,
            p.period,
            p.articles,
            p.occurrences,
            p.archived,
            None if p.per_1000 is None else round(p.per_1000, 3),
        )
        for p in points
    ]


def test_trends_by_month_count_articles_occurrences_and_rate(backend: SearchBackend) -> None:
    points = wb.trends(backend, ["ข้าว", "ยาง"], q(), "month")
    assert _rows(points) == [
        # archived per month: 2023-12 one (2005), 2024-01 three (2001 2002 2007),
        # 2024-02 two (2003 2006), 2024-03 none, 2024-04 one (2004); 2008 is undated.
        ("ข้าว", "2023-12", 1, 1, 1, 1000.0),
        ("ข้าว", "2024-01", 2, 4, 3, 666.667),  # 2001: 1 + 2, 2002: 1
        ("ข้าว", "2024-02", 0, 0, 2, 0.0),
        ("ข้าว", "2024-03", 0, 0, 0, None),  # nothing archived: no rate, not zero
        ("ข้าว", "2024-04", 1, 3, 1, 1000.0),
        ("ยาง", "2023-12", 0, 0, 1, 0.0),
        ("ยาง", "2024-01", 1, 3, 3, 333.333),
        ("ยาง", "2024-02", 0, 0, 2, 0.0),
        ("ยาง", "2024-03", 0, 0, 0, None),
        ("ยาง", "2024-04", 1, 2, 1, 1000.0),
    ]
    assert points[1].period_be == "2567-01"


def test_trends_by_quarter_and_year(backend: SearchBackend) -> None:
    assert _rows(wb.trends(backend, ["ข้าว"], q(), "quarter")) == [
        ("ข้าว", "2023-Q4", 1, 1, 1, 1000.0),
        ("ข้าว", "2024-Q1", 2, 4, 5, 400.0),
        ("ข้าว", "2024-Q2", 1, 3, 1, 1000.0),
    ]
    years = wb.trends(backend, ["ข้าว"], q(), "year")
    assert _rows(years) == [("ข้าว", "2023", 1, 1, 1, 1000.0), ("ข้าว", "2024", 2 + 1, 7, 6, 500.0)]
    assert [p.period_be for p in years] == ["2566", "2567"]


def test_trends_follow_the_search_filters(backend: SearchBackend) -> None:
    # Within เศรษฐกิจ only 2001, 2002 (2024-01) and 2004 (2024-04) are archived.
    assert _rows(wb.trends(backend, ["ข้าว"], q(categories="เศรษฐกิจ"), "month")) == [
        ("ข้าว", "2024-01", 2, 4, 2, 1000.0),
        ("ข้าว", "2024-02", 0, 0, 0, None),
        ("ข้าว", "2024-03", 0, 0, 0, None),
        ("ข้าว", "2024-04", 1, 3, 1, 1000.0),
    ]
    # A phrase and an OR query: each query is one series (OR does not merge two charts).
    rows = _rows(wb.trends(backend, ['"ราคา ข้าว"', "ท่องเที่ยว OR ยาง"], q(), "year"))
    assert rows == [
        ('"ราคา ข้าว"', "2023", 1, 1, 1, 1000.0),  # 2005 body
        ('"ราคา ข้าว"', "2024", 1, 1, 6, 166.667),  # 2001 title
        ("ท่องเที่ยว OR ยาง", "2023", 0, 0, 1, 0.0),
        ("ท่องเที่ยว OR ยาง", "2024", 3, 3 + 3 + 2, 6, 500.0),
    ]


def test_trend_input_is_checked() -> None:
    with pytest.raises(QueryError, match="at most 8"):
        wb.check_trend_queries([str(i) for i in range(9)])
    with pytest.raises(QueryError, match="at least one"):
        wb.check_trend_queries(["", "  "])
    with pytest.raises(QueryError) as refused:
        wb.check_interval("week")
    assert refused.value.param == "interval"


# --- concordance -----------------------------------------------------------------------------


def _lines(page: wb.KwicPage) -> list[tuple[int, str, str, str, str]]:
    return [(x.article_id, x.field, x.left, x.match, x.right) for x in page.lines]


def test_kwic_lists_every_occurrence_in_date_order(backend: SearchBackend) -> None:
    page = wb.kwic(backend, q("ข้าว", limit=50), context=2, sort="date")
    assert (page.total, page.articles) == (8, 4)
    assert _lines(page) == [
        (2005, "body", "ครม ราคา", "ข้าว", ""),
        (2001, "title", "ราคา", "ข้าว", ""),
        (2001, "body", "ชาวนา ขาย", "ข้าว", "ราคา ดี"),
        (2001, "body", "ราคา ดี", "ข้าว", "หอม ขาย"),
        (2002, "body", "ยาง เดือดร้อน", "ข้าว", "ราคา ดี"),
        (2004, "title", "ส่งออก", "ข้าว", "และ ยาง"),
        (2004, "body", "", "ข้าว", "ยาง ข้าว"),
        (2004, "body", "ข้าว ยาง", "ข้าว", ""),
    ]
    assert page.lines[0].published_date == "2023-12-28"


def test_kwic_pages_and_sorts_by_context(backend: SearchBackend) -> None:
    second = wb.kwic(backend, q("ข้าว", limit=3, offset=3), context=1, sort="date")
    assert second.total == 8
    assert _lines(second) == [
        (2001, "body", "ดี", "ข้าว", "หอม"),
        (2002, "body", "เดือดร้อน", "ข้าว", "ราคา"),
        (2004, "title", "ส่งออก", "ข้าว", "และ"),
    ]
    # Sorted by up to three words on one side (nearest first), in Thai dictionary order: a
    # leading vowel sorts after its consonant (เดือดร้อน under ด, และ under ล); nothing first.
    left = wb.kwic(backend, q("ข้าว", limit=50), context=1, sort="left")
    assert [x.left for x in left.lines] == [
        "", "ขาย", "ดี", "เดือดร้อน", "ยาง", "ราคา", "ราคา", "ส่งออก",
    ]  # fmt: skip
    right = wb.kwic(backend, q("ข้าว", limit=50), context=1, sort="right")
    assert [x.right for x in right.lines] == ["", "", "", "ยาง", "ราคา", "ราคา", "และ", "หอม"]
    assert right.total == 8


def test_kwic_cuts_whole_words_from_unspaced_thai(backend: SearchBackend) -> None:
    page = wb.kwic(backend, q("ประชาชน", limit=10), context=2, sort="date")
    assert _lines(page) == [
        (2008, "title", "นายกรัฐมนตรีพบ", "ประชาชน", ""),
        (2008, "body", "เพื่อพบ", "ประชาชน", "และเกษตรกร"),
        (2008, "body", "กลับมาพบ", "ประชาชน", "อีกครั้ง"),
    ]
    phrase = wb.kwic(backend, q('"พบ ประชาชน"', limit=10), context=1, sort="date")
    assert [(x.left, x.match, x.right) for x in phrase.lines] == [
        ("นายกรัฐมนตรี", "พบประชาชน", ""),
        ("เพื่อ", "พบประชาชน", "และ"),
        ("กลับมา", "พบประชาชน", "อีกครั้ง"),
    ]


# --- collocations ----------------------------------------------------------------------------


def test_collocations_against_hand_counts(backend: SearchBackend) -> None:
    result = wb.collocation_table(
        backend, q("ข้าว"), window=1, measure="ll", min_count=1, use_stopwords=False
    )
    # Windows of one word each side of the 8 occurrences (see the KWIC test above): R1 = 12.
    assert (result.node_occurrences, result.corpus_tokens) == (8, 70)
    counts = {a.word: (a.count, a.frequency) for a in result.rows}
    assert counts == {
        "ราคา": (4, 5),
        "ยาง": (2, 5),
        "ขาย": (1, 2),
        "ดี": (1, 4),
        "หอม": (1, 1),
        "เดือดร้อน": (1, 1),
        "ส่งออก": (1, 1),
        "และ": (1, 2),
    }
    raka = next(a for a in result.rows if a.word == "ราคา")
    # O11 = 4, O12 = 12 - 4, O21 = 5 - 4, O22 = 70 - 12 - 5 + 4; E11 = 12 * 5 / 70.
    assert raka.log_likelihood == pytest.approx(log_likelihood_2x2(4, 8, 1, 57))
    assert raka.mutual_information == pytest.approx(math.log2(4 / (12 * 5 / 70)))
    assert result.rows[0].word == "ราคา"  # highest G²
    by_mi = wb.collocation_table(
        backend, q("ข้าว"), window=1, measure="mi", min_count=1, use_stopwords=False
    )
    # MI favours words seen once and only near the node: log2(70 / 12) for all three, then
    # ราคา with log2(4 / (60 / 70)).
    assert [a.word for a in by_mi.rows[:4]] == ["ส่งออก", "หอม", "เดือดร้อน", "ราคา"]
    assert by_mi.rows[0].mutual_information == pytest.approx(math.log2(70 / 12))


def test_collocation_thresholds_and_stopwords(backend: SearchBackend) -> None:
    result = wb.collocation_table(backend, q("ข้าว"), window=1, measure="ll", min_count=2)
    words = [a.word for a in result.rows]
    assert "ราคา" in words and "ยาง" in words
    assert "และ" not in words  # a Thai stopword (PyThaiNLP's list), and seen once only
    assert all(a.count >= 2 for a in result.rows)


# --- keyness and word lists ------------------------------------------------------------------


def test_keyness_of_two_date_ranges(backend: SearchBackend) -> None:
    target = wb.frequencies(backend, q(date_from="2024-01", date_to="2024-01"))
    reference = wb.frequencies(backend, q(date_from="2024-02", date_to="2024-04"))
    # January: 2001 (11) + 2002 (11) + 2007 (6) = 28 tokens; February-April: 7 + 5 + 7 = 19.
    assert (target[1], reference[1]) == (28, 19)
    rows = wb.keyness_table(target, reference, min_count=2, use_stopwords=False)
    by_word = {k.word: k for k in rows}
    # ราคา: 4 in January (2001: 2, 2002: 2), none in February-April.
    raka = by_word["ราคา"]
    assert (raka.target_count, raka.reference_count) == (4, 0)
    ll, ratio = keyness_score(4, 0, 28, 19)
    assert raka.log_likelihood == pytest.approx(ll)
    assert raka.log_ratio == pytest.approx(math.log2((4 / 28) / (0.5 / 19)))
    assert ratio == pytest.approx(raka.log_ratio)
    # ข้าว: 4 in January, 3 in February-April.
    assert (by_word["ข้าว"].target_count, by_word["ข้าว"].reference_count) == (4, 3)
    assert rows[0].log_likelihood >= rows[-1].log_likelihood


def test_keyness_of_a_query_against_the_rest_and_tnc(backend: SearchBackend) -> None:
    target = wb.frequencies(backend, q("ยาง"))  # 2002 (11) and 2004 (7)
    whole = wb.frequencies(backend, q())
    rest = wb.subtract(whole[0], target[0])
    assert (target[1], rest[1]) == (18, 70 - 18)
    rows = {k.word: k for k in wb.keyness_table(target, rest, min_count=1, use_stopwords=False)}
    assert (rows["ยาง"].target_count, rows["ยาง"].reference_count) == (5, 0)
    tnc = wb.tnc_frequencies()
    assert tnc["ข้าว"] > 1000  # the national corpus knows common words
    against_tnc = wb.keyness_table(target, (tnc, sum(tnc.values())), min_count=1)
    assert against_tnc and all(k.word != "และ" for k in against_tnc)


def test_word_list(backend: SearchBackend) -> None:
    counts, size = wb.frequencies(backend, q(categories="เศรษฐกิจ"))
    assert size == 11 + 11 + 7
    rows = wb.word_list(counts, min_count=2, use_stopwords=False)
    assert rows == [("ข้าว", 7), ("ยาง", 5), ("ราคา", 4), ("ดี", 3), ("ขาย", 2)]
    assert sum(Counter(dict(rows)).values()) == 21


def test_word_counts_follow_replacements_and_deletions(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from search.backends.embedded import EmbeddedBackend

    backend = EmbeddedBackend(tmp_path_factory.mktemp("counts") / "search.sqlite3")
    backend.ensure_schema()
    backend.index_batch(documents_from_articles(ARTICLES))
    changed = {**ARTICLES[0], "body": "ข้าว ข้าว", "published_date": "2024-02-01"}
    backend.index_batch(documents_from_articles([changed]))  # 2001 moves to February
    assert backend.delete([2004, 4242]) == 1
    counts = backend.word_counts()
    assert counts is not None
    assert counts.per_month(["ข้าว"]) == {
        "2023-12": Counter({"ข้าว": 1}),
        "2024-01": Counter({"ข้าว": 1}),  # 2002 only
        "2024-02": Counter({"ข้าว": 3}),  # 2001: title 1 + body 2
    }
    assert counts.size() == 70 - 11 - 7 + 2 + 2
    assert counts.months() == ["", "2023-12", "2024-01", "2024-02"]
    scanned = wb._count(backend, [i for i, _ in backend.matches(SearchQuery())])
    assert (counts.frequencies(), counts.size()) == scanned
    backend.close()


def test_an_index_written_before_word_counts_is_not_trusted(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import sqlite3

    from search.backends.embedded import EmbeddedBackend

    path = tmp_path_factory.mktemp("old") / "search.sqlite3"
    backend = EmbeddedBackend(path)
    backend.ensure_schema()
    backend.index_batch(documents_from_articles(ARTICLES))
    backend.close()
    with sqlite3.connect(path) as conn:  # as an index from before this feature: no marker
        conn.execute("DELETE FROM meta WHERE key = 'word_stats'")
    reopened = EmbeddedBackend(path)
    assert reopened.word_counts() is None
    assert wb.frequencies(reopened, SearchQuery())[1] == 70  # counted from the stored tokens
    reopened.close()


def test_occurrences_follow_compound_parts_when_the_index_matches_them(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Compound matching (issue 12): a word also occurs inside the compounds the index matches it
    in (``occurrences.token_parts`` is the index's ``word_parts``), in counts, concordance lines
    and windows alike, with the word counts per month on or off."""
    from search.backends.embedded import EmbeddedBackend
    from search.core import occurrences
    from search.core.segment import word_parts

    assert occurrences.COMPOUND_PARTS
    assert occurrences.token_parts("ข้าวเหนียว") == word_parts("ข้าวเหนียว") == ("ข้าว",)
    backend = EmbeddedBackend(tmp_path_factory.mktemp("parts") / "search.sqlite3")
    backend.ensure_schema()
    article = {**ARTICLES[0], "title": "ตลาด", "body": "ชาวนาขายข้าวหอมมะลิและข้าวเหนียว ราคาข้าวสูง"}
    only_compound = {
        **ARTICLES[1],
        "title": "ตลาดนัด",
        "body": "ชาวนาขายข้าวเหนียวมะม่วง",
        "published_date": ARTICLES[0]["published_date"],
    }
    backend.index_batch(documents_from_articles([article, only_compound]))
    # stored tokens: ชาวนา ขาย ข้าว หอมมะลิ และ ข้าวเหนียว ราคา ข้าว สูง
    matched = {i for i, _ in backend.matches(q("ข้าว"))}
    assert matched == {article["article_id"], only_compound["article_id"]}
    # the article matched only through a part holds an occurrence too (never zero)
    both = wb.kwic(backend, q("ข้าว", limit=10), context=1, sort="date")
    assert both.total == 4 and both.articles == 2
    assert {x.article_id for x in both.lines} == matched
    backend.delete([only_compound["article_id"]])
    parts = wb.kwic(backend, q("ข้าว", limit=10), context=1, sort="date")
    assert parts.total == 3
    assert [(x.left, x.match, x.right) for x in parts.lines] == [
        ("ขาย", "ข้าว", "หอมมะลิ"),
        ("และ", "ข้าวเหนียว", "ราคา"),
        ("ราคา", "ข้าว", "สูง"),
    ]
    points = wb.trends(backend, ["ข้าว"], q(), "year")
    assert [(p.articles, p.occurrences) for p in points] == [(1, 3)]
    result = wb.collocation_table(
        backend, q("ข้าว"), window=1, measure="ll", min_count=1, use_stopwords=False
    )
    assert {a.word: a.count for a in result.rows} == {
        "ขาย": 1,
        "หอมมะลิ": 1,
        "และ": 1,
        "ราคา": 2,
        "สูง": 1,
    }
    backend.close()
