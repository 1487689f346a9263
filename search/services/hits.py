"""One search hit as JSON fields: the one builder behind ``thaigov search --json`` and the API.

Both surfaces used to assemble a hit's fields themselves; they now start from ``hit_fields``
and only add what is theirs (the command line: ``total`` on every line and a rounded score;
the API: the Thai date and the snippet as HTML, and no ``highlights``).
"""

from __future__ import annotations

from typing import Any

from search.backends.base import Hit
from search.core.snippets import highlight_offsets


def hit_fields(hit: Hit) -> dict[str, Any]:
    """The hit's fields, the snippet as plain text and ``highlights`` as ``[start, end)``
    character offsets in it (the backends' internal ``\\x02``/``\\x03`` marks never leave)."""
    snippet, highlights = highlight_offsets(hit.snippet)
    return {
        "article_id": hit.article_id,
        "title": hit.title,
        "published_date": hit.published_date,
        "category": hit.category,
        "lang": hit.lang,
        "score": hit.score,
        "snippet": snippet,
        "highlights": [list(span) for span in highlights],
        "url": hit.url,
        "duplicate_of": hit.duplicate_of,
    }
