"""Highlighted snippets cut from the original, unsegmented text (shared by both backends).

Index text is segmented (words separated by spaces, lowercased), which must never show to a
reader. So a snippet is cut from the display text: find where query words occur (a cheap
substring scan on the folded text), pick the window with the most distinct words, then segment
only that window and mark the tokens that really equal a query word, or the part of a compound
token that does (ท่องเที่ยว inside นักท่องเที่ยว, as the index matched it). Substring hits that
are neither words nor parts (e.g. "ตา" inside "ตาก") are therefore never highlighted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from search.core.segment import fold, token_parts

#: Highlight marks in snippets: plain-text control characters, never HTML (the web escapes
#: the text first, then turns the marks into <mark>).
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"


SNIPPET_CHARS = 220
_LEAD = 60  # characters of context before the first highlighted word
_MAX_CANDIDATES = 200
_MAX_PER_WORD = 40  # a stopword like "การ" must not crowd out the rarer words
_WINDOWS_TRIED = 4


def _candidates(folded: str, words: Iterable[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    # A fixed order (longer words first: they are the rarer ones), so that which words fill the
    # candidate budget never depends on set order, which varies between processes.
    for word in sorted(words, key=lambda w: (-len(w), w)):
        start, seen = folded.find(word), 0
        while start != -1 and seen < _MAX_PER_WORD and len(found) < _MAX_CANDIDATES:
            found.append((start, word))
            seen += 1
            start = folded.find(word, start + len(word))
    found.sort()
    return found


def _ranked_windows(found: list[tuple[int, str]], width: int) -> list[int]:
    """Window starts ordered by distinct words covered, then by total hits, then earliest.

    Two pointers over the sorted hits: each window runs from a hit to ``width - _LEAD`` later.
    """
    span = width - _LEAD
    counts: Counter[str] = Counter()
    scored: dict[int, tuple[int, int]] = {}
    j = 0
    for i, (pos, _) in enumerate(found):
        while j < len(found) and found[j][0] < pos + span:
            counts[found[j][1]] += 1
            j += 1
        scored.setdefault(max(0, pos - _LEAD), (len(counts), j - i))
        counts[found[i][1]] -= 1
        if not counts[found[i][1]]:
            del counts[found[i][1]]
    return sorted(scored, key=lambda s: (-scored[s][0], -scored[s][1], s))


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Move window edges to nearby spaces so no word is cut in half."""
    if start > 0:
        space = text.rfind(" ", max(0, start - 25), start + 1)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.find(" ", end - 25, end)
        end = space if space > start else end
    return start, end


def _part_ranges(
    folded: str, a: int, b: int, token_words: tuple[str, ...], words: frozenset[str]
) -> list[tuple[int, int]]:
    """Where the query words among a token's parts sit inside it (first occurrence each)."""
    ranges: list[tuple[int, int]] = []
    for part in token_words:
        if part in words and (found := folded.find(part, a, b)) != -1:
            ranges.append((found, found + len(part)))
    ranges.sort()
    # Nested parts overlap (การท่องเที่ยว, ท่องเที่ยว): keep the first, non-overlapping ones.
    kept: list[tuple[int, int]] = []
    for x, y in ranges:
        if not kept or x >= kept[-1][1]:
            kept.append((x, y))
    return kept


def _render(text: str, start: int, end: int, words: frozenset[str]) -> tuple[str, int]:
    window = text[start:end]
    folded = fold(window)
    parts: list[str] = []
    pos = 0
    marked = 0
    for token, a, b, token_words in token_parts(window, words):
        ranges = [(a, b)] if token in words else _part_ranges(folded, a, b, token_words, words)
        for x, y in ranges:
            parts += [window[pos:x], HIGHLIGHT_START, window[x:y], HIGHLIGHT_END]
            pos = y
            marked += 1
    parts.append(window[pos:])
    body = "".join(parts).replace("\n", " ")
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + body + suffix, marked


def make_snippet(text: str, words: Iterable[str], width: int = SNIPPET_CHARS) -> str:
    """Plain-text excerpt of ``text`` with query words wrapped in \\x02 ... \\x03."""
    text = text or ""
    wanted = frozenset(w for w in words if w)
    if not wanted or not text:
        start, end = _snap(text, 0, min(len(text), width))
        return text[start:end].replace("\n", " ") + (" …" if end < len(text) else "")
    # Folding only changes cased letters and digits: for words without them (Thai words), the
    # original text is searched as is, sparing a copy of a body that can run to 200k characters.
    folds = any(c.isdigit() or c.upper() != c or c.lower() != c for w in wanted for c in w)
    found = _candidates(fold(text) if folds else text, wanted)
    for start in _ranked_windows(found, width)[:_WINDOWS_TRIED]:
        snippet, marked = _render(text, *_snap(text, start, min(len(text), start + width)), wanted)
        if marked:
            return snippet
    return _render(text, *_snap(text, 0, min(len(text), width)), wanted)[0]


def highlight_offsets(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet as plain text and the ``[start, end)`` character offsets of its highlights.

    For JSON consumers: text they can show as is, and where the matches are in it (the
    \\x02/\\x03 marks are an internal convention, invisible and easy to mistake for noise).
    Unbalanced marks are closed at the end or dropped, as in the page's highlighting.
    """
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    start: int | None = None
    length = 0
    for char in snippet:
        if char == HIGHLIGHT_START:
            if start is None:
                start = length
        elif char == HIGHLIGHT_END:
            if start is not None:
                spans.append((start, length))
                start = None
        else:
            plain.append(char)
            length += 1
    if start is not None:
        spans.append((start, length))
    return "".join(plain), [(a, b) for a, b in spans if b > a]
