"""Segmentation: Thai words found inside running text, normalised tokens, offsets that map back."""

from __future__ import annotations

import subprocess
import sys

import pytest

from search.core.segment import (
    fold,
    segmented,
    segmenting_pool,
    tokenize,
    tokenize_many,
    tokenize_spans,
)


def test_thai_running_text_splits_into_dictionary_words() -> None:
    assert tokenize("นายกรัฐมนตรีประชุมคณะรัฐมนตรีที่ทำเนียบรัฐบาล") == [
        "นายกรัฐมนตรี",
        "ประชุม",
        "คณะรัฐมนตรี",
        "ที่",
        "ทำเนียบรัฐบาล",
    ]


def test_mixed_thai_english_is_lowercased_and_punctuation_dropped() -> None:
    assert tokenize("นายกฯ พบ Prime Minister (COVID-19) ที่ “ทำเนียบ”!") == [
        "นายกฯ",
        "พบ",
        "prime",
        "minister",
        "covid19",  # a mixed Latin/digit term is kept whole (issue 12)
        "ที่",
        "ทำเนียบ",
    ]


def test_thai_digits_become_ascii_and_zero_width_space_is_ignored() -> None:
    assert tokenize("\u200bปี ๒๕๖๗") == ["ปี", "2567"]


@pytest.mark.parametrize("text", ["", "   ", "***", "!?:^()[]{}", None])
def test_text_without_words_has_no_tokens(text: str | None) -> None:
    assert tokenize(text) == []


def test_tokens_never_contain_query_syntax_characters() -> None:
    hostile = 'title:"x" AND (y OR z)^3 * \\ ~2 /regex/ <script>'
    for token in tokenize(hostile):
        assert token.isalnum(), token


def test_segmented_joins_tokens_with_single_spaces() -> None:
    assert segmented("ราคายาง  พุ่ง") == "ราคา ยาง พุ่ง"


def test_spans_point_at_the_original_text() -> None:
    text = "Prime Minister เยือน จ.ตาก ๒๕๖๗"
    spans = tokenize_spans(text)
    assert [t for t, _, _ in spans] == tokenize(text)
    for token, start, end in spans:
        assert fold(text[start:end]) == token


def test_fold_preserves_length() -> None:
    text = "İstanbul ๑๒ ABC"
    assert len(fold(text)) == len(text)


def test_tokenize_many_on_a_pool_equals_one_by_one() -> None:
    texts = [f"ข่าวที่ {i} รัฐบาลประชุม Cabinet meeting" for i in range(80)]
    with segmenting_pool(2) as pool:
        assert pool is not None
        assert tokenize_many(texts, pool, chunk=16) == [segmented(t) for t in texts]
    with segmenting_pool(1) as none:
        assert none is None


def test_search_package_never_imports_scrapy() -> None:
    """search/ must stay importable without Scrapy (web server, CLI, other tools)."""
    code = (
        "import sys, search.cli.search, search.backends.select, search.services.indexer,"
        " search.core.snippets;"
        "sys.exit(1 if {'scrapy', 'twisted'} & set(sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- issue 12 follow-up: parts layout, part predicate, fold ------------------------------------


def test_every_indexed_part_is_one_may_be_part_admits() -> None:
    """The embedded backend drops whole-token column filters for words ``may_be_part``
    refuses, which is only right if no such word ever reaches a parts field."""
    from search.core.segment import PART_GAP, index_texts, may_be_part

    texts = [
        "กระทรวงการท่องเที่ยวและกีฬา นักท่องเที่ยว กระทรวงสาธารณสุข ความคิดเห็น",
        "สำนักงานคณะกรรมการพัฒนาการเศรษฐกิจและสังคมแห่งชาติ นายกฯ ครม. ข้าวเหนียว น้ำท่วม",
        "PM2.5 COVID-19 5G G20 โควิด-19 องค์การบริหารส่วนจังหวัด ไฟป่า ยางพารา",
    ]
    for text in texts:
        _, parts = index_texts(text)
        tokens = [t for t in parts.split() if t != PART_GAP]
        assert tokens, text
        assert all(may_be_part(t) for t in tokens), [t for t in tokens if not may_be_part(t)]
    assert not any(map(may_be_part, ["ที่", "การ", "และ", "covid19", "นา", "pm25"]))


def test_parts_are_laid_out_so_that_neighbours_abut() -> None:
    from search.core.segment import part_chains, word_parts

    token = "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม"
    assert part_chains(token, word_parts(token)) == [
        ["กระทรวง", "ดิจิทัล"],
        ["เศรษฐกิจ"],
        ["สังคม"],
    ]
    for token in ("สำนักงานคณะกรรมการพัฒนาการเศรษฐกิจและสังคมแห่งชาติ", "การท่องเที่ยว"):
        parts = word_parts(token)
        runs = part_chains(token, parts)
        assert sorted(p for run in runs for p in run) == sorted(parts)  # each part once
        for run in runs:
            joined = "".join(run)
            assert joined in token, run  # neighbours in a run are neighbours in the token
    assert part_chains("pm25", ("pm", "2", "5")) == [["pm", "2", "5"]]


def test_fold_keeps_length_around_letters_that_lowercase_to_two() -> None:
    import sys

    from search.core.segment import LONG_LOWER_CHARS, fold

    long_lower = {chr(c) for c in range(sys.maxunicode + 1) if len(chr(c).lower()) != 1}
    assert long_lower == LONG_LOWER_CHARS
    text = "ABC\u0130def ๒๕๖๗ İstanbul"
    assert fold(text) == "abc\u0130def 2567 \u0130stanbul"
    assert len(fold(text)) == len(text)
