"""Where a query occurs inside an article: the token rule the search index uses, in one place.

The workbench counts occurrences (trends), cuts concordance lines (KWIC) and opens collocation
windows. Which *articles* match is always the backend's decision; this module only finds the
positions of the query's words inside the articles the backend matched, on the same tokens the
index holds (``IndexDoc.*_segmented``: ``search.core.segment`` tokens joined by spaces).

The swap points when the index's token rule changes: ``token_parts`` (the parts a token also
matches as, once compound parts become matchable: a word then also occurs inside the compounds
that contain it; set ``COMPOUND_PARTS`` with it) and ``match_tokens`` (segmenting a text whose
stored tokens cannot be located in it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from search.core.query import ParsedQuery, Phrase
from search.core.segment import fold, tokenize_spans, word_parts

#: A token with its ``[start, end)`` offsets in the text it came from.
Span = tuple[str, int, int]

_TONE = re.compile("[\u0e47-\u0e4c]")
_LEADING_VOWEL = re.compile("([\u0e40-\u0e44])([\u0e01-\u0e2e])")


#: True: ``token_parts`` gives parts, as the index matches them (issue 12). The embedded index
#: keeps, beside its word counts per month, which compound tokens hold which word
#: (``compound_words``, written by ``search.backends.word_stats``), so occurrence counts can be
#: read from the counts without reading the articles.
COMPOUND_PARTS = True


def token_parts(token: str) -> tuple[str, ...]:
    """The parts ``token`` also matches as a word: its dictionary parts, the ones the index
    holds in its parts columns/fields, so ``ข้าว`` also occurs in ``ข้าวเหนียว`` exactly where
    the search matches it there."""
    return word_parts(token)


@lru_cache(maxsize=262144)
def compound_words(token: str) -> frozenset[str]:
    """The words ``token`` is an occurrence of besides itself: a token is one occurrence of a
    one-word query ``w`` when it is ``w`` or ``w`` is in this set (the whole token is the match).

    The one definition of a compound occurrence: ``occurrence_spans`` finds occurrences with it,
    and the embedded index's word counts record it for every token they count
    (``search.backends.word_stats``), so counts read from either agree.
    """
    if not COMPOUND_PARTS:
        return frozenset()
    return frozenset(p for p in token_parts(token) if p != token and p in token)


def match_tokens(text: str) -> list[Span]:
    """The index's tokens of ``text`` with their offsets (the swap point, see module docstring).

    ``text`` must be NFC without zero-width characters, as every indexed text is.
    """
    return tokenize_spans(text)


def spans_from_tokens(text: str, segmented: str) -> list[Span] | None:
    """The index's stored tokens of ``text`` located in it, or None if they do not align.

    Tokens cover every letter, mark and digit of the text in order and separators hold none,
    so each token's next occurrence is its own: the spans come without segmenting again (a
    concordance page would otherwise re-segment every article it shows).
    """
    folded = fold(text)
    spans: list[Span] = []
    pos = 0
    for token in segmented.split():
        start = folded.find(token, pos)
        if start == -1:
            return None
        pos = start + len(token)
        spans.append((token, start, pos))
    return spans


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
    # The pattern starts with the literal (re then finds candidates by a fast literal search);
    # the left edge is checked by ``_starts`` instead of a look-behind, which would defeat it.
    return re.compile(" ".join(map(re.escape, phrase)) + r"(?!\S)")


def _starts(segmented: str, phrase: Phrase) -> list[int]:
    """Non-overlapping whole-token matches of ``phrase``, left to right."""
    pattern = _phrase_pattern(phrase)
    found: list[int] = []
    pos = 0
    while (m := pattern.search(segmented, pos)) is not None:
        start = m.start()
        if start == 0 or segmented[start - 1] == " ":
            found.append(start)
            pos = m.end()
        else:  # inside a longer token: look again from the next character
            pos = start + 1
    return found


def occurrence_spans(segmented: str, phrases: Iterable[Phrase]) -> dict[int, int]:
    """``{start: end}`` character offsets in ``segmented`` of every occurrence: whole-token
    matches of any phrase (non-overlapping per phrase, left to right; the longest match at a
    start), and with ``COMPOUND_PARTS`` a one-word phrase inside a compound token (the whole
    token is the match)."""
    found: dict[int, int] = {}
    for phrase in phrases:
        if not phrase or phrase[0] not in segmented:
            continue
        length = len(" ".join(phrase))
        for start in _starts(segmented, phrase):
            found[start] = max(found.get(start, 0), start + length)
        if COMPOUND_PARTS and len(phrase) == 1:
            for m in _containing(phrase[0]).finditer(segmented):
                if phrase[0] in compound_words(m[0]):
                    found.setdefault(m.start(), m.end())
    return found


@lru_cache(maxsize=256)
def _containing(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\S)\S*" + re.escape(word) + r"\S*(?!\S)")


def occurrence_starts(segmented: str, phrases: Iterable[Phrase]) -> set[int]:
    """Character offsets in ``segmented`` where any of ``phrases`` starts (each counted once).

    The same positions as ``corpus_stats.find_sequence`` on ``segmented.split()`` (non-overlapping
    per phrase, left to right), found by a compiled regex instead of a Python token loop: trends
    count occurrences in thousands of articles per request.
    """
    return set(occurrence_spans(segmented, phrases))


def token_ranges(segmented: str, spans: dict[int, int]) -> list[tuple[int, int]]:
    """The occurrences as first and last token index (inclusive), in text order."""
    ranges: list[tuple[int, int]] = []
    for start in sorted(spans):
        first = segmented.count(" ", 0, start)
        ranges.append((first, first + segmented.count(" ", start, spans[start])))
    return ranges


def count_in_segmented(segmented: str, phrases: Sequence[Phrase]) -> int:
    """How many times the query occurs in one indexed text (tokens joined by spaces)."""
    if not segmented or not phrases:
        return 0
    if len(phrases) == 1 and not COMPOUND_PARTS:
        return len(_starts(segmented, phrases[0])) if phrases[0][0] in segmented else 0
    return len(occurrence_spans(segmented, phrases))
