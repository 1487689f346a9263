"""'Did you mean': index terms near a typed word, by edit distance over characters.

Pure functions; each backend supplies candidates from its own vocabulary (the embedded index's
fts5vocab table, Elasticsearch's term suggester) and both are filtered and ranked here by the
same rule, so the two backends offer the same kind of correction. Edit distance is rapidfuzz's
Levenshtein (C++), fast enough to scan a 200k-term vocabulary per query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from search.core.segment import fold, normalise

#: Words longer than this may be two edits away; shorter ones one (ประยุทธ -> ประยุทธ์).
TWO_EDITS_FROM = 6
MAX_CANDIDATES = 10
#: Query words checked for corrections (the first ones typed).
MAX_WORDS = 4
_MIN_WORD_CHARS = 3

# A query word without its syntax: leading minus, quotes, parentheses, a title: prefix, ~N.
_SYNTAX = re.compile(r'^(?:-|\(|"|＂|(?i:title):)+|(?:\)|"|＂|~\d*)+$')
_OPERATORS = frozenset({"OR", "AND", "NOT", "|", "||", "&&", "!", "+"})


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMN"


def max_edits(word: str) -> int:
    return 2 if len(word) >= TWO_EDITS_FROM else 1


def query_words(text: str) -> list[tuple[str, str]]:
    """``(as typed, folded)`` for each word of a query that a correction may replace."""
    out: list[tuple[str, str]] = []
    for raw in normalise(text or "").split():
        if raw in _OPERATORS or raw.startswith("-"):
            continue
        word = _SYNTAX.sub("", raw)
        folded = fold(word)
        if len(folded) >= _MIN_WORD_CHARS and all(_is_word_char(c) for c in word):
            out.append((word, folded))
    return out[:MAX_WORDS]


def near_terms(word: str, vocabulary: Sequence[str], limit: int = MAX_CANDIDATES) -> list[str]:
    """Vocabulary terms within ``max_edits(word)`` edits of ``word`` (the word itself excluded)."""
    found = process.extract(
        word,
        vocabulary,
        scorer=Levenshtein.distance,
        score_cutoff=max_edits(word),
        limit=limit + 1,
    )
    return [term for term, _, _ in found if term != word][:limit]


def rank_candidates(word: str, candidates: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Candidates within the edit limit, nearest first, then most documents first."""
    limit = max_edits(word)
    scored = [
        (Levenshtein.distance(word, term), -docs, term)
        for term, docs in candidates
        if term != word and docs > 0
    ]
    return [(term, -neg) for distance, neg, term in sorted(scored) if distance <= limit]


def replace_word(text: str, typed: str, replacement: str) -> str:
    """``text`` with the first occurrence of ``typed`` replaced (the corrected query)."""
    return normalise(text).replace(typed, replacement, 1)
