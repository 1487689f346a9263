"""Durable crawl frontier: crawl_frontier (one row per id asked) and crawl_frontier_marks.

Revision ID: 0003_crawl_frontier
Revises: 0002_article_record
Create Date: 2026-11-30

Frozen like 0001: plain column types, so later model edits cannot change what it creates.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_crawl_frontier"
down_revision: str | Sequence[str] | None = "0002_article_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crawl_frontier",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('article', 'not_article', 'failed', 'unanswered', 'given_up')",
            name="ck_crawl_frontier_state",
        ),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_index("ix_crawl_frontier_state", "crawl_frontier", ["state"])
    op.create_table(
        "crawl_frontier_marks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("crawl_frontier_marks")
    op.drop_index("ix_crawl_frontier_state", table_name="crawl_frontier")
    op.drop_table("crawl_frontier")
