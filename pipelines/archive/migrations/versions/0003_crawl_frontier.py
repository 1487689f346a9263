"""Stand-in for the crawl-frontier migration of another branch (empty here).

Revision ID: 0003_crawl_frontier
Revises: 0002_article_record
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003_crawl_frontier"
down_revision: str | Sequence[str] | None = "0002_article_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
