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
