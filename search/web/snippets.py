"""Turn a backend snippet (plain text, matches marked with \\x02/\\x03) into safe HTML.

Escaping comes first, so article text can never inject markup: only the two control
characters, which escaping leaves alone, become ``<mark>`` tags.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START


def highlight_html(snippet: str | None) -> Markup:
    """Escaped snippet with ``<mark>`` around highlights; unbalanced marks are closed or dropped."""
    if not snippet:
        return Markup("")
    parts: list[str] = []
    open_mark = False
    for char in str(escape(snippet)):
        if char == HIGHLIGHT_START and not open_mark:
            parts.append("<mark>")
            open_mark = True
        elif char == HIGHLIGHT_END and open_mark:
            parts.append("</mark>")
            open_mark = False
        elif char in (HIGHLIGHT_START, HIGHLIGHT_END):
            continue
        else:
            parts.append(char)
    if open_mark:
        parts.append("</mark>")
    return Markup("".join(parts))


def plain_text(snippet: str | None) -> str:
    """The snippet without highlight marks (for JSON consumers that do not want them)."""
    if not snippet:
        return ""
    return snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
