"""STAND-IN for the crawl-frontier migration of the `frontier` branch (empty here).

Revision ID: 0003_crawl_frontier
Revises: 0002_article_record

This file only keeps the revision chain 0002 -> 0003 -> 0004_capture whole until the frontier
branch lands. When it does, its real 0003_crawl_frontier (same revision id, same down_revision)
REPLACES this file: take the frontier branch's version in that merge, delete nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003_crawl_frontier"
down_revision: str | Sequence[str] | None = "0002_article_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing: the frontier branch's real migration replaces this stand-in."""


def downgrade() -> None:
    """Nothing: the frontier branch's real migration replaces this stand-in."""
