"""Text rules shared by the article producers and by search filters.

Placeholder: the article-record work replaces this module with the full set of rules (title
prefix, date lines, hashtags, language, category normalisation). Only ``canonical_category``
is here so that the query builder can already canonicalise category filters with the
record's rule.
"""

from __future__ import annotations


def canonical_category(text: str) -> str:
    """A category name as the archive stores it: runs of whitespace folded to one space."""
    return " ".join(text.split())
