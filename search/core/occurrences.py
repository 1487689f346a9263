"""Where a query occurs inside an article: the token rule the search index uses, in one place.

The workbench counts occurrences (trends), cuts concordance lines (KWIC) and opens collocation
windows. Which *articles* match is always the backend's decision; this module only finds the
positions of the query's words inside the articles the backend matched, on the same tokens the
index holds (``IndexDoc.*_segmented``: ``search.core.segment`` tokens joined by spaces).

``match_tokens`` is the single function to swap when the index's token rule changes (e.g. when
compound parts become matchable: a word then also occurs inside the compounds that contain it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from search.core.query import ParsedQuery, Phrase
from search.core.segment import tokenize_spans

#: A token with its ``[start, end)`` offsets in the text it came from.
Span = tuple[str, int, int]

_TONE = re.compile("[\u0e47-\u0e4c]")
_LEADING_VOWEL = re.compile("([\u0e40-\u0e44])([\u0e01-\u0e2e])")


def match_tokens(text: str) -> list[Span]:
    """The index's tokens of ``text`` with their offsets (the swap point, see module docstring).

    ``text`` must be NFC without zero-width characters, as every indexed text is.
    """
    return tokenize_spans(text)


def thai_sort_key(word: str) -> tuple[str, str]:
    """Thai dictionary order: a leading vowel sorts after its consonant, tone marks only break
    ties (เดือด sorts under ด, not after ฮ as code points would put it).

    PyThaiNLP's ``collate`` applies this rule but only sorts whole lists; a concordance sorts
    by tuples of words, so the rule is written out here as a key.
    """
    return _LEADING_VOWEL.sub(r"\2\1", _TONE.sub("", word)), "".join(_TONE.findall(word))


def occurrence_phrases(parsed: ParsedQuery) -> tuple[Phrase, ...]:
    """Every positive word or phrase of the query: what counts as one occurrence.

    A query ``ข้าว OR "ยาง พารา"`` occurs wherever either alternative does; excluded phrases
    never count. Longest first, so a concordance line shows the longest match at a position.
    """
    phrases = dict.fromkeys(alt for clause in parsed.clauses for alt in clause.alternatives)
    return tuple(sorted(phrases, key=lambda p: (-len(p), p)))


@lru_cache(maxsize=256)
def _phrase_pattern(phrase: Phrase) -> re.Pattern[str]:
    # Tokens hold only letters, marks and digits (search.core.segment), never a space, so a
    # space-delimited token run is a whole-token match; re.escape keeps that true regardless.
    return re.compile(r"(?<!\S)" + " ".join(map(re.escape, phrase)) + r"(?!\S)")


def occurrence_starts(segmented: str, phrases: Iterable[Phrase]) -> set[int]:
    """Character offsets in ``segmented`` where any of ``phrases`` starts (each counted once).

    The same positions as ``corpus_stats.find_sequence`` on ``segmented.split()`` (non-overlapping
    per phrase, left to right), found by a compiled regex instead of a Python token loop: trends
    count occurrences in thousands of articles per request.
    """
    starts: set[int] = set()
    for phrase in phrases:
        if phrase:
            starts.update(m.start() for m in _phrase_pattern(phrase).finditer(segmented))
    return starts


def count_in_segmented(segmented: str, phrases: Sequence[Phrase]) -> int:
    """How many times the query occurs in one indexed text (tokens joined by spaces)."""
    if not segmented or not phrases:
        return 0
    if len(phrases) == 1:
        return sum(1 for _ in _phrase_pattern(phrases[0]).finditer(segmented))
    return len(occurrence_starts(segmented, phrases))
