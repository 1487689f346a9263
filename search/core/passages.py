"""Split an article into bounded passages for embedding.

Why bounded: the encoder's cost grows with text length and one vector of a long text blurs its
topics, so each article is embedded as a few passages of at most ``MAX_CHARS`` characters. The
first passage is the title plus the lead (what a reader sees first); when the body has more
passages than ``MAX_PASSAGES`` allows, the others are picked evenly across the whole body, so a
long article is represented by more than its opening at a bounded cost. Passages break at
paragraph ends, else at the last space (Thai separates sentences with spaces), else hard.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CHARS = 400
MAX_PASSAGES = 4


@dataclass(frozen=True, slots=True)
class Passage:
    """Text given to the encoder; ``start``/``end`` locate its body part (for snippets)."""

    text: str
    start: int
    end: int


def _pieces(body: str, max_chars: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` spans of ``body``, each at most ``max_chars`` long."""
    spans: list[tuple[int, int]] = []
    pos, n = 0, len(body)
    while pos < n:
        while pos < n and body[pos].isspace():
            pos += 1
        if pos >= n:
            break
        end = min(n, pos + max_chars)
        if end < n:
            window = body[pos:end]
            cut = window.rfind("\n")
            if cut < max_chars // 3:
                cut = window.rfind(" ")
            if cut >= max_chars // 3:
                end = pos + cut
        spans.append((pos, end))
        pos = end
    return spans


def _evenly(items: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
    if len(items) <= k:
        return items
    if k == 1:
        return [items[0]]
    step = (len(items) - 1) / (k - 1)
    return [items[round(i * step)] for i in range(k)]


def split_passages(
    title: str, body: str, *, max_chars: int = MAX_CHARS, max_passages: int = MAX_PASSAGES
) -> list[Passage]:
    """At least one passage (the title, when the body is empty); never more than
    ``max_passages``; the first always starts with the title."""
    title = " ".join((title or "").split())
    body = body or ""
    lead_room = max(max_chars - len(title) - 1, max_chars // 3) if title else max_chars
    spans = _pieces(body, max_chars)
    if not spans:
        return [Passage(title, 0, 0)] if title else []
    lead = _pieces(body[spans[0][0] :], lead_room)[0]
    lead = (lead[0] + spans[0][0], lead[1] + spans[0][0])
    first = Passage(f"{title}\n{body[lead[0] : lead[1]].strip()}".strip(), lead[0], lead[1])
    rest = _pieces(body[lead[1] :], max_chars) if lead[1] < len(body) else []
    rest = [(a + lead[1], b + lead[1]) for a, b in rest]
    chosen = _evenly(rest, max_passages - 1) if max_passages > 1 else []
    return [first, *(Passage(body[a:b].strip(), a, b) for a, b in chosen)]
