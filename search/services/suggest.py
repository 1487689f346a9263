"""'Did you mean': corrected queries with more hits, from the index's own vocabulary.

Candidates come from the backend (``suggestion_candidates``), are ranked by the shared rule in
``search.core.suggest``, and each correction is counted with the backend's ``count``: the
number shown next to a suggestion is exactly what searching it gives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from search.core.suggest import query_words, rank_candidates, replace_word

if TYPE_CHECKING:
    from search.core.query import SearchQuery

#: A query with fewer hits than this gets suggestions; so does any word the index lacks.
FEW_HITS = 20
#: A correction is offered only when it finds at least this many times the hits.
BETTER_BY = 2
MAX_SUGGESTIONS = 3
_CANDIDATES_PER_WORD = 3


class SuggestingBackend(Protocol):
    def count(self, q: SearchQuery | None = None) -> int: ...

    def document_frequency(self, term: str) -> int: ...

    def suggestion_candidates(self, word: str) -> list[tuple[str, int]]: ...


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str  # the whole corrected query
    total: int  # its hits, with the same filters


def did_you_mean(
    backend: SuggestingBackend, q: SearchQuery, total: int | None = None
) -> list[Suggestion]:
    """Corrected queries, most hits first; empty when the query needs none."""
    if q.parsed.matches_all:
        return []
    total = backend.count(q) if total is None else total
    found: dict[str, int] = {}
    for typed, folded in query_words(q.text):
        known = backend.document_frequency(folded)
        if total >= FEW_HITS and known > 0:
            continue
        ranked = rank_candidates(folded, backend.suggestion_candidates(folded))
        for term, docs in ranked[:_CANDIDATES_PER_WORD]:
            if docs < BETTER_BY * max(known, 1):
                continue
            text = replace_word(q.text, typed, term)
            hits = backend.count(replace(q, text=text, offset=0))
            if hits >= BETTER_BY * max(total, 1) and text not in found:
                found[text] = hits
    best = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:MAX_SUGGESTIONS]
    return [Suggestion(text, hits) for text, hits in best]
