"""Query parsing: syntax to token tuples, hostile input neutralised, filters and bounds."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.core.query import (
    LANGS,
    MAX_CLAUSES,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MAX_WINDOW,
    PARAMS,
    SORTS,
    AnyOf,
    Clause,
    DateFilterError,
    QueryError,
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


def test_build_cleans_filters_and_refuses_pages_outside_the_window() -> None:
    # The builder used to clamp a limit or an offset out of range; it now refuses them, with the
    # parameter named, so no surface silently answers a different question than was asked.
    q = SearchQuery.build(
        "ยาง", date_to="2567", categories=[" ด้านเศรษฐกิจ ", ""], lang=" TH ", limit=MAX_LIMIT
    )
    assert q.limit == MAX_LIMIT
    assert q.date_to == date(2024, 12, 31)
    assert q.categories == ("ด้านเศรษฐกิจ",)
    assert q.lang == "th"
    deep = SearchQuery.build("ยาง", offset=MAX_WINDOW - 50, limit=50)
    assert deep.offset + deep.limit == MAX_WINDOW
    for kwargs, param in (
        ({"limit": 10**6}, "limit"),
        ({"offset": 10**9, "limit": 50}, "offset"),
        ({"limit": 0}, "limit"),
        ({"offset": -5}, "offset"),
    ):
        with pytest.raises(QueryError) as info:
            SearchQuery.build("x", **kwargs)  # type: ignore[arg-type]
        assert info.value.param == param


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


# --- the query builder: one validation, one message per fault -----------------------------------

REFUSALS: list[tuple[dict[str, Any], str, str]] = [
    ({"lang": "fr"}, "lang", "lang must be th or en, not 'fr'"),
    ({"sort": "random"}, "sort", "sort must be relevance, newest or oldest, not 'random'"),
    ({"limit": "ten"}, "limit", "limit must be a whole number from 1 to 100, not 'ten'"),
    ({"limit": 101}, "limit", "limit must be a whole number from 1 to 100, not '101'"),
    ({"limit": "2.5"}, "limit", "limit must be a whole number from 1 to 100, not '2.5'"),
    ({"offset": "-1"}, "offset", "offset must be a whole number 0 or more, not '-1'"),
    (
        {"offset": "9981"},
        "offset",
        "offset + limit must be at most 10,000 (export the rest with thaigov export), "
        "not 9,981 + 20",
    ),
    ({"page": "0"}, "page", "page must be a whole number from 1 to 500, not '0'"),
    ({"page": "501"}, "page", "page must be a whole number from 1 to 500, not '501'"),
    ({"page": "2", "offset": "20"}, "page", "give page or offset, not both"),
    (
        {"date_from": "2568", "date_to": "2567"},
        "to",
        "the end date 2024-12-31 is before the start date 2025-01-01",
    ),
    (
        {"date_from": "soon"},
        "from",
        "unrecognised date 'soon' (try 2024-01-31, 2567 or 1 ม.ค. 67)",
    ),
    (
        {"date_to": "2024-02-30"},
        "to",
        "unrecognised date '2024-02-30' (try 2024-01-31, 2567 or 1 ม.ค. 67)",
    ),
    ({"date_to": "1" * 41}, "to", "to must be a date of at most 40 characters"),
    ({"q": "ก" * 2001}, "q", "the search text is 2,001 characters long; the limit is 2,000"),
    (
        {"categories": [f"หมวด {i}" for i in range(51)]},
        "category",
        "at most 50 categories can be combined, not 51",
    ),
]


@pytest.mark.parametrize(("kwargs", "param", "message"), REFUSALS)
def test_builder_refuses_with_the_parameter_and_one_message(
    kwargs: dict[str, Any], param: str, message: str
) -> None:
    with pytest.raises(QueryError) as info:
        SearchQuery.build(**kwargs)
    assert (info.value.param, info.value.message, str(info.value)) == (param, message, message)
    assert info.value.param in PARAMS


def test_builder_accepts_the_bounds_themselves() -> None:
    assert SearchQuery.build(limit="1").limit == 1
    assert SearchQuery.build(limit=" 100 ").limit == MAX_LIMIT
    edge = SearchQuery.build(limit="20", offset=str(MAX_WINDOW - 20))
    assert edge.offset + edge.limit == MAX_WINDOW
    last = SearchQuery.build(page=str(MAX_WINDOW // 20), limit=20)
    assert last.offset == MAX_WINDOW - 20
    assert len(SearchQuery.build("ก" * MAX_QUERY_CHARS).text) == MAX_QUERY_CHARS
    same_day = SearchQuery.build(date_from="2024-02-29", date_to="29 ก.พ. 2567")
    assert same_day.date_from == same_day.date_to == date(2024, 2, 29)
    assert len(SearchQuery.build(categories=[f"หมวด {i}" for i in range(50)]).categories) == 50


def test_builder_defaults_for_empty_values() -> None:
    empty = SearchQuery.build(
        "", date_from="", date_to=" ", categories=[], lang="", sort="", limit="", offset="", page=""
    )
    assert (empty.limit, empty.offset, empty.sort, empty.lang) == (20, 0, "relevance", None)
    assert (empty.date_from, empty.date_to, empty.categories) == (None, None, ())
    assert SearchQuery.build(None) == SearchQuery.build("")


def test_page_is_the_alternative_to_offset() -> None:
    assert SearchQuery.build(page="3", limit="20").offset == 40
    assert SearchQuery.build(page=1, offset="0").offset == 0  # offset 0 is "not given"


def test_buddhist_common_and_thai_dates_build_the_same_query() -> None:
    forms = [
        ("2567", "2567"),
        ("2024", "2024-12-31"),
        ("2567-01-01", "2567-12"),
        ("1 ม.ค. 2567", "31 ธ.ค. 67"),
        ("มกราคม 2567", "ธันวาคม 2567"),
    ]
    built = {SearchQuery.build("ข้าว", date_from=a, date_to=b) for a, b in forms}
    assert len(built) == 1
    (query,) = built
    assert (query.date_from, query.date_to) == (date(2024, 1, 1), date(2024, 12, 31))


def test_categories_are_canonicalised_like_the_record() -> None:
    query = SearchQuery.build(categories=["  ด้าน\tสังคม ", "ด้าน สังคม", "", "ด้านเศรษฐกิจ"])
    assert query.categories == ("ด้าน สังคม", "ด้านเศรษฐกิจ")
    assert SearchQuery.build(categories="\u00a0ด้านสังคม").categories == ("ด้านสังคม",)


def test_direct_construction_keeps_the_invariants_with_the_same_messages() -> None:
    """Code building a SearchQuery itself (export's month pages, ``page()``) gets the builder's
    refusal, never a silently clamped page."""
    for kwargs in ({"limit": 0}, {"offset": -1}, {"limit": 50, "offset": MAX_WINDOW - 49}):
        with pytest.raises(QueryError) as direct:
            SearchQuery("x", **kwargs)  # type: ignore[arg-type]
        with pytest.raises(QueryError) as built:
            SearchQuery.build("x", **kwargs)  # type: ignore[arg-type]
        assert (direct.value.param, direct.value.message) == (
            built.value.param,
            built.value.message,
        )
    with pytest.raises(QueryError, match="lang must be th or en, not 'TH'"):
        SearchQuery("x", lang="TH")  # backends compare the code as is
    with pytest.raises(QueryError, match="before the start date"):
        SearchQuery(date_from=date(2025, 1, 1), date_to=date(2024, 12, 31))
    with pytest.raises(QueryError) as bad_page:
        SearchQuery.build("x", limit=50).page(MAX_WINDOW)
    assert bad_page.value.param == "offset"


_raw = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", "0", "-1", "20", "100", "101", "9990", "2567", "2024-02", "th", "EN"]
    ),
    st.integers(min_value=-(10**6), max_value=10**6),
)


@given(
    q=st.one_of(st.none(), st.text(max_size=40), st.just("ข" * (MAX_QUERY_CHARS + 1))),
    date_from=st.one_of(_raw, st.sampled_from(["1 ม.ค. 67", "มีนาคม 2567", "31/1/2567"])),
    date_to=st.one_of(_raw, st.sampled_from(["2566", "2024-13-01", "32 ม.ค. 67"])),
    categories=st.lists(st.text(max_size=8), max_size=4),
    lang=_raw,
    sort=st.one_of(_raw, st.sampled_from(SORTS)),
    limit=_raw,
    offset=_raw,
    page=_raw,
)
def test_builder_answers_any_input_with_a_valid_query_or_a_query_error(**raw: Any) -> None:
    for key in ("date_from", "date_to", "lang", "sort"):
        if isinstance(raw[key], int):
            raw[key] = str(raw[key])
    try:
        query = SearchQuery.build(**raw)
    except QueryError as exc:
        assert exc.param in PARAMS and exc.message and "\n" not in exc.message
        return
    assert 1 <= query.limit <= MAX_LIMIT and query.offset >= 0
    assert query.offset + query.limit <= MAX_WINDOW
    assert query.sort in SORTS and query.lang in (None, *LANGS)
    assert len(query.text) <= MAX_QUERY_CHARS
    if query.date_from and query.date_to:
        assert query.date_from <= query.date_to
    assert all(c and c == " ".join(c.split()) for c in query.categories)


@pytest.mark.parametrize(
    ("text", "must"),
    [
        ("โควิด-19", (Term(("โควิด", "19")),)),
        ("โควิด19", (Term(("โควิด", "19")),)),
        ("โควิด-๑๙", (Term(("โควิด", "19")),)),
        ("วัคซีนโควิด-19", (Term(("วัคซีน",)), Term(("โควิด", "19")))),
        # A space, or a minus before the number, keeps them two words.
        ("โควิด 19", (Term(("โควิด",)), Term(("19",)))),
        ("โควิด -19", (Term(("โควิด",)), Term(("19",)))),
        ("title:โควิด-19", (Term(("โควิด", "19"), "title"),)),
        ("COVID-19", (Term(("covid19",)),)),
        ("19-20", (Term(("19",)), Term(("20",)))),
    ],
)
def test_a_thai_word_written_onto_a_number_is_one_phrase(text: str, must: tuple[Term, ...]) -> None:
    assert parse_query(text).must == must


def test_an_excluded_thai_word_with_its_number_is_excluded_as_one_phrase() -> None:
    parsed = parse_query("โควิด -โควิด-19")
    assert parsed.must == (Term(("โควิด",)),)
    assert parsed.must_not == (Term(("โควิด", "19")),)
