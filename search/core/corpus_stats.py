"""Corpus statistics for the research workbench: periods, rates, concordance, collocation, keyness.

Pure functions over token lists and counts, so the CLI, API and page (and both search backends)
compute every figure the same way, and each formula is tested against a worked example.

Formulas (Evert 2008, "Corpora and collocations"; Rayson & Garside 2000; Hardie 2014):

* Collocation within a window of ``w`` words either side of the node: O11 = co-occurrences of
  the collocate near the node, R1 = f(node) × 2w (the window positions), C1 = f(collocate),
  N = corpus size in tokens; the other cells follow (O12 = R1 - O11, O21 = C1 - O11,
  O22 = N - R1 - C1 + O11); expected E_ij = R_i × C_j / N.
  ``log-likelihood`` G² = 2 Σ O_ij ln(O_ij / E_ij); ``mutual information`` MI = log2(O11 / E11).
* Keyness of a word with frequency ``a`` in a target corpus of ``c`` tokens against ``b`` in a
  reference of ``d`` tokens: E1 = c (a + b) / (c + d), E2 = d (a + b) / (c + d),
  LL = 2 (a ln(a / E1) + b ln(b / E2)); effect size: log ratio = log2((a / c) / (b / d)), with
  0.5 standing in for a zero frequency so that words absent from one side stay finite.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

Interval = Literal["month", "quarter", "year"]
INTERVALS: tuple[Interval, ...] = ("month", "quarter", "year")
#: The Buddhist era is the common era plus this many years.
BE_OFFSET = 543
#: Stand-in for a zero frequency in the log ratio (Hardie 2014).
ZERO_FREQUENCY = 0.5


# --- periods ---------------------------------------------------------------------------------


def period_key(day: date, interval: Interval) -> str:
    """``2024-10`` (month), ``2024-Q4`` (quarter) or ``2024`` (year), in the common era."""
    if interval == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if interval == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if interval == "year":
        return f"{day.year:04d}"
    raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, not {interval!r}")


def period_start(key: str) -> date:
    """First day of the period named by :func:`period_key`."""
    year = int(key[:4])
    if len(key) == 4:
        return date(year, 1, 1)
    if key[5] == "Q":
        return date(year, (int(key[6]) - 1) * 3 + 1, 1)
    return date(year, int(key[5:7]), 1)


def _next_period(day: date, interval: Interval) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[interval]
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods_between(first: date, last: date, interval: Interval) -> list[str]:
    """Every period key from the one holding ``first`` to the one holding ``last``, in order.

    Charts need the empty periods too: a month without a match is a zero, not a gap.
    """
    if last < first:
        return []
    keys: list[str] = []
    day = period_start(period_key(first, interval))
    while day <= last:
        keys.append(period_key(day, interval))
        day = _next_period(day, interval)
    return keys


def period_label_be(key: str) -> str:
    """The same period in the Buddhist era: ``2567-10``, ``2567-Q4``, ``2567``."""
    return f"{int(key[:4]) + BE_OFFSET}{key[4:]}"


def per_thousand(part: int, whole: int) -> float | None:
    """``part`` per 1,000 of ``whole``; None when the period has no archived articles at all."""
    return None if whole <= 0 else 1000.0 * part / whole


# --- occurrences and concordance -----------------------------------------------------------


def find_sequence(tokens: Sequence[str], phrase: Sequence[str]) -> Iterator[int]:
    """Start positions where ``phrase`` occurs in ``tokens`` (non-overlapping, left to right)."""
    size = len(phrase)
    if size == 0:
        return
    first = phrase[0]
    i = 0
    last_start = len(tokens) - size
    while i <= last_start:
        if tokens[i] == first and list(tokens[i : i + size]) == list(phrase):
            yield i
            i += size
        else:
            i += 1


def count_occurrences(tokens: Sequence[str], phrases: Iterable[Sequence[str]]) -> int:
    """How many times any of ``phrases`` occurs in ``tokens`` (each position counted once)."""
    starts: set[int] = set()
    for phrase in phrases:
        starts.update(find_sequence(tokens, phrase))
    return len(starts)


@dataclass(frozen=True)
class ConcordanceLine:
    """One occurrence: the matched text with whole words of context from the original text."""

    left: str
    match: str
    right: str
    start: int  # character offsets of the match in the text
    end: int


def concordance(
    text: str,
    spans: Sequence[tuple[str, int, int]],
    phrases: Iterable[Sequence[str]],
    context_words: int,
) -> list[ConcordanceLine]:
    """Every occurrence of ``phrases`` in ``text`` with ``context_words`` whole words each side.

    ``spans`` are ``(token, start, end)`` from :func:`search.core.segment.tokenize_spans`, so
    contexts are cut at word boundaries of the original text (spaces and punctuation kept as
    written) and never in the middle of a Thai word.
    """
    tokens = [token for token, _, _ in spans]
    starts: dict[int, int] = {}
    for phrase in phrases:
        for start in find_sequence(tokens, phrase):
            starts[start] = max(starts.get(start, 0), len(phrase))
    return concordance_lines(
        text, spans, [(i, i + starts[i] - 1) for i in sorted(starts)], context_words
    )


def concordance_lines(
    text: str,
    spans: Sequence[tuple[str, int, int]],
    matches: Iterable[tuple[int, int]],
    context_words: int,
) -> list[ConcordanceLine]:
    """Lines for matches given as first and last token index (inclusive) into ``spans``.

    For callers that locate the matches themselves (the workbench finds them on the index's
    stored tokens, where a word may also match inside a compound).
    """
    lines: list[ConcordanceLine] = []
    for i, j in matches:
        match_start, match_end = spans[i][1], spans[j][2]
        left_from = spans[max(0, i - context_words)][1] if context_words else match_start
        right_to = spans[min(len(spans) - 1, j + context_words)][2] if context_words else match_end
        lines.append(
            ConcordanceLine(
                left=" ".join(text[left_from:match_start].split()),
                match=text[match_start:match_end],
                right=" ".join(text[match_end:right_to].split()),
                start=match_start,
                end=match_end,
            )
        )
    return lines


# --- association measures ----------------------------------------------------------------


def _xlogx_ratio(observed: float, expected: float) -> float:
    return observed * math.log(observed / expected) if observed > 0 else 0.0


def log_likelihood_2x2(o11: float, o12: float, o21: float, o22: float) -> float:
    """Dunning's G² for a 2×2 contingency table (0 when any margin is empty)."""
    n = o11 + o12 + o21 + o22
    r1, r2 = o11 + o12, o21 + o22
    c1, c2 = o11 + o21, o12 + o22
    if n <= 0 or 0 in (r1, r2, c1, c2):
        return 0.0
    cells = ((o11, r1 * c1), (o12, r1 * c2), (o21, r2 * c1), (o22, r2 * c2))
    return 2.0 * sum(_xlogx_ratio(o, rc / n) for o, rc in cells)


@dataclass(frozen=True)
class Association:
    """A collocate of the node word: co-occurrence count and both scores."""

    word: str
    count: int  # O11: occurrences inside the node's windows
    frequency: int  # C1: occurrences in the whole corpus
    log_likelihood: float
    mutual_information: float


def window_counts(
    documents: Iterable[Sequence[str]], node: Sequence[str], window: int
) -> tuple[Counter[str], int, int]:
    """Collocate counts within ``window`` words either side of each occurrence of ``node``.

    Returns (counts, node occurrences, window positions). Windows stop at document edges and
    the node's own tokens are not counted as collocates of itself.
    """
    counts: Counter[str] = Counter()
    occurrences = 0
    positions = 0
    for tokens in documents:
        for start in find_sequence(tokens, node):
            occurrences += 1
            end = start + len(node)
            left = tokens[max(0, start - window) : start]
            right = tokens[end : end + window]
            positions += len(left) + len(right)
            counts.update(left)
            counts.update(right)
    return counts, occurrences, positions


def collocations(
    cooccurrence: Counter[str],
    window_positions: int,
    frequencies: Counter[str],
    corpus_size: int,
    *,
    min_count: int = 3,
    exclude: Iterable[str] = (),
) -> list[Association]:
    """Score every collocate seen at least ``min_count`` times near the node.

    ``window_positions`` is R1 (the tokens inside all the node's windows), ``frequencies`` the
    corpus frequency of each word and ``corpus_size`` N. Sorted by log-likelihood, then word.
    """
    skip = set(exclude)
    scored: list[Association] = []
    for word, o11 in cooccurrence.items():
        if o11 < min_count or word in skip:
            continue
        c1 = max(frequencies.get(word, 0), o11)
        o12 = window_positions - o11
        o21 = c1 - o11
        o22 = corpus_size - window_positions - c1 + o11
        expected = window_positions * c1 / corpus_size if corpus_size else 0.0
        mi = math.log2(o11 / expected) if expected > 0 else 0.0
        scored.append(
            Association(word, o11, c1, log_likelihood_2x2(o11, o12, o21, max(o22, 0)), mi)
        )
    scored.sort(key=lambda a: (-a.log_likelihood, a.word))
    return scored


@dataclass(frozen=True)
class Keyness:
    """A word's over- (positive log ratio) or under-representation in the target corpus."""

    word: str
    target_count: int
    reference_count: int
    log_likelihood: float
    log_ratio: float


def keyness_score(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """(log-likelihood, log ratio) for ``a`` of ``c`` target tokens against ``b`` of ``d``."""
    total = a + b
    if c <= 0 or d <= 0 or total == 0:
        return 0.0, 0.0
    e1 = c * total / (c + d)
    e2 = d * total / (c + d)
    ll = 2.0 * (_xlogx_ratio(a, e1) + _xlogx_ratio(b, e2))
    ratio = math.log2(((a or ZERO_FREQUENCY) / c) / ((b or ZERO_FREQUENCY) / d))
    return ll, ratio


def keywords(
    target: Counter[str],
    reference: Counter[str],
    *,
    min_count: int = 5,
    exclude: Iterable[str] = (),
) -> list[Keyness]:
    """Every word used at least ``min_count`` times in the target, most key first.

    Sorted by log-likelihood; over-represented and under-represented words both appear, told
    apart by the sign of the log ratio.
    """
    c = sum(target.values())
    d = sum(reference.values())
    skip = set(exclude)
    rows: list[Keyness] = []
    for word, a in target.items():
        if a < min_count or word in skip:
            continue
        b = reference.get(word, 0)
        ll, ratio = keyness_score(a, b, c, d)
        rows.append(Keyness(word, a, b, ll, ratio))
    rows.sort(key=lambda k: (-k.log_likelihood, k.word))
    return rows


def frequency_list(
    documents: Iterable[Sequence[str]], *, exclude: Iterable[str] = ()
) -> Counter[str]:
    """Word frequencies over ``documents`` (token lists), without the ``exclude`` words."""
    skip = set(exclude)
    counts: Counter[str] = Counter()
    for tokens in documents:
        counts.update(t for t in tokens if t not in skip)
    return counts


def is_content_word(token: str) -> bool:
    """Words worth listing: at least one letter (numbers alone are not collocates or keywords)."""
    return any(ch.isalpha() for ch in token)
