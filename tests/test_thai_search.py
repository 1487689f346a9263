"""Issue 12 rules on both backends at once: every query must give the same hit set in the
embedded index and in Elasticsearch, and that set must be the one the fixtures were written for
(tests/thai_search_fixtures.py says why each answer is right)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from search.backends.base import SearchBackend
from search.backends.embedded import EmbeddedBackend
from search.cli import app
from search.core.query import SearchQuery
from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START
from search.services.suggest import did_you_mean
from tests.search_fixtures import indexed_pair
from tests.thai_search_fixtures import THAI_ARTICLES

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def pair(
    elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SearchBackend, SearchBackend]]:
    """The fixture articles in an embedded index and in an Elasticsearch index."""
    prefix = f"thaigov-test-thai-{uuid.uuid4().hex[:10]}"
    directory = Path(tmp_path_factory.mktemp("thai"))
    with indexed_pair(elasticsearch_url, directory, prefix, THAI_ARTICLES) as backends:
        yield backends


def hits(pair: tuple[SearchBackend, SearchBackend], text: str) -> list[int]:
    """Ids in relevance order (embedded), after checking both backends match the same set."""
    q = SearchQuery.build(text, limit=50)
    embedded, elastic = (backend.search(q) for backend in pair)
    assert {h.article_id for h in embedded.hits} == {h.article_id for h in elastic.hits}, text
    assert embedded.total == elastic.total == pair[0].count(q) == pair[1].count(q), text
    return [h.article_id for h in embedded.hits]


# --- compounds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ท่องเที่ยว", {2001, 2002}),  # also inside การท่องเที่ยว / นักท่องเที่ยว (2001)
        ("สาธารณสุข", {2003}),  # only inside กระทรวงสาธารณสุข
        ("ดิจิทัล", {2004}),  # only inside กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม
        ("กระทรวงสาธารณสุข", {2003}),  # a compound query still finds the compound
        ("กระทรวง", {2001, 2003, 2004}),  # the head of three ministry names
        ("รัฐมนตรี", {2006}),  # inside คณะรัฐมนตรี
    ],
)
def test_a_word_finds_the_compounds_that_contain_it(
    pair: tuple[SearchBackend, SearchBackend], query: str, expected: set[int]
) -> None:
    assert set(hits(pair, query)) == expected


def test_whole_word_matches_rank_above_part_matches(
    pair: tuple[SearchBackend, SearchBackend],
) -> None:
    # 2001 names ท่องเที่ยว twice as a part, once in its title (weighted up); 2002 as a word.
    assert hits(pair, "ท่องเที่ยว")[0] == 2002
    for backend in pair:
        ranked = backend.search(SearchQuery.build("ท่องเที่ยว"))
        assert [h.article_id for h in ranked.hits] == [2002, 2001], backend.name


@pytest.mark.parametrize(
    ("query", "not_expected"),
    [
        ("นา", {2006, 2007}),  # นายก, นาที (2006); ไถนา, ไร่นา hold นา as a syllable (2007)
        ("มน", {2006}),  # รัฐมนตรี
        ("ยา", {2008}),  # ยาง, ยางพารา, สวนยาง
        ("ยก", {2006}),  # นายก
    ],
)
def test_syllables_never_match_inside_other_words(
    pair: tuple[SearchBackend, SearchBackend], query: str, not_expected: set[int]
) -> None:
    assert not set(hits(pair, query)) & not_expected


def test_a_one_syllable_word_still_matches_where_it_is_a_word(
    pair: tuple[SearchBackend, SearchBackend],
) -> None:
    assert set(hits(pair, "ยา")) == {2009}


def test_parts_are_highlighted_inside_the_compound(
    pair: tuple[SearchBackend, SearchBackend],
) -> None:
    for backend in pair:
        hit = backend.search(SearchQuery.build("สาธารณสุข")).hits[0]
        assert hit.title == "กระทรวงสาธารณสุขเตือนฝุ่น PM2.5"
        q = SearchQuery.build("ท่องเที่ยว")
        snippet = next(h for h in backend.search(q).hits if h.article_id == 2001).snippet
        assert f"นัก{HIGHLIGHT_START}ท่องเที่ยว{HIGHLIGHT_END}ต่างชาติ" in snippet, backend.name


# --- mixed scripts and abbreviations -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("5G", {2004, 2010}),  # not 2005 (G-Wallet ... 5 ช่องทาง)
        ("5g", {2004, 2010}),
        ("PM2.5", {2003}),
        ('"PM 2.5"', {2003}),  # typed with a space: a phrase of the term's parts
        ("pm", {2003}),
        ("COVID-19", {2010}),
        ("covid19", {2010}),
        ("covid", {2010}),  # a part of COVID-19
        ("G20", {2010}),
        ("wallet", {2005}),  # letter-only hyphenations stay separate words
        ("นายกฯ", {2006}),
        ("นายก", {2006}),  # the word inside นายกฯ
        ("ครม.", {2006}),
        ("ครม", {2006}),
    ],
)
def test_mixed_script_and_abbreviated_terms_are_whole_and_normalised(
    pair: tuple[SearchBackend, SearchBackend], query: str, expected: set[int]
) -> None:
    assert set(hits(pair, query)) == expected


# --- query language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("(ท่องเที่ยว OR สาธารณสุข) กระทรวง", {2001, 2003}),
        ("กระทรวง -(ท่องเที่ยว OR ดิจิทัล)", {2003}),
        ("กระทรวง NOT ดิจิทัล", {2001, 2003}),
        ("title:5G", {2004}),  # 2010 names 5G in its body only
        ("title:(ประยุทธ์ OR นายกฯ)", {2006, 2011, 2012}),
        ('title:"ประยุทธ์ ลง"', {2011}),
        ('"ฝุ่น มาตรฐาน"~2', {2003}),  # ฝุ่น pm25 เกิน มาตรฐาน: two words between
        ('"มาตรฐาน ฝุ่น"~2', {2003}),  # any order
        ('"ฝุ่น มาตรฐาน"~1', set()),
        ('"ประชาชน ควร"', {2003}),
        ('"ควร ประชาชน"', set()),
        ("(ยา OR ยาง) -ราคา", {2009}),
        ("((((ยา", {2009}),  # unbalanced parentheses are closed at the end
        ("ยา)", {2009}),
    ],
)
def test_query_language_is_the_same_in_both_backends(
    pair: tuple[SearchBackend, SearchBackend], query: str, expected: set[int]
) -> None:
    assert set(hits(pair, query)) == expected


def test_counts_and_aggregations_use_the_same_matching(
    pair: tuple[SearchBackend, SearchBackend],
) -> None:
    q = SearchQuery.build("กระทรวง -ดิจิทัล")
    for backend in pair:
        aggs = backend.aggregate(q)
        assert sum(n for _, n in aggs.per_month) == backend.count(q) == 2
        assert aggs.per_category == [("ข่าวทดสอบ", 2)]


# --- did you mean ----------------------------------------------------------------------------


def test_a_misspelling_gets_a_suggestion_from_the_index_vocabulary(
    pair: tuple[SearchBackend, SearchBackend],
) -> None:
    for backend in pair:
        q = SearchQuery.build("ประยุทธ")  # without its final mark
        suggestions = did_you_mean(backend, q)
        assert [(s.text, s.total) for s in suggestions] == [("ประยุทธ์", 3)], backend.name
        assert did_you_mean(backend, SearchQuery.build("ประยุทธ์")) == []


def test_well_spelt_queries_get_no_suggestion(pair: tuple[SearchBackend, SearchBackend]) -> None:
    for backend in pair:
        assert did_you_mean(backend, SearchQuery.build("ท่องเที่ยว")) == []
        assert did_you_mean(backend, SearchQuery.build("")) == []


def test_the_cli_prints_the_suggestion(pair: tuple[SearchBackend, SearchBackend]) -> None:
    embedded = pair[0]
    assert isinstance(embedded, EmbeddedBackend)
    env = {"THAIGOV_SEARCH_PATH": str(embedded.path), "THAIGOV_ELASTICSEARCH_URL": ""}
    result = CliRunner().invoke(app, ["search", "ประยุทธ", "--json"], env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1] == {"did_you_mean": "ประยุทธ์", "total": 3}
    table = CliRunner().invoke(app, ["search", "ประยุทธ"], env=env, terminal_width=200)
    assert "Did you mean" in table.output and "ประยุทธ์" in table.output
