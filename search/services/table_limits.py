"""How many rows the workbench's word tables show, and how often a word must occur to be listed.

Collocations, keyness and the word list each take ``min_count`` and ``limit`` with defaults and
bounds of their own; the command line, the JSON API and the pages read them from here so the
three cannot drift apart. A bad value is the service's usual ``QueryError`` naming the option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from search.services.workbench import check_number

WordTable = Literal["collocations", "keyness", "words"]
MAX_MIN_COUNT = 1_000_000


@dataclass(frozen=True)
class TableLimits:
    """Defaults and the highest ``limit`` of one word table."""

    min_count: int
    limit: int
    max_limit: int

    def check_min_count(self, raw: int | str | None) -> int:
        return check_number("min_count", raw, self.min_count, 1, MAX_MIN_COUNT)

    def check_limit(self, raw: int | str | None) -> int:
        return check_number("limit", raw, self.limit, 1, self.max_limit)

    def check(self, min_count: int | str | None, limit: int | str | None) -> tuple[int, int]:
        """``(min_count, limit)`` checked in that order (the first refusal is reported)."""
        return self.check_min_count(min_count), self.check_limit(limit)


LIMITS: dict[WordTable, TableLimits] = {
    "collocations": TableLimits(min_count=3, limit=50, max_limit=10_000),
    "keyness": TableLimits(min_count=5, limit=50, max_limit=10_000),
    "words": TableLimits(min_count=1, limit=100, max_limit=100_000),
}
