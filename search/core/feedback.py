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
- Term feedback (pseudo-relevance feedback in the word space, as in classic cross-language
  retrieval): the words that the openings of the top articles share, weighted by how rare they
  are in the whole index, say in the collection's own language what the question is about
  ("support for rubber farmers" -> ยางพารา); a keyword search for them is fused with the
  vector ranking. An English question has no words in the Thai index, so this is the only way
  its ranking can use word matches.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from search.core.fusion import RRF_K
from search.core.passages import MAX_CHARS
from search.core.segment import syllable_count

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
    #: Term feedback: the top articles read (0: off), the words taken from them, the fewest
    #: of those articles a word must open, the largest share of the index it may be in, and
    #: the weight of its keyword ranking in the fusion.
    term_articles: int = 0
    term_count: int = 0
    term_min_articles: int = 2
    term_max_share: float = 0.2
    term_weight: float = 0.5


PLAIN = Refinement()
#: What the search service applies. The vector refinements and the fusion weight were chosen on
#: the tuning half of gold sets 1 and 2 (English semantic P@10 for the first three, Thai hybrid
#: P@10 for the fusion weight) out of a grid of lead weights 0-1, feedback k 3/5/10 and beta
#: 0.5/1, generic prefixes, and keyword weights 0.25-2 (no generic prefix helped); term feedback
#: then on all of sets 1 and 2 (mean of English semantic and Thai hybrid P@10, a grid of 144);
#: gold set 3 was scored only after that. Figures in benchmarks/README.md.
DEFAULT_REFINEMENT = Refinement(
    lead_weight=0.5,
    feedback_articles=10,
    feedback_beta=1.0,
    keyword_weight=0.25,
    term_articles=10,
    term_count=2,
    term_min_articles=2,
    term_max_share=0.2,
    term_weight=0.5,
)


#: Characters of an article's opening that term feedback reads: the size of its first passage
#: (title and lead), the part that says what the article is about.
LEAD_CHARS = MAX_CHARS
_LATIN_MIN = 3


def lead_tokens(
    title_segmented: str, body_segmented: str, max_chars: int = LEAD_CHARS
) -> list[str]:
    """The index tokens of an article's title, then of its body until ``max_chars`` (counting a
    space between tokens), from the segmented text the index stores."""
    out: list[str] = []
    used = 0
    for token in (title_segmented + " " + body_segmented).split():
        used += len(token) + (1 if out else 0)
        if out and used > max_chars:
            break
        out.append(token)
    return out


def is_content_token(token: str) -> bool:
    """A token worth asking for: a Thai word of two syllables or more (one-syllable words are
    mostly function words and pieces of others), or a Latin word of three letters or more;
    never a number."""
    if any("\u0e00" <= c <= "\u0e7f" for c in token):
        return syllable_count(token) >= 2
    return token.isalpha() and len(token) >= _LATIN_MIN


def candidate_terms(leads: Sequence[Sequence[str]], *, min_articles: int) -> dict[str, int]:
    """Content tokens opening at least ``min_articles`` of ``leads``, with how many they open."""
    counts: Counter[str] = Counter()
    for tokens in leads:
        counts.update(t for t in set(tokens) if is_content_token(t))
    return {t: n for t, n in counts.items() if n >= min_articles}


def feedback_terms(
    candidates: Mapping[str, int],
    frequencies: Mapping[str, int],
    total: int,
    *,
    count: int,
    max_share: float,
) -> list[str]:
    """The ``count`` best candidates by (articles opened) x idf, idf = log(total / documents
    holding the word); words in none or in more than ``max_share`` of the index are left out
    (common words say nothing about a topic). Ties by the word, so the choice is stable."""
    scored: list[tuple[float, str]] = []
    for term, opened in candidates.items():
        df = frequencies.get(term, 0)
        if df <= 0 or total <= 0 or df > max_share * total:
            continue
        scored.append((opened * math.log(total / df), term))
    scored.sort(key=lambda st: (-st[0], st[1]))
    return [term for _, term in scored[:count]]
