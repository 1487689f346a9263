"""The workbench's occurrence finder agrees with the worked token-level definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from search.core.corpus_stats import count_occurrences, find_sequence
from search.core.occurrences import (
    count_in_segmented,
    occurrence_phrases,
    occurrence_starts,
    spans_from_tokens,
    thai_sort_key,
)
from search.core.query import parse_query

WORDS = st.sampled_from(["ข้าว", "นาข้าว", "ข้าวหอม", "a", "aa", "ab", "b"])


def _token_starts(tokens: list[str], phrases: list[tuple[str, ...]]) -> set[int]:
    offsets = [sum(len(t) + 1 for t in tokens[:i]) for i in range(len(tokens))]
    return {offsets[i] for p in phrases for i in find_sequence(tokens, p)}


@given(
    st.lists(WORDS, max_size=30),
    st.lists(st.lists(WORDS, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3),
)
def test_regex_positions_equal_token_positions(
    tokens: list[str], phrases: list[tuple[str, ...]]
) -> None:
    segmented = " ".join(tokens)
    assert occurrence_starts(segmented, phrases) == _token_starts(tokens, phrases)
    assert count_in_segmented(segmented, phrases) == count_occurrences(tokens, phrases)


def test_whole_tokens_only_and_self_overlap() -> None:
    segmented = "นาข้าว ข้าว ข้าวหอม a a a"
    assert count_in_segmented(segmented, [("ข้าว",)]) == 1  # not inside นาข้าว or ข้าวหอม
    assert count_in_segmented(segmented, [("a", "a")]) == 1  # non-overlapping, as find_sequence


def test_occurrence_phrases_are_the_positive_alternatives_longest_first() -> None:
    parsed = parse_query('ข้าว OR "ราคา ยาง" -ฝน')
    assert occurrence_phrases(parsed) == (("ราคา", "ยาง"), ("ข้าว",))


def test_spans_from_stored_tokens() -> None:
    text = "ราคาข้าว, ๒๕๖๗ COVID-19"
    assert spans_from_tokens(text, "ราคา ข้าว 2567 covid 19") == [
        ("ราคา", 0, 4),
        ("ข้าว", 4, 8),
        ("2567", 10, 14),
        ("covid", 15, 20),
        ("19", 21, 23),
    ]
    assert spans_from_tokens(text, "ราคา ถั่ว") is None  # not this text's tokens


def test_thai_sort_key_puts_leading_vowels_after_their_consonant() -> None:
    words = ["เดือด", "ดี", "ตก", "และ", "ลม"]
    assert sorted(words, key=thai_sort_key) == ["ดี", "เดือด", "ตก", "ลม", "และ"]


@given(
    st.lists(st.lists(WORDS, max_size=25), max_size=4),
    st.lists(WORDS, min_size=1, max_size=2).map(tuple),
    st.integers(min_value=1, max_value=4),
)
def test_windows_cut_from_text_equal_token_windows(
    documents: list[list[str]], phrase: tuple[str, ...], window: int
) -> None:
    from search.core.corpus_stats import window_counts
    from search.services.workbench import window_counts_any

    expected = window_counts(documents, phrase, window)
    got = window_counts_any([" ".join(d) for d in documents], [phrase], window)
    assert got == expected
