"""Initial archive schema: articles, article_versions, raw_pages, crawl_runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Frozen on purpose: plain column types here (UTCDateTime is a Python-side wrapper over a
timezone-aware DateTime), so later model edits cannot change what this revision creates.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("published_date_text", sa.Text(), nullable=True),
        sa.Column("published_date_numeric_text", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hashtags", JSON, nullable=False),
        sa.Column("images", JSON, nullable=False),
        sa.Column("attachments", JSON, nullable=False),
        ts("fetched_at", nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("published_date", sa.Date(), nullable=True),
        sa.Column("date_mentions", JSON, nullable=False),
        sa.Column("date_warnings", JSON, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        ts("first_seen_at"),
        ts("last_seen_at"),
        ts("last_changed_at"),
        ts("indexed_at", nullable=True),
        sa.CheckConstraint("article_id > 0", name="ck_articles_article_id_positive"),
        sa.PrimaryKeyConstraint("article_id"),
    )
    for column in ("category", "indexed_at", "lang", "published_date"):
        op.create_index(f"ix_articles_{column}", "articles", [column])

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spider", sa.String(length=100), nullable=False),
        ts("started_at"),
        ts("finished_at", nullable=True),
        sa.Column("arguments", JSON, nullable=False),
        sa.Column("stats", JSON, nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_crawl_runs_started_at", "crawl_runs", ["started_at"])

    op.create_table(
        "raw_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        ts("fetched_at"),
        sa.Column("compression", sa.String(length=16), nullable=False),
        sa.Column("html", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "content_hash", name="uq_raw_pages_article_hash"),
    )
    op.create_index("ix_raw_pages_article_id", "raw_pages", ["article_id"])

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        ts("valid_from"),
        ts("replaced_at"),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "version", name="uq_article_versions"),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])


def downgrade() -> None:
    op.drop_table("article_versions")
    op.drop_table("raw_pages")
    op.drop_table("crawl_runs")
    op.drop_table("articles")
