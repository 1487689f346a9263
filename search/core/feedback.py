"""Query-time refinements of the semantic ranking: lead-weighted re-ranking, pseudo-relevance
feedback (Rocchio), and weighted rank fusion. Pure numpy, the same for both vector stores.

Why each, in general terms (none of them knows a topic):
- Re-ranking by the lead: a vector store ranks an article by its best passage, so one passage
  that merely mentions a subject can lift an article about something else. The first passage
  (title and lead) says what the article is about; mixing its cosine with the best one
  (``lead_weight``) favours articles *about* the question. Applied to the store's candidates
  only, so both stores keep their own search.
- Rocchio feedback (Rocchio 1971; "pseudo" because the top articles are assumed relevant):
  a short question, and one in another language than the articles, sits far from any article;
  moving it towards the centroid of its top ``k`` articles asks again with the vocabulary of
  the collection itself.
- Weighted reciprocal rank fusion: RRF with one weight per ranking, so hybrid can lean on the
  ranking that is more reliable on average (weights 1, 1 is plain RRF).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from search.core.fusion import RRF_K

Vector = NDArray[np.float32]


def _unit(v: NDArray[np.floating]) -> Vector:
    out = np.asarray(v, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(out))
    return out / norm if norm > 0 else out


def article_scores(
    query: Vector, passages: Sequence[NDArray[np.float32]], *, lead_weight: float
) -> NDArray[np.float32]:
    """Per article: ``lead_weight`` · cos(lead passage) + (1 − ``lead_weight``) · best cos.

    ``passages``: each article's unit passage vectors, first row the title and lead.
    ``lead_weight`` 0 is the stores' own score (the best passage), 1 the lead alone.
    """
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    out = np.empty(len(passages), dtype=np.float32)
    for n, rows in enumerate(passages):
        cosines = np.asarray(rows, dtype=np.float32) @ q
        out[n] = lead_weight * cosines[0] + (1.0 - lead_weight) * cosines.max()
    return out


def lead_scores(
    query: Vector,
    leads: NDArray[np.float32],
    best: NDArray[np.floating],
    *,
    lead_weight: float,
) -> NDArray[np.float32]:
    """``article_scores`` from what a vector store's search already knows: ``leads`` (each
    article's unit title-and-lead vector, one row each) and ``best`` (each article's best
    passage cosine with ``query``: the store's hit score), so only the lead vectors are read,
    not every passage. The same float32 arithmetic as ``article_scores``: equal numbers when
    ``best`` is the maximum passage cosine, up to the last bit of a cosine (a BLAS product's
    rounding depends on the matrix's shape, so a lead's cosine computed among 100 leads and
    among its article's passages may differ by one unit in the last place).
    """
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if not len(leads):
        return np.empty(0, dtype=np.float32)
    cosines = np.asarray(leads, dtype=np.float32) @ q
    best32 = np.asarray(best, dtype=np.float32).reshape(-1)
    return (lead_weight * cosines + (1.0 - lead_weight) * best32).astype(np.float32)


def rerank(
    query: Vector, passages: Sequence[NDArray[np.float32]], *, lead_weight: float
) -> list[int]:
    """Positions of ``passages`` by ``article_scores``, best first; ties keep their order."""
    scores = article_scores(query, passages, lead_weight=lead_weight)
    return sorted(range(len(passages)), key=lambda n: (-float(scores[n]), n))


def rocchio(query: Vector, feedback: Sequence[NDArray[np.float32]], *, beta: float) -> Vector:
    """The unit vector of ``query`` + ``beta`` · mean of the feedback articles' centroids.

    Each feedback article counts once whatever its number of passages (its centroid is the
    unit mean of its passage vectors). No feedback, or ``beta`` 0: the query unchanged.
    """
    q = _unit(query)
    if not feedback or beta == 0:
        return q
    centroids = np.stack(
        [_unit(np.asarray(rows, dtype=np.float32).mean(axis=0)) for rows in feedback]
    )
    return _unit(q + beta * centroids.mean(axis=0))


def weighted_rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], *, k: int = RRF_K
) -> list[tuple[int, float]]:
    """``(id, score)`` best first; score = Σ weight / (k + rank), rank from 1.

    With every weight 1 this is ``fusion.reciprocal_rank_fusion``, ties included (the id
    ranked best in the earliest ranking, then the higher id).
    """
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for which, (ranking, weight) in enumerate(zip(rankings, weights, strict=True)):
        for rank, item in enumerate(dict.fromkeys(ranking), start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            first_seen.setdefault(item, (which, rank))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]], -kv[0]))


@dataclass(frozen=True, slots=True)
class Refinement:
    """The settings of the refinements above that the search service applies.

    The defaults were chosen on the tuning half of the benchmark topics and checked on the
    held-out half (``benchmarks/semantic_methods.py``, figures in ``benchmarks/README.md``).
    ``Refinement()`` with every field at its neutral value (0, 0, 0, "", 1) is the plain
    ranking: best passage, no feedback, the question alone, plain RRF.
    """

    lead_weight: float = 0.0
    feedback_articles: int = 0
    feedback_beta: float = 0.0
    #: Generic text encoded before the question; its vector is averaged with the plain one.
    prefix: str = ""
    #: Weight of the keyword ranking in hybrid fusion (the vector ranking's is 1).
    keyword_weight: float = 1.0


PLAIN = Refinement()
#: What the search service applies. Chosen on the tuning half of the benchmark topics (English
#: semantic P@10 for the first three, Thai hybrid P@10 for the fusion weight) out of a grid of
#: lead weights 0-1, feedback k 3/5/10 and beta 0.5/1, generic prefixes, and keyword weights
#: 0.25-2; held-out figures in benchmarks/README.md. No generic prefix helped.
DEFAULT_REFINEMENT = Refinement(
    lead_weight=0.5, feedback_articles=10, feedback_beta=1.0, keyword_weight=0.25
)
