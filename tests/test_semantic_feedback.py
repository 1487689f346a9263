"""Worked examples of the query-time refinements (search.core.feedback)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from search.core.feedback import (
    DEFAULT_REFINEMENT,
    PLAIN,
    Refinement,
    article_scores,
    rerank,
    rocchio,
    weighted_rrf,
)
from search.core.fusion import reciprocal_rank_fusion


def rows(*vectors: list[float]) -> np.ndarray:
    return np.array(vectors, dtype=np.float32)


Q = np.array([1.0, 0.0], dtype=np.float32)
# A: one passage at cosine 0.8. B: a lead about something else (cosine 0) and one passage
# exactly on the question (cosine 1).
A = rows([0.8, 0.6])
B = rows([0.0, 1.0], [1.0, 0.0])


def test_article_score_mixes_the_lead_and_the_best_passage() -> None:
    assert article_scores(Q, [B], lead_weight=0.0).tolist() == pytest.approx([1.0])
    assert article_scores(Q, [B], lead_weight=0.5).tolist() == pytest.approx([0.5])
    assert article_scores(Q, [B], lead_weight=1.0).tolist() == pytest.approx([0.0])
    # One passage: lead and best are the same, whatever the weight.
    assert article_scores(Q, [A], lead_weight=0.3).tolist() == pytest.approx([0.8])


def test_rerank_by_best_passage_then_by_lead() -> None:
    assert rerank(Q, [A, B], lead_weight=0.0) == [1, 0]  # B's passage 1.0 beats A's 0.8
    assert rerank(Q, [A, B], lead_weight=0.5) == [0, 1]  # B 0.5 < A 0.8
    assert rerank(Q, [A, A, B], lead_weight=0.5) == [0, 1, 2]  # ties keep their order


def test_rocchio_moves_the_question_towards_its_top_articles() -> None:
    moved = rocchio(Q, [rows([0.0, 1.0], [0.0, 1.0])], beta=1.0)
    assert moved.tolist() == pytest.approx([1 / math.sqrt(2), 1 / math.sqrt(2)])
    assert np.linalg.norm(moved) == pytest.approx(1.0)


def test_rocchio_counts_each_article_once_whatever_its_passages() -> None:
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    three = rows([0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0])
    one = rows([0.0, 0.0, 1.0])
    # centroids (0,1,0) and (0,0,1), mean (0, .5, .5); q + 2 * mean = (1, 1, 1)
    assert rocchio(q, [three, one], beta=2.0).tolist() == pytest.approx([1 / math.sqrt(3)] * 3)


def test_rocchio_without_feedback_is_the_question() -> None:
    assert rocchio(Q, [], beta=1.0).tolist() == [1.0, 0.0]
    assert rocchio(Q, [B], beta=0.0).tolist() == [1.0, 0.0]
    assert rocchio(np.array([2.0, 0.0], dtype=np.float32), [], beta=1.0).tolist() == [1.0, 0.0]


def test_weighted_rrf_with_unit_weights_is_plain_rrf() -> None:
    rankings = [[1, 2, 3], [3, 4, 1]]
    assert weighted_rrf(rankings, [1.0, 1.0]) == reciprocal_rank_fusion(rankings)


def test_weighted_rrf_leans_on_the_heavier_ranking() -> None:
    # scores with k=60: 1: w1/61; 2: w1/62 + w2/61; 3: w2/62
    heavy_first = weighted_rrf([[1, 2], [2, 3]], [2.0, 1.0])
    assert [i for i, _ in heavy_first] == [2, 1, 3]
    assert heavy_first[0][1] == pytest.approx(2 / 62 + 1 / 61)
    light_first = weighted_rrf([[1, 2], [2, 3]], [0.1, 1.0])
    assert [i for i, _ in light_first] == [2, 3, 1]


def test_weighted_rrf_needs_one_weight_per_ranking() -> None:
    with pytest.raises(ValueError, match="one weight per ranking"):
        weighted_rrf([[1], [2]], [1.0])


def test_plain_refinement_changes_nothing() -> None:
    assert Refinement(0.0, 0, 0.0, "", 1.0) == PLAIN
    assert isinstance(DEFAULT_REFINEMENT, Refinement)


# --- term feedback ---------------------------------------------------------------------------


def test_lead_tokens_read_the_title_then_the_body_up_to_the_lead_size() -> None:
    from search.core.feedback import lead_tokens

    assert lead_tokens("ยางพารา ราคา", "เกษตรกร ได้รับ เงิน", max_chars=32) == [
        "ยางพารา",
        "ราคา",
        "เกษตรกร",
        "ได้รับ",
        "เงิน",
    ]
    # Code points: 7 + 1 + 4 + 1 + 7 + 1 + 6 + 1 + 4 = 32 fit in 32 exactly; 7 + 1 + 4 = 12
    # fit in 12 and the next token would pass the limit.
    assert lead_tokens("ยางพารา ราคา", "เกษตรกร ได้รับ", max_chars=12) == ["ยางพารา", "ราคา"]
    # A title longer than the limit still gives its first token.
    assert lead_tokens("กระทรวงสาธารณสุข", "", max_chars=3) == ["กระทรวงสาธารณสุข"]
    assert lead_tokens("", "") == []


def test_content_tokens_are_words_of_two_thai_syllables_or_three_latin_letters() -> None:
    from search.core.feedback import is_content_token

    assert is_content_token("ยางพารา")
    assert is_content_token("เกษตรกร")
    assert not is_content_token("และ")  # one syllable
    assert not is_content_token("ที่")
    assert is_content_token("rubber")
    assert not is_content_token("of")
    assert not is_content_token("2565")
    assert not is_content_token("covid19")  # letters and digits: not a plain word


def test_candidates_are_words_that_open_enough_of_the_top_articles() -> None:
    from search.core.feedback import candidate_terms

    leads = [
        ["ยางพารา", "ราคา", "ยางพารา", "และ"],  # a word counts once per article
        ["ยางพารา", "เกษตรกร"],
        ["เกษตรกร", "ยางพารา", "ข้าว"],
    ]
    assert candidate_terms(leads, min_articles=2) == {"ยางพารา": 3, "เกษตรกร": 2}
    assert candidate_terms(leads, min_articles=4) == {}


def test_feedback_terms_weigh_shared_words_by_rarity() -> None:
    """score = articles opened x log(total / documents): worked by hand for 1,000 documents."""
    from search.core.feedback import feedback_terms

    candidates = {"ยางพารา": 3, "เกษตรกร": 4, "รัฐบาล": 5, "ไม่มี": 2}
    frequencies = {"ยางพารา": 10, "เกษตรกร": 100, "รัฐบาล": 600}
    # ยางพารา 3 x ln(100) = 13.8; เกษตรกร 4 x ln(10) = 9.2; รัฐบาล in 60% of the index: left
    # out; ไม่มี in no document: left out.
    assert feedback_terms(candidates, frequencies, 1000, count=5, max_share=0.2) == [
        "ยางพารา",
        "เกษตรกร",
    ]
    assert feedback_terms(candidates, frequencies, 1000, count=1, max_share=0.2) == ["ยางพารา"]
    assert feedback_terms(candidates, frequencies, 1000, count=5, max_share=0.05) == ["ยางพารา"]
    assert feedback_terms({"ก": 2, "ข": 2}, {"ก": 5, "ข": 5}, 100, count=2, max_share=1.0) == [
        "ก",
        "ข",
    ]
    assert feedback_terms(candidates, frequencies, 0, count=5, max_share=1.0) == []
