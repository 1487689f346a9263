"""Query parsing: syntax to token tuples, hostile input neutralised, filters and bounds."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.core.query import (
    MAX_CLAUSES,
    MAX_LIMIT,
    MAX_WINDOW,
    AnyOf,
    Clause,
    DateFilterError,
    SearchQuery,
    Term,
    leaves,
    parse_date_filter,
    parse_query,
)
from search.core.segment import tokenize


def is_word(token: str) -> bool:
    """Letters, combining marks (Thai vowels and tones) and digits only."""
    return bool(token) and all(unicodedata.category(c)[0] in "LMN" for c in token)


def test_bare_thai_run_requires_each_word() -> None:
    parsed = parse_query("ประชุมคณะรัฐมนตรี")
    assert parsed.terms == ("ประชุม", "คณะรัฐมนตรี")
    assert parsed.phrases == () and parsed.or_groups == ()


def test_quoted_text_is_a_phrase() -> None:
    parsed = parse_query('"ราคายาง" covid')
    assert parsed.phrases == (("ราคา", "ยาง"),)
    assert parsed.terms == ("covid",)


def test_minus_excludes_words_and_phrases() -> None:
    parsed = parse_query('ยาง -ราคา -"น้ำ ท่วม"')
    assert parsed.terms == ("ยาง",)
    assert parsed.excluded == (("ราคา",), ("น้ำ", "ท่วม"))


def test_or_joins_neighbours_and_chains() -> None:
    parsed = parse_query('ตาก OR ยา OR "prime minister" ข้าว')
    assert parsed.or_groups == ((("ตาก",), ("ยา",), ("prime", "minister")),)
    assert parsed.terms == ("ข้าว",)


def test_hyphen_inside_a_word_is_not_an_exclusion() -> None:
    parsed = parse_query("COVID-19")
    assert parsed.terms == ("covid19",) and parsed.excluded == ()


def test_dangling_or_and_keywords_are_ignored() -> None:
    parsed = parse_query("OR ยาง AND OR")
    assert parsed.clauses == (Clause((("ยาง",),)),)


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', 'a "b', "*", "title:x AND (y OR z)^3", "\\", "~/.*", '"""', "- -- -"],
)
def test_hostile_syntax_becomes_plain_tokens(text: str) -> None:
    parsed = parse_query(text)
    for clause in parsed.clauses:
        for alternative in clause.alternatives:
            assert all(is_word(t) for t in alternative)


def test_ten_kilobytes_are_bounded() -> None:
    parsed = parse_query("รัฐบาล " * 1500 + " ".join(f"w{i}" for i in range(500)))
    assert parsed.truncated
    assert len(parsed.clauses) <= MAX_CLAUSES


@given(st.text(max_size=300))
def test_parse_never_raises_and_yields_only_word_tokens(text: str) -> None:
    parsed = parse_query(text)
    for phrase in [*parsed.excluded, *(a for c in parsed.clauses for a in c.alternatives)]:
        assert phrase and all(is_word(token) for token in phrase)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-02-10", date(2024, 2, 10), date(2024, 2, 10)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2567", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2567-03-01", date(2024, 3, 1), date(2024, 3, 1)),
        ("1 ม.ค. 67", date(2024, 1, 1), date(2024, 1, 1)),
        ("มีนาคม 2567", date(2024, 3, 1), date(2024, 3, 31)),
    ],
)
def test_date_filters_accept_iso_buddhist_era_and_thai(text: str, start: date, end: date) -> None:
    assert parse_date_filter(text) == start
    assert parse_date_filter(text, end=True) == end


@pytest.mark.parametrize("text", ["yesterday-ish", "2024-13-01", "32 ม.ค. 67"])
def test_unrecognised_dates_raise_a_clear_error(text: str) -> None:
    with pytest.raises(DateFilterError):
        parse_date_filter(text)


def test_build_clamps_pagination_and_cleans_filters() -> None:
    q = SearchQuery.build(
        "ยาง", date_to="2567", categories=[" ด้านเศรษฐกิจ ", ""], lang=" TH ", limit=10**6
    )
    assert q.limit == MAX_LIMIT
    assert q.date_to == date(2024, 12, 31)
    assert q.categories == ("ด้านเศรษฐกิจ",)
    assert q.lang == "th"
    deep = SearchQuery.build("ยาง", offset=10**9, limit=50)
    assert deep.offset + deep.limit == MAX_WINDOW
    assert SearchQuery.build("x", limit=0, offset=-5).limit == 1


def test_unknown_sort_is_rejected() -> None:
    with pytest.raises(ValueError, match="sort"):
        SearchQuery.build("x", sort="random")


def test_page_reparses_nothing_new_and_keeps_filters() -> None:
    q = SearchQuery.build("ยาง", categories="ด้านสังคม", limit=5)
    nxt = q.page(5)
    assert (nxt.offset, nxt.limit, nxt.categories, nxt.parsed) == (5, 5, q.categories, q.parsed)


def test_pasted_text_keeps_curly_quotes_and_hyphens_as_plain_text() -> None:
    parsed = parse_query("สู้ภัยโควิด -19 กิจกรรม “สวดมนต์ข้ามปี”-“ของขวัญปีใหม่”")
    assert parsed.excluded == () and parsed.phrases == ()
    assert {"19", "สวดมนต์", "ของขวัญ"} <= set(parsed.terms)


def test_query_is_segmented_in_context_like_the_indexed_text() -> None:
    title = "ชิงถ้วยพระราชทานสมเด็จพระกนิษฐาธิราชเจ้า กรมสมเด็จพระเทพรัตนราชสุดาฯ"
    assert list(parse_query(title).terms) == list(dict.fromkeys(tokenize(title)))


# --- the query language of issue 12 ---------------------------------------------------------


def test_parentheses_group_and_title_and_proximity_build_a_tree() -> None:
    parsed = parse_query('title:ยาง (ราคา OR ตาก) -(ฝน OR น้ำ) "ราคา ยาง"~5')
    assert parsed.must == (
        Term(("ยาง",), "title"),
        AnyOf((Term(("ราคา",)), Term(("ตาก",)))),
        Term(("ราคา", "ยาง"), slop=5),
    )
    assert parsed.must_not == (AnyOf((Term(("ฝน",)), Term(("น้ำ",)))),)


def test_a_group_in_an_and_context_is_flattened() -> None:
    parsed = parse_query("ราคา (ยาง -ปาล์ม)")
    assert parsed.must == (Term(("ราคา",)), Term(("ยาง",)))
    assert parsed.must_not == (Term(("ปาล์ม",)),)


def test_a_pasted_headline_keeps_every_word_in_the_sequence() -> None:
    """Headline punctuation is not syntax: "!" is not NOT, "(IFC)" stays in the typed order."""
    for title in [
        "เริ่มวันนี้ ! รัฐบาลชวนประชาชน",
        "ร่วมลงนามกับบรรษัทการเงินระหว่างประเทศ (IFC) เน้นย้ำ",
        "รถไฟฟ้าสายสีส้ม - มีนบุรี (สุวินทวงศ์)",
    ]:
        parsed = parse_query(title)
        assert parsed.must_not == ()
        assert parsed.sequence == tuple(tokenize(title))


@pytest.mark.parametrize("text", ["((((ยาง", "ยาง)", ")(", "title:", "title:(", '""~3', "-(-ยาง)"])
def test_unbalanced_or_empty_syntax_never_raises(text: str) -> None:
    parsed = parse_query(text)
    assert all(is_word(t) for node in parsed.must for leaf in leaves(node) for t in leaf.tokens)
