"""Workbench statistics against worked examples computed by hand (arithmetic in the comments)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import pytest

from search.core.corpus_stats import (
    collocations,
    concordance,
    count_occurrences,
    frequency_list,
    keyness_score,
    keywords,
    log_likelihood_2x2,
    per_thousand,
    period_key,
    period_label_be,
    period_start,
    periods_between,
    window_counts,
)
from search.core.segment import tokenize_spans


@pytest.mark.parametrize(
    ("day", "interval", "key", "be"),
    [
        (date(2024, 10, 31), "month", "2024-10", "2567-10"),
        (date(2024, 10, 1), "quarter", "2024-Q4", "2567-Q4"),
        (date(2024, 3, 31), "quarter", "2024-Q1", "2567-Q1"),
        (date(2020, 1, 1), "year", "2020", "2563"),
    ],
)
def test_period_keys_in_both_eras(day: date, interval: str, key: str, be: str) -> None:
    assert period_key(day, interval) == key  # type: ignore[arg-type]
    assert period_label_be(key) == be
    assert period_start(key) <= day


def test_periods_between_fills_empty_periods() -> None:
    assert periods_between(date(2023, 11, 15), date(2024, 2, 1), "month") == [
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
    ]
    assert periods_between(date(2023, 8, 1), date(2024, 1, 5), "quarter") == [
        "2023-Q3",
        "2023-Q4",
        "2024-Q1",
    ]
    assert periods_between(date(2024, 1, 2), date(2023, 1, 1), "year") == []


def test_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        period_key(date(2024, 1, 1), "week")  # type: ignore[arg-type]


def test_per_thousand() -> None:
    assert per_thousand(25, 1000) == 25.0
    assert per_thousand(3, 1200) == pytest.approx(2.5)
    assert per_thousand(0, 0) is None


def test_occurrences_count_each_position_once() -> None:
    tokens = ["ราคา", "ยาง", "พารา", "ราคา", "ยาง", "ข้าว", "ยาง"]
    assert count_occurrences(tokens, [["ยาง"]]) == 3
    assert count_occurrences(tokens, [["ราคา", "ยาง"]]) == 2
    # Overlapping alternatives (ยาง, ราคา ยาง) share a position only where they start together.
    assert count_occurrences(tokens, [["ราคา", "ยาง"], ["ราคา"]]) == 2


def test_concordance_cuts_whole_words_of_the_original_text() -> None:
    text = "ราคายาง สูงขึ้น, ราคายางพารา ลดลง"
    spans = [
        ("ราคา", 0, 4),
        ("ยาง", 4, 7),
        ("สูง", 8, 11),
        ("ขึ้น", 11, 15),
        ("ราคา", 17, 21),
        ("ยางพารา", 21, 28),
        ("ลดลง", 29, 33),
    ]
    lines = concordance(text, spans, [["ราคา"]], context_words=1)
    assert [(line.left, line.match, line.right) for line in lines] == [
        ("", "ราคา", "ยาง"),
        ("ขึ้น,", "ราคา", "ยางพารา"),  # one word back is "ขึ้น"; the comma stays as written
    ]
    assert (lines[1].start, lines[1].end) == (17, 21)


def test_concordance_with_real_segmentation_and_phrases() -> None:
    text = "The rubber price rose. Rubber price support was approved for rubber farmers."
    spans = tokenize_spans(text)
    lines = concordance(text, spans, [["rubber", "price"]], context_words=2)
    assert [(line.left, line.match, line.right) for line in lines] == [
        ("The", "rubber price", "rose. Rubber"),
        ("price rose.", "Rubber price", "support was"),
    ]


def test_log_likelihood_of_a_2x2_table() -> None:
    # Worked example (see test_collocation_scores): O = [[2, 2], [0, 3]], N = 7.
    # E11 = 4*2/7, E12 = 4*5/7, E22 = 3*5/7;
    # G2 = 2 (2 ln 1.75 + 2 ln 0.7 + 3 ln 1.4) = 2 (1.1192316 - 0.7133499 + 1.0094167) = 2.8305968
    assert log_likelihood_2x2(2, 2, 0, 3) == pytest.approx(2.8305968, abs=1e-6)
    assert log_likelihood_2x2(0, 0, 0, 0) == 0.0


def test_collocation_scores() -> None:
    documents = [["a", "x", "b", "c", "d", "x", "b"]]
    counts, occurrences, positions = window_counts(documents, ["x"], window=1)
    # x at 1 and 5: windows (a, b) and (d, b).
    assert occurrences == 2
    assert positions == 4
    assert counts == Counter({"b": 2, "a": 1, "d": 1})
    frequencies = frequency_list(documents)
    scored = collocations(counts, positions, frequencies, corpus_size=7, min_count=1)
    by_word = {a.word: a for a in scored}
    b = by_word["b"]
    # O11 = 2, R1 = 4, C1 = 2, N = 7: E11 = 8/7, MI = log2(2 / (8/7)) = log2(1.75) = 0.8073549
    assert b.count == 2
    assert b.frequency == 2
    assert b.mutual_information == pytest.approx(0.8073549, abs=1e-6)
    assert b.log_likelihood == pytest.approx(2.8305968, abs=1e-6)
    assert scored[0].word == "b"  # strongest association first
    assert [a.word for a in collocations(counts, positions, frequencies, 7, min_count=2)] == ["b"]
    assert "b" not in {
        a.word for a in collocations(counts, positions, frequencies, 7, exclude=["b"], min_count=1)
    }


def test_window_stops_at_document_edges() -> None:
    counts, occurrences, positions = window_counts([["x", "a"], ["b", "x"]], ["x"], window=3)
    assert occurrences == 2
    assert positions == 2
    assert counts == Counter({"a": 1, "b": 1})


def test_keyness_worked_example() -> None:
    # a = 10 of c = 1000 target tokens, b = 5 of d = 2000 reference tokens:
    # E1 = 1000*15/3000 = 5, E2 = 2000*15/3000 = 10
    # LL = 2 (10 ln 2 + 5 ln 0.5) = 10 ln 2 = 6.9314718; log ratio = log2(0.01 / 0.0025) = 2
    ll, ratio = keyness_score(10, 5, 1000, 2000)
    assert ll == pytest.approx(10 * math.log(2), abs=1e-9)
    assert ratio == pytest.approx(2.0)
    # Absent from the reference: finite, with 0.5 standing in for zero.
    ll0, ratio0 = keyness_score(4, 0, 100, 100)
    assert ratio0 == pytest.approx(math.log2(4 / 0.5))
    assert ll0 == pytest.approx(2 * 4 * math.log(4 / 2))


def test_keywords_sorted_and_signed() -> None:
    target = Counter({"ยาง": 30, "ข้าว": 5, "การ": 100})
    reference = Counter({"ยาง": 3, "ข้าว": 50, "การ": 100})
    rows = keywords(target, reference, min_count=5, exclude=["การ"])
    assert next(r.word for r in rows) in {"ยาง", "ข้าว"}
    signs = {r.word: r.log_ratio > 0 for r in rows}
    assert signs == {"ยาง": True, "ข้าว": False}
    assert all(r.log_likelihood >= rows[-1].log_likelihood for r in rows)
