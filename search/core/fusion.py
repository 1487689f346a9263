"""Pure ranking logic of the semantic modes: rank fusion and near-duplicate groups.

Hybrid search fuses the keyword ranking (BM25) and the vector ranking (cosine) by reciprocal
rank fusion (Cormack et al. 2009): scores of the two are on unrelated scales, ranks are not, and
RRF needs no tuning beyond its constant (60, the paper's value).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

RRF_K = 60
#: Cosine of the title-and-lead vectors above which two articles count as the same
#: announcement (the site posts some in several categories; their texts differ only in a
#: header line or a date). Unrelated articles on one topic stay well below (see tests).
NEAR_DUPLICATE_COSINE = 0.95


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], *, k: int = RRF_K
) -> list[tuple[int, float]]:
    """``(id, score)`` best first; score = sum over rankings of 1 / (k + rank), rank from 1.

    Ties go to the id ranked best in the earliest ranking, then to the higher id (newer
    article), so the order is deterministic.
    """
    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for which, ranking in enumerate(rankings):
        for rank, item in enumerate(dict.fromkeys(ranking), start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            first_seen.setdefault(item, (which, rank))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]], -kv[0]))


def near_duplicate_groups(
    ids: Sequence[int],
    vectors: NDArray[np.float32],
    *,
    threshold: float = NEAR_DUPLICATE_COSINE,
) -> dict[int, int]:
    """``{id: first id of its group}`` for ids with at least one near-duplicate among ``ids``.

    ``vectors`` are unit rows aligned with ``ids`` (each article's title-and-lead vector).
    Groups are the connected components of "cosine >= threshold"; a group is named by its
    member that comes first in ``ids`` (the best ranked hit, on a result page). Articles with
    no near-duplicate are absent from the result.
    """
    n = len(ids)
    if n < 2:
        return {}
    sims = vectors @ vectors.T
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows, cols = np.nonzero(np.triu(sims >= threshold, k=1))
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the root is the earliest member
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return {ids[i]: ids[r] for r, members in groups.items() if len(members) > 1 for i in members}
