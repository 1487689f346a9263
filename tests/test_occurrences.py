"""The workbench's occurrence finder agrees with the worked token-level definition.

Since issue 12 a one-word query also occurs inside the compounds the index matches it in
(``occurrences.token_parts`` = ``segment.word_parts``), so the reference here is
``corpus_stats``' whole-token definition plus those compound tokens.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from search.core.corpus_stats import count_occurrences, find_sequence
from search.core.occurrences import (
    COMPOUND_PARTS,
    compound_words,
    count_in_segmented,
    occurrence_phrases,
    occurrence_starts,
    spans_from_tokens,
    thai_sort_key,
)
from search.core.query import parse_query
from search.core.segment import word_parts

WORDS = st.sampled_from(["ข้าว", "นาข้าว", "ข้าวหอม", "นายก", "a", "aa", "ab", "b"])
#: The first example loads PyThaiNLP's dictionary (over a second on a busy machine): no deadline.
ONE_OFF_LOAD = settings(deadline=None)


def _offsets(tokens: list[str]) -> list[int]:
    return [sum(len(t) + 1 for t in tokens[:i]) for i in range(len(tokens))]


def _token_starts(tokens: list[str], phrases: list[tuple[str, ...]]) -> set[int]:
    offsets = _offsets(tokens)
    return {offsets[i] for p in phrases for i in find_sequence(tokens, p)}


def _reference(tokens: list[str], phrases: list[tuple[str, ...]]) -> dict[int, int]:
    """First token -> last token of every occurrence: whole-token matches (longest at a start),
    then a one-word phrase inside a compound token whose dictionary parts hold it."""
    found: dict[int, int] = {}
    for p in phrases:
        for i in find_sequence(tokens, p):
            found[i] = max(found.get(i, i), i + len(p) - 1)
        if len(p) == 1:
            for i, token in enumerate(tokens):
                if token != p[0] and p[0] in word_parts(token):
                    found.setdefault(i, i)
    return found


@ONE_OFF_LOAD
@given(
    st.lists(WORDS, max_size=30),
    st.lists(st.lists(WORDS, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3),
)
def test_regex_positions_equal_token_positions(
    tokens: list[str], phrases: list[tuple[str, ...]]
) -> None:
    segmented = " ".join(tokens)
    expected = _reference(tokens, phrases)
    offsets = _offsets(tokens)
    assert occurrence_starts(segmented, phrases) == {offsets[i] for i in expected}
    assert count_in_segmented(segmented, phrases) == len(expected)
    if set(expected) == {i for p in phrases for i in find_sequence(tokens, p)}:
        # no compound occurrence: exactly corpus_stats' whole-token definition
        assert occurrence_starts(segmented, phrases) == _token_starts(tokens, phrases)
        assert count_in_segmented(segmented, phrases) == count_occurrences(tokens, phrases)


@ONE_OFF_LOAD
@given(st.lists(WORDS, max_size=30), st.sets(WORDS, min_size=1, max_size=3))
def test_one_word_alternatives_count_tokens_by_compound_words(
    tokens: list[str], words: set[str]
) -> None:
    """What the index's word tables count (search.backends.word_stats): a query of one-word
    alternatives occurs once per token that is one of them or a compound holding one."""
    expected = sum(1 for t in tokens if t in words or compound_words(t) & words)
    assert count_in_segmented(" ".join(tokens), [(w,) for w in sorted(words)]) == expected


def test_compound_words_are_the_token_parts_it_contains() -> None:
    assert compound_words("นายกรัฐมนตรี") == {"นายก", "มนตรี", "รัฐมนตรี"}
    assert compound_words("ข้าว") == frozenset()
    assert compound_words("covid19") == frozenset()  # Latin parts come from the original text


def test_compound_parts_and_self_overlap() -> None:
    assert COMPOUND_PARTS
    segmented = "นาข้าว ข้าว ข้าวหอม a a a"
    # ข้าว: the whole token and the two compounds holding it as a dictionary part
    assert count_in_segmented(segmented, [("ข้าว",)]) == 3
    assert count_in_segmented(segmented, [("ข้าว", "ข้าว")]) == 0  # phrases: whole tokens
    assert count_in_segmented(segmented, [("a", "a")]) == 1  # non-overlapping, as find_sequence
    # syllable traps never occur: นา is not a part of นายก (nor of นาข้าว)
    assert count_in_segmented("นายก นาข้าว", [("นา",)]) == 0


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


@ONE_OFF_LOAD
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

    got = window_counts_any([" ".join(d) for d in documents], [phrase], window)
    counts: Counter[str] = Counter()
    occurrences = positions = 0
    for tokens in documents:
        for i, j in sorted(_reference(tokens, [phrase]).items()):
            left, right = tokens[max(0, i - window) : i], tokens[j + 1 : j + 1 + window]
            occurrences += 1
            positions += len(left) + len(right)
            counts.update(left + right)
    assert got == (counts, occurrences, positions)
    if not any(word_parts(t) for d in documents for t in d) or len(phrase) > 1:
        assert got == window_counts(documents, phrase, window)
