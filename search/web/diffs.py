"""What changed between two versions of an article, as lines the template escapes.

difflib does the work; this only shapes its unified diff into (kind, text) pairs so the page
can colour additions and removals without ever emitting article text as markup.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

DiffKind = Literal["added", "removed", "context", "hunk"]


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: DiffKind
    text: str


def _lines(title: str | None, body: str | None) -> list[str]:
    return [title or "", "", *(body or "").split("\n")]


def version_diff(
    old_title: str | None,
    old_body: str | None,
    new_title: str | None,
    new_body: str | None,
    *,
    context: int = 2,
) -> list[DiffLine]:
    """Unified diff (title first, then body paragraphs) from the older to the newer version."""
    diff = difflib.unified_diff(
        _lines(old_title, old_body),
        _lines(new_title, new_body),
        lineterm="",
        n=context,
    )
    out: list[DiffLine] = []
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("removed", line[1:]))
        else:
            out.append(DiffLine("context", line[1:]))
    return out


def unified_diff_text(lines: list[DiffLine]) -> str:
    """The same diff as plain unified-diff text (for the JSON API)."""
    prefix = {"added": "+", "removed": "-", "context": " ", "hunk": ""}
    return "\n".join(prefix[line.kind] + line.text for line in lines)


SegmentKind = Literal["same", "deleted", "inserted"]
ParagraphKind = Literal["same", "removed", "added", "changed"]


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    text: str


@dataclass(frozen=True, slots=True)
class ParagraphChange:
    """One paragraph (or the title) of the newer version and how it differs from the older."""

    kind: ParagraphKind
    segments: tuple[Segment, ...]  # word-level for "changed"; one segment otherwise


def _words(text: str) -> list[str]:
    # Thai has no spaces between words, so a character diff would split syllables and a line
    # diff would flag a whole paragraph for one changed word; PyThaiNLP's newmm keeps every
    # character (whitespace included), so the words join back into the exact text.
    from pythainlp.tokenize import word_tokenize

    return word_tokenize(text, engine="newmm", keep_whitespace=True) if text else []


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level changes from ``old`` to ``new``; adjacent segments of a kind are merged."""
    old_words, new_words = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    segments: list[Segment] = []

    def add(kind: SegmentKind, words: list[str]) -> None:
        text = "".join(words)
        if not text:
            return
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(kind, segments[-1].text + text)
        else:
            segments.append(Segment(kind, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", old_words[i1:i2])
        else:
            add("deleted", old_words[i1:i2])
            add("inserted", new_words[j1:j2])
    return tuple(segments)


def paragraph_changes(
    old_title: str | None, old_body: str | None, new_title: str | None, new_body: str | None
) -> list[ParagraphChange]:
    """Title then paragraphs: unchanged, removed, added, or changed with a word diff."""
    old, new = _lines(old_title, old_body), _lines(new_title, new_body)
    changes: list[ParagraphChange] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(ParagraphChange("same", (Segment("same", p),)) for p in old[i1:i2] if p)
            continue
        removed, added = old[i1:i2], new[j1:j2]
        paired = min(len(removed), len(added)) if tag == "replace" else 0
        for before, after in zip(removed[:paired], added[:paired], strict=True):
            changes.append(ParagraphChange("changed", word_diff(before, after)))
        changes.extend(
            ParagraphChange("removed", (Segment("deleted", p),)) for p in removed[paired:] if p
        )
        changes.extend(
            ParagraphChange("added", (Segment("inserted", p),)) for p in added[paired:] if p
        )
    return changes
